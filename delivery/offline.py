"""A Bot session that talks to nobody: it records every call and answers like Telegram.

Used by the test-suite (feed updates through a Dispatcher, assert on what went out) and by
``gridbot demo`` to print an offline transcript. Depends on aiogram only.

It refuses what Telegram refuses (see delivery.telegram_rules): texts over 4,096 UTF-16 units,
captions over 1,024, empty texts, bad HTML, bad inline keyboards, edits of unknown messages
or edits that change nothing, writing to users who never wrote to the bot (feed updates
through ``observe`` or delivery.scripted.Conversation, or declare users with ``reachable``),
blocked or deactivated users, and late or repeated callback answers.
"""

from __future__ import annotations

import asyncio
import json
import time
import types
from collections import defaultdict, deque
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import File, InputFile, Message, MessageId, Update, User

from delivery.harmless import install as install_harmless
from delivery.responses import pin_responses
from delivery.replies import (
    MessageFactory,
    bot_user,
    file_json,
    is_message_method,
)
from delivery.telegram_rules import Clock, Refusal, TelegramRules


@dataclass(frozen=True)
class Request:
    """One API call as it would go over the wire: method name and JSON-able parameters."""

    method: str
    data: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)  # attach key -> file name
    error: str | None = None  # set when a queued failure or a Telegram rule refused this call
    result: Any = None  # what "Telegram" answered (the Message JSON for a send)

    @property
    def chat_id(self) -> int | str | None:
        return self.data.get("chat_id")

    @property
    def text(self) -> str | None:
        return self.data.get("text") or self.data.get("caption") or self.data.get("question")


@dataclass
class _Failure:
    method: str | None
    chat_id: int | str | None
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    timeout: bool = False

    def matches(self, method: str, chat_id: Any) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or _same_chat(self.chat_id, chat_id)


def _same_chat(a: Any, b: Any) -> bool:
    return a == b or (a is not None and b is not None and str(a) == str(b))


class Hold:
    """A call parked before its answer: ``arrived`` is set when the call came in (the message
    is already delivered, as Telegram delivers it before the bot reads the answer); the call
    returns once the test calls ``release()``. Cancel the caller meanwhile to model a crash
    mid-send."""

    def __init__(self, method: str | None, chat_id: int | str | None) -> None:
        self.method = method
        self.chat_id = chat_id
        self.arrived = asyncio.Event()
        self._released = asyncio.Event()
        self.request: Any = None  # the Request (or server Call) that was held

    def matches(self, method: str, chat_id: Any) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or _same_chat(self.chat_id, chat_id)

    def release(self) -> None:
        self._released.set()

    @property
    def released(self) -> bool:
        return self._released.is_set()

    async def wait_released(self) -> None:
        await self._released.wait()


