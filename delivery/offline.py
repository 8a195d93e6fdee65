"""A Bot session that talks to nobody: it records every call and answers like Telegram.

Used by the test-suite (feed updates through a Dispatcher, assert on what went out) and by
``gridbot demo`` to print an offline transcript. Depends on aiogram only.
"""

from __future__ import annotations

import json
import types
from collections import defaultdict, deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import File, InputFile, Message, MessageId, User

from delivery.replies import (
    MessageFactory,
    bot_user,
    file_json,
    is_message_method,
)


@dataclass(frozen=True)
class Request:
    """One API call as it would go over the wire: method name and JSON-able parameters."""

    method: str
    data: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)  # attach key -> file name
    error: str | None = None  # set when a queued failure answered this call

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


class RecordingSession(BaseSession):
    """First in, first out: every call is recorded and answered unless a failure was queued."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requests: list[Request] = []
        self.factory = MessageFactory()
        self.closed = False
        self._failures: deque[_Failure] = deque()
        self._results: dict[str, deque[Any]] = defaultdict(deque)

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
        self.requests.append(Request(name, data, file_names))
        result = self._answer(bot, method, name, data)
        response = self.check_response(bot, method, 200, self.json_dumps({"ok": True, "result": result}))
        return response.result  # type: ignore[return-value]

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


def make_offline_bot(session: RecordingSession | None = None, token: str = "42:TEST") -> Bot:
    """A Bot answering from a RecordingSession, with the project's HTML parse mode."""
    return Bot(
        token,
        session=session if session is not None else RecordingSession(),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
