"""A local HTTP server that speaks enough of the Telegram Bot API for aiogram to poll it.

Runs in the test's own event loop. A real aiogram Bot reaches it through
``AiohttpSession(api=TelegramAPIServer.from_base(await api.start()))``; tests push
updates, then wait for and inspect the calls the bot made. With ``enforce_limits`` it
answers 429 like Telegram when a sender goes over the rate limits, and counts that.

Like Telegram (see delivery.telegram_rules) it refuses too-long, empty or badly formatted texts,
bad inline keyboards, edits of unknown messages and edits that change nothing, calls to users
who never wrote to the bot (``push_*`` makes the sender reachable, ``reachable()`` declares
one), blocked/deactivated users (``block()``/``deactivate()``) and callback answers that come
twice or later than 15 s after the press on the server's ``clock``. Updates stay queued until
a getUpdates with a higher offset confirms them; a second poller gets the first one a 409.
``hold()`` parks a call after delivery so a test can kill the bot mid-send.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiohttp import web

from delivery.offline import Hold
from delivery.replies import (
    MessageFactory,
    bot_user,
    chat_json,
    file_json,
    is_message_method,
)
from delivery.telegram_rules import GET_UPDATES_CONFLICT, Clock, Refusal, TelegramRules

# Form values are strings; these stay strings even when they look like JSON ("123", "true").
_TEXT_KEYS = frozenset(
    "text caption question title description short_description name first_name last_name "
    "address callback_query_id inline_message_id file_id photo document video audio voice "
    "animation sticker thumbnail url parse_mode emoji query business_connection_id "
    "message_effect_id phone_number explanation secret_token language_code payload".split()
)
_KNOWN = {m.lower(): m for m in (
    "getMe getUpdates sendMessage editMessageText editMessageReplyMarkup editMessageCaption "
    "answerCallbackQuery sendPhoto sendDocument sendLocation sendPoll deleteWebhook setWebhook "
    "getWebhookInfo setMyCommands getMyCommands deleteMyCommands getFile deleteMessage "
    "sendChatAction close logOut".split()
)}


def _decode(key: str, value: str) -> Any:
    if key in _TEXT_KEYS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, (dict, list, bool, int, float)) else value


def _is_send(method: str) -> bool:
    # What Telegram's message limits count: new messages, not edits or chat actions.
    return is_message_method(method) and not method.startswith(("edit", "stop"))


@dataclass
class Call:
    """One request the bot made, as the server understood it."""

    method: str
    params: dict[str, Any]
    chat_id: int | None
    time: float  # event-loop (monotonic) time of arrival
    status: int = 200
    files: dict[str, str] = field(default_factory=dict)
    result: Any = None  # what the server answered (the Message JSON for a send)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def text(self) -> str | None:
        p = self.params
        return p.get("text") or p.get("caption") or p.get("question")


@dataclass
class _Failure:
    method: str | None
    chat_id: int | None
    status: int
    description: str
    retry_after: int | None


class FakeBotApi:
    def __init__(
        self,
        *,
        enforce_limits: bool = False,
        global_per_s: float = 30,
        per_chat_per_s: float = 1,
        group_per_minute: int = 20,
        inject_429_every: int = 0,
        inject_retry_after: int = 1,
        strict: bool = True,
        clock: Clock | None = None,
        reachable: Iterable[int] = (),
    ) -> None:
        """strict=False keeps only the stateless rules (lengths, HTML, keyboards); clock
        (seconds or datetime, default loop-independent monotonic) times callback answers."""
        self.enforce_limits = enforce_limits
        self.global_per_s = global_per_s
        self.per_chat_per_s = per_chat_per_s
        self.group_per_minute = group_per_minute
        self.inject_429_every = inject_429_every
        self.inject_retry_after = inject_retry_after
        self.factory = MessageFactory()
        self.rules = TelegramRules(clock=clock or time.monotonic, strict=strict)
        self.rules.reach(*reachable)
        self._holds: list[Hold] = []
        self._all_holds: list[Hold] = []  # released on stop(): no handler parked forever
        self._poll_generation = 0
        self.base_url: str | None = None
        self.webhook_url = ""
        self._calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._callback_chats: dict[str, int] = {}
        self._failures: deque[_Failure] = deque()
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._closing = False
        # rate bookkeeping (only with enforce_limits)
        self._window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = defaultdict(deque)
        self._group_windows: dict[int, deque[float]] = defaultdict(deque)
        self._blocked_until: dict[int, float] = {}
        self._sends = 0
        self.violations = 0  # sends that came over a limit (each answered 429)
        self.early_retries = 0  # sends that came before a 429's retry_after had passed
        self.injected_429 = 0
        self.peak_global = 0  # most sends accepted in any 1 s window
        self.peak_per_chat = 0  # most sends accepted to one chat in any 1 s window

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        # A short shutdown_timeout: stop() must not wait a minute for a parked long poll.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        return self.base_url

    async def stop(self) -> None:
        self._closing = True
        self._new_update.set()  # release parked getUpdates
        for hold in self._all_holds:
            hold.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def bot(self, token: str = "42:TEST") -> Bot:
        """A real aiogram Bot pointed at this server; the caller closes bot.session."""
        assert self.base_url, "start() the server first"
        session = AiohttpSession(api=TelegramAPIServer.from_base(self.base_url))
        return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))

    # -- feeding updates ----------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update; it stays queued until a getUpdates offset confirms it."""
        update = dict(update, update_id=next(self._update_ids))
        self.rules.observe(update)  # the sender has now started the bot
        self._updates.append(update)
        self._new_update.set()
        self._new_update = asyncio.Event()
        return update

    def push_message(
        self,
        user_id: int,
        text: str | None,
        *,
        photo: str | bool | None = None,
        location: tuple[float, float] | None = None,
        first_name: str = "Tester",
    ) -> dict[str, Any]:
        """A private message from a user; photo=True (or a file_id) attaches a photo."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}
        message: dict[str, Any] = {
            "message_id": self.factory.next_message_id(),
            "date": self.factory.now(),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": user,
        }
        if photo:
            file_id = photo if isinstance(photo, str) else f"in-photo-{message['message_id']}"
            message["photo"] = [
                {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 1280, "height": 960}
            ]
            if text:
                message["caption"] = text
        elif text is not None:
            message["text"] = text
        if location:
            message["location"] = {"latitude": location[0], "longitude": location[1]}
        self.factory.remember(message)
        return self.push_update({"message": message})

    def push_callback(self, user_id: int, data: str, message_id: int) -> dict[str, Any]:
        """A button press on a message the bot sent to this user."""
        message = self.factory.find(user_id, message_id) or {
            "message_id": message_id,
            "date": self.factory.now(),
            "chat": chat_json(user_id),
            "text": "",
        }
        query_id = str(next(self._callback_ids))
        self._callback_chats[query_id] = user_id
        query = {
            "id": query_id,
            "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
            "chat_instance": f"ci-{user_id}",
            "message": message,
            "data": data,
        }
        return self.push_update({"callback_query": query})

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (a restarted bot gets these again)."""
        return list(self._updates)

    def reachable(self, *user_ids: int) -> None:
        """Declare users who started the bot earlier, so it may write to them."""
        self.rules.reach(*user_ids)

    def block(self, user_id: int) -> None:
        """The user blocked the bot: 403 "Forbidden: bot was blocked by the user" until they write."""
        self.rules.block(user_id)

    def deactivate(self, user_id: int) -> None:
        """The user deleted their account: 403 "Forbidden: user is deactivated"."""
        self.rules.deactivate(user_id)

    def hold(self, method: str | None = None, *, chat_id: int | None = None) -> Hold:
        """Park the next matching call after Telegram accepted it (the message is delivered
        and recorded) and answer it only on ``hold.release()``; ``await hold.arrived.wait()``
        to know the bot is mid-send. Kill the bot meanwhile and it never sees the answer."""
        hold = Hold(method, chat_id)
        self._holds.append(hold)
        self._all_holds.append(hold)
        return hold

    def fail_next(
        self,
        method: str | None,
        *,
        status: int,
        description: str,
        retry_after: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next matching call with this error (e.g. 403 for a blocked user)."""
        self._failures.append(_Failure(method, chat_id, status, description, retry_after))

    # -- looking at what the bot did ----------------------------------------------------
    def calls(
        self, method: str | None = None, chat_id: int | None = None, *, ok: bool | None = None
    ) -> list[Call]:
        return [
            c
            for c in self._calls
            if (method is None or c.method.lower() == method.lower())
            and (chat_id is None or c.chat_id == chat_id)
            and (ok is None or c.ok == ok)
        ]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Accepted message calls (sends and edits), in order, optionally to one chat."""
        return [c for c in self.calls(chat_id=chat_id, ok=True) if is_message_method(c.method)]

    def transcript(self) -> dict[int, list[str]]:
        """Every text/caption delivered (sent or edited), per chat, in order."""
        out: dict[int, list[str]] = defaultdict(list)
        for c in self.sent():
            if c.chat_id is not None and c.text:
                out[c.chat_id].append(c.text)
        return dict(out)

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts/captions of messages accepted (sent or edited), in order."""
        return [c.text for c in self.calls(chat_id=chat_id, ok=True) if is_message_method(c.method) and c.text]

    async def wait_for(
        self, predicate: Callable[[Call], bool], timeout: float = 10, *, start: int = 0
    ) -> Call:
        """First call (from index `start` of the log) matching predicate; TimeoutError if none comes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = start
        while True:
            while index < len(self._calls):
                call = self._calls[index]
                index += 1
                if predicate(call):
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = [(c.method, c.chat_id, c.status) for c in self._calls[-5:]]
                raise TimeoutError(f"no matching call within {timeout}s; last calls: {recent}")
            try:
                await asyncio.wait_for(self._new_call.wait(), remaining)
            except TimeoutError:
                pass

    async def wait_for_text(self, chat_id: int, substring: str, timeout: float = 10, *, start: int = 0) -> Call:
        def matches(c: Call) -> bool:
            return c.ok and c.chat_id == chat_id and is_message_method(c.method) and substring in (c.text or "")

        return await self.wait_for(matches, timeout, start=start)

    # -- HTTP -----------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = _KNOWN.get(request.match_info["method"].lower(), request.match_info["method"])
        params, files = await self._read_params(request)
        chat_id = self._chat_of(method, params)
        call = Call(method, params, chat_id, asyncio.get_running_loop().time(), files=files)
        self._calls.append(call)
        self._new_call.set()
        self._new_call = asyncio.Event()

        if failure := self._take_failure(method, chat_id):
            return self._error(call, failure.status, failure.description, failure.retry_after)
        try:
            self.rules.check(method, params)
        except Refusal as refusal:
            return self._error(call, refusal.status, refusal.description)
        if self.enforce_limits and _is_send(method) and chat_id is not None:
            if refusal := self._check_limits(chat_id, call.time):
                return refusal(call)
        try:
            result = await self._result(method, params, request.match_info["token"])
        except Refusal as refusal:
            return self._error(call, refusal.status, refusal.description)
        self.rules.accepted(method, params, result)
        call.result = result
        if hold := self._take_hold(method, chat_id):
            hold.request = call
            hold.arrived.set()
            await hold.wait_released()
        return web.json_response({"ok": True, "result": result})

    def _take_hold(self, method: str, chat_id: int | None) -> Hold | None:
        for hold in self._holds:
            if hold.matches(method, chat_id):
                self._holds.remove(hold)
                return hold
        return None

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, str]]:
        params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query.items()}
        files: dict[str, str] = {}
        if request.method != "POST" or not request.can_read_body:
            return params, files
        if request.content_type == "application/json":
            params.update(await request.json())
            return params, files
        form = await request.post()  # urlencoded and multipart alike
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = value.filename
            else:
                params[key] = _decode(key, str(value))
        return params, files

    def _chat_of(self, method: str, params: dict[str, Any]) -> int | None:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int):
            return chat_id
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            return int(chat_id)
        if method == "answerCallbackQuery":
            return self._callback_chats.get(str(params.get("callback_query_id")))
        return None

    def _take_failure(self, method: str, chat_id: int | None) -> _Failure | None:
        for failure in self._failures:
            if (failure.method is None or failure.method.lower() == method.lower()) and (
                failure.chat_id is None or failure.chat_id == chat_id
            ):
                self._failures.remove(failure)
                return failure
        return None

    def _error(self, call: Call, status: int, description: str, retry_after: int | None = None) -> web.Response:
        call.status = status
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    def _check_limits(self, chat_id: int, now: float) -> Callable[[Call], web.Response] | None:
        """None to accept the send (and count it); else how to refuse it."""
        self._sends += 1
        window, chat_window = self._window, self._chat_windows[chat_id]
        for q, span in ((window, 1.0), (chat_window, 1.0)):
            while q and q[0] <= now - span:
                q.popleft()
        group_window = self._group_windows[chat_id] if chat_id < 0 else None
        if group_window is not None:
            while group_window and group_window[0] <= now - 60.0:
                group_window.popleft()

        if now < self._blocked_until.get(chat_id, 0.0):
            self.early_retries += 1
            wait = self._blocked_until[chat_id] - now
            return lambda call: self._too_many(call, wait)
        free_at = []  # when each exceeded window lets the next send through
        if len(window) >= self.global_per_s:
            free_at.append(window[-int(self.global_per_s)] + 1.0)
        if len(chat_window) >= self.per_chat_per_s:
            free_at.append(chat_window[-int(self.per_chat_per_s)] + 1.0)
        if group_window is not None and len(group_window) >= self.group_per_minute:
            free_at.append(group_window[-self.group_per_minute] + 60.0)
        if free_at:
            self.violations += 1
            return lambda call: self._too_many(call, max(free_at) - now, chat_id)
        if self.inject_429_every and self._sends % self.inject_429_every == 0:
            self.injected_429 += 1
            return lambda call: self._too_many(call, self.inject_retry_after, chat_id)

        window.append(now)
        chat_window.append(now)
        if group_window is not None:
            group_window.append(now)
        self.peak_global = max(self.peak_global, len(window))
        self.peak_per_chat = max(self.peak_per_chat, len(chat_window))
        return None

    def _too_many(self, call: Call, wait: float, chat_id: int | None = None) -> web.Response:
        retry_after = max(1, math.ceil(wait))
        if chat_id is not None:
            self._blocked_until[chat_id] = call.time + retry_after
        return self._error(call, 429, f"Too Many Requests: retry after {retry_after}", retry_after)

    async def _result(self, method: str, params: dict[str, Any], token: str) -> Any:
        me = bot_user(int(token.split(":")[0]) if token.split(":")[0].isdigit() else 42)
        if method == "getMe":
            return me
        if method == "getUpdates":
            return await self._long_poll(params)
        if is_message_method(method):
            return self.factory.result(method, params, me)
        if method == "getFile":
            return file_json(str(params.get("file_id", "file")))
        if method in ("setWebhook", "deleteWebhook"):  # getWebhookInfo reports it, as Telegram
            self.webhook_url = str(params.get("url", "")) if method == "setWebhook" else ""
        if method == "deleteWebhook" and params.get("drop_pending_updates") in (True, "true", "True"):
            self._updates.clear()
        if method == "getWebhookInfo":
            return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}
        if method == "getMyCommands":
            return []
        return True  # answerCallbackQuery, deleteMessage, setMyCommands, deleteWebhook, unknown

    async def _long_poll(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset < 0 and self._updates:  # -n: the last n updates, the rest confirmed
            offset = self._updates[max(0, len(self._updates) + offset)]["update_id"]
        if offset:  # confirms everything below it, as Telegram does
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        # A newer getUpdates ends a parked one with 409, as when two bot instances poll.
        self._poll_generation += 1
        generation = self._poll_generation
        self._new_update.set()  # wake a parked poll so it sees it was superseded
        self._new_update = asyncio.Event()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise Refusal(409, GET_UPDATES_CONFLICT)
            pending = [u for u in self._updates if u["update_id"] >= offset][:limit]
            remaining = deadline - loop.time()
            if pending or self._closing or remaining <= 0:
                return pending
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                pass

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=b"fake file " + request.match_info["path"].encode())