class RecordingSession(BaseSession):
    """First in, first out: every call is recorded and answered unless a failure was queued
    or Telegram would refuse it (then aiogram raises the real TelegramBadRequest/Forbidden).

    strict=False keeps only the stateless rules (text length, HTML, keyboards): anyone is
    reachable, any edit and any callback answer is accepted. ``clock`` (seconds or datetime)
    times callback answers; ``reachable`` lists users who already started the bot.
    """

    def __init__(
        self,
        *,
        strict: bool = True,
        clock: Clock | None = None,
        reachable: Iterable[int] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.requests: list[Request] = []
        self.factory = MessageFactory()
        self.rules = TelegramRules(clock=clock or time.monotonic, strict=strict)
        self.rules.reach(*reachable)
        self.closed = False
        self._failures: deque[_Failure] = deque()
        self._results: dict[str, deque[Any]] = defaultdict(deque)
        self._holds: list[Hold] = []

    # -- what the test world looks like ------------------------------------------------------
    def reachable(self, *user_ids: int) -> None:
        """Declare users who started the bot earlier, so it may write to them."""
        self.rules.reach(*user_ids)

    def block(self, user_id: int) -> None:
        """The user blocked the bot: 403 "Forbidden: bot was blocked by the user" until they write."""
        self.rules.block(user_id)

    def deactivate(self, user_id: int) -> None:
        """The user deleted their account: 403 "Forbidden: user is deactivated"."""
        self.rules.deactivate(user_id)

    def observe(self, update: Update | dict[str, Any]) -> None:
        """Tell the session an update reached the bot (its sender becomes reachable, a
        callback query starts its 15 s); delivery.scripted.Conversation does this for you."""
        if isinstance(update, Update):
            update = update.model_dump(mode="json", by_alias=True, exclude_none=True)
        self.rules.observe(update)

    def hold(self, method: str | None = None, *, chat_id: int | str | None = None) -> Hold:
        """Park the next matching call after delivery until ``hold.release()``."""
        hold = Hold(method, chat_id)
        self._holds.append(hold)
        return hold

    # -- queueing answers -------------------------------------------------------------
    def fail_next(
        self,
        method: str | None,
        *,
        status: int,
        description: str,
        retry_after: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next call of `method` (any method if None) with this Telegram error."""
        if status == 429 and retry_after is None:
            retry_after = 1  # a 429 without retry_after would not be a TelegramRetryAfter
        self._failures.append(_Failure(method, chat_id, status, description, retry_after))

    def fail_next_timeout(self, method: str | None = None, *, chat_id: int | None = None) -> None:
        """Make the next matching call raise TelegramNetworkError, as a timed-out request does."""
        self._failures.append(_Failure(method, chat_id, description="Request timeout error", timeout=True))

    def add_result(self, method: str, result: Any) -> None:
        """Answer the next call of `method` with this JSON result instead of the made-up one."""
        self._results[method.lower()].append(result)

    # -- BaseSession --------------------------------------------------------------------
    async def close(self) -> None:
        self.closed = True

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b"offline file content"

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        name = method.__api_method__
        files: dict[str, InputFile] = {}
        # prepare_value is what the real sessions use: defaults (parse_mode) resolved,
        # models turned into dicts, None dropped, uploads replaced by attach:// keys.
        data = self.prepare_value(
            method.model_dump(warnings=False), bot=bot, files=files, _dumps_json=False
        )
        data = json.loads(self.json_dumps(data))  # plain JSON types only (no str enums)
        file_names = {k: f.filename or k for k, f in files.items()}
        failure = self._take_failure(name, data.get("chat_id"))
        if failure is None:
            try:
                self.rules.check(name, data)
            except Refusal as refusal:
                failure = _Failure(name, data.get("chat_id"), refusal.status, refusal.description)
        if failure is not None:
            self.requests.append(Request(name, data, file_names, error=failure.description))
            if failure.timeout:
                raise TelegramNetworkError(method=method, message=failure.description)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            self.check_response(bot, method, failure.status, self.json_dumps(body))
            raise AssertionError("check_response accepted a queued failure")  # pragma: no cover
        result = self._answer(bot, method, name, data)
        self.rules.accepted(name, data, result)
        request = Request(name, data, file_names, result=result)
        self.requests.append(request)
        if hold := self._take_hold(name, data.get("chat_id")):
            hold.request = request
            hold.arrived.set()
            await hold.wait_released()
        response = self.check_response(bot, method, 200, self.json_dumps({"ok": True, "result": result}))
        return response.result  # type: ignore[return-value]

    def _take_hold(self, method: str, chat_id: Any) -> Hold | None:
        for hold in self._holds:
            if hold.matches(method, chat_id):
                self._holds.remove(hold)
                return hold
        return None

    def _take_failure(self, method: str, chat_id: Any) -> _Failure | None:
        for failure in self._failures:
            if failure.matches(method, chat_id):
                self._failures.remove(failure)
                return failure
        return None

    def _answer(self, bot: Bot, method: TelegramMethod[Any], name: str, data: dict[str, Any]) -> Any:
        queued = self._results.get(name.lower())
        if queued:
            return queued.popleft()
        returns = _return_types(method.__returning__)
        me = bot_user(bot.id)
        if Message in returns and is_message_method(name):
            return self.factory.result(name, data, me)
        if bool in returns:
            return True
        if User in returns:
            return me
        if File in returns:
            return file_json(str(data.get("file_id", "file")))
        if MessageId in returns:
            return {"message_id": self.factory.next_message_id()}
        if list in returns:
            return []
        raise NotImplementedError(f"no made-up answer for {name}: queue one with add_result()")

    # -- reading what went out ---------------------------------------------------------
    def sent(self, chat_id: int | str | None = None, method: str | None = None) -> list[Request]:
        """Calls that succeeded, in order, optionally only those to one chat / of one method."""
        return [
            r
            for r in self.requests
            if r.error is None
            and (chat_id is None or _same_chat(r.chat_id, chat_id))
            and (method is None or r.method.lower() == method.lower())
        ]

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        """Text (or caption, or poll question) of each message sent or edited, in order."""
        return [r.text for r in self.sent(chat_id) if is_message_method(r.method) and r.text]

    def transcript(self) -> dict[int | str, list[str]]:
        """Every text/caption delivered (sent or edited), per chat, in order."""
        out: dict[int | str, list[str]] = defaultdict(list)
        for r in self.sent():
            if is_message_method(r.method) and r.text and r.chat_id is not None:
                out[r.chat_id].append(r.text)
        return dict(out)

    def last(self, chat_id: int | str | None = None) -> Request:
        """The last successful call (to that chat); LookupError if there is none."""
        sent = self.sent(chat_id)
        if not sent:
            where = "" if chat_id is None else f" to chat {chat_id}"
            raise LookupError(f"nothing was sent{where}")
        return sent[-1]

    def clear(self) -> None:
        """Forget recorded calls and queued failures/results (sent messages stay editable)."""
        self.requests.clear()
        self._failures.clear()
        self._results.clear()

    @staticmethod
    def buttons(request: Request) -> list[tuple[str, str | None]]:
        """(text, callback_data) of every inline button of a request, row by row."""
        markup = request.data.get("reply_markup") or {}
        return [
            (button.get("text", ""), button.get("callback_data"))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]


def _return_types(returning: Any) -> set[Any]:
    origin = get_origin(returning)
    if origin in (Union, types.UnionType):
        return {get_origin(a) or a for a in get_args(returning)}
    return {origin or returning}


def make_offline_bot(session: RecordingSession | None = None, token: str = "42:TEST", *,
                     harmless: bool = True) -> Bot:
    """A Bot answering from a RecordingSession, with the project's HTML parse mode and the
    same session middleware as the real bot (delivery.harmless); harmless=False shows every
    refusal as Telegram sends it, for tests of the session itself."""
    session = session if session is not None else RecordingSession()
    pin_responses(session)
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    return install_harmless(bot) if harmless else bot
