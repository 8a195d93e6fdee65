"""The one place that sends everything outgoing.

It keeps to Telegram's limits (about 30 messages/s overall, 1/s per chat, 20/minute per
group), honours 429 retry_after, retries transient failures with backoff, records chats
that blocked the bot, and never raises for a Telegram error, so one bad chat cannot stop
a sweep. Logs carry chat id, method and error class: never the token or the text.

A send that carries a `record` (the outbox row it delivers, see handlers.shared.delivery)
goes only once the previous recorded send is recorded: between Telegram taking a message
and its row marked sent, a crash makes the outbox send it again, so at most `in_flight`
such messages (one by default) can arrive twice after a kill. A chat's own interval is
waited out before the window; the turn at the global pace is taken inside it, so sends
that waited for the window do not go in a bunch.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    EditMessageText,
    SendDocument,
    SendLocation,
    SendMessage,
    SendPhoto,
    SendPoll,
    TelegramMethod,
)
from aiogram.types import Message

from delivery.pacing import Clock, Sleep, TurnScheduler
from delivery.telegram_html import split_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    ok: bool
    message_id: int | None = None
    error: str | None = None
    blocked: bool = False
    attempts: int = 0
    # What Telegram answered (the sent Message): a poll's id is only there. Not compared.
    result: Any = field(default=None, compare=False, repr=False)


@dataclass
class NotifierStats:
    sent: int = 0
    retried: int = 0  # attempts repeated after a 429, 5xx or network error
    failed: int = 0  # gave up (bad request, or retries used up); blocked not included
    blocked: int = 0
    rate_limited: int = 0  # 429 answers (each waited out, unless retries were used up)


# What a recorded send calls with its outcome, once: sent (while no other recorded send
# may go), then blocked or failed (after). Its errors are logged, never raised.
Record = Callable[["Delivery"], Awaitable[None]]


class Notifier:
    def __init__(
        self,
        bot: Bot,
        *,
        global_per_s: float = 28,
        per_chat_interval: float = 1.05,
        group_per_minute: int = 19,
        max_retries: int = 5,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        pause_on_429: float = 1.0,
        request_timeout: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        pacer: Any = None,
        in_flight: int = 1,
    ) -> None:
        if global_per_s <= 0 or per_chat_interval < 0 or group_per_minute < 1 or in_flight < 1:
            raise ValueError("rates must be positive")
        self.bot = bot
        self.max_retries = max_retries
        self.on_blocked = on_blocked
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.pause_on_429 = pause_on_429
        self.request_timeout = request_timeout  # None: the session's own (60 s in aiohttp)
        self.stats = NotifierStats()
        # Pacing shared with other instances (storage.shared_limits.Pacer), on top of this
        # process's own: each send first reserves its slot there, then waits for it.
        self.pacer = pacer
        self._sleep = sleep
        self.blocked_chats: set[int | str] = set()
        self._calls = itertools.count()
        # Recorded sends between Telegram's answer and their record (see the module's doc).
        self._unrecorded = asyncio.Semaphore(in_flight)
        self._scheduler = TurnScheduler(
            global_interval=1.0 / global_per_s,
            per_chat_interval=per_chat_interval,
            group_per_minute=group_per_minute,
            clock=clock,
            sleep=sleep,
        )

    @property
    def waiting(self) -> int:
        """Sends queued for their turn."""
        return self._scheduler.waiting

    async def send_message(self, chat_id: int | str, text: str, *, record: Record | None = None,
                           **kwargs: Any) -> Delivery:
        """Sends a text; one over Telegram's 4,096 is sent as several, cut at line ends, with
        the buttons (and `record`) on the last. Returns the last part's Delivery (ok only if
        all went)."""
        parts = split_message(text)
        ok = True
        for part in parts[:-1]:
            ok = (await self.deliver(SendMessage(chat_id=chat_id, text=part,
                                                 **{k: v for k, v in kwargs.items() if k != "reply_markup"}))).ok and ok
        last = await self.deliver(SendMessage(chat_id=chat_id, text=parts[-1], **kwargs), record=record)
        return last if ok else replace(last, ok=False)

    async def send_photo(self, chat_id: int | str, photo: Any, *, record: Record | None = None,
                         **kwargs: Any) -> Delivery:
        return await self.deliver(SendPhoto(chat_id=chat_id, photo=photo, **kwargs), record=record)

    async def send_document(self, chat_id: int | str, document: Any, **kwargs: Any) -> Delivery:
        return await self.deliver(SendDocument(chat_id=chat_id, document=document, **kwargs))

    async def send_location(
        self, chat_id: int | str, latitude: float, longitude: float, **kwargs: Any
    ) -> Delivery:
        return await self.deliver(
            SendLocation(chat_id=chat_id, latitude=latitude, longitude=longitude, **kwargs)
        )

    async def send_poll(
        self, chat_id: int | str, question: str, options: list[Any], **kwargs: Any
    ) -> Delivery:
        return await self.deliver(SendPoll(chat_id=chat_id, question=question, options=options, **kwargs))

    async def edit_message_text(
        self, chat_id: int | str, message_id: int, text: str, **kwargs: Any
    ) -> Delivery:
        return await self.deliver(
            EditMessageText(chat_id=chat_id, message_id=message_id, text=text, **kwargs)
        )

    async def send_many(self, items: Iterable[TelegramMethod[Any] | tuple[int | str, str]]) -> list[Delivery]:
        """Send methods (or (chat_id, text) pairs) concurrently; one Delivery each, in order."""
        methods = [
            item if isinstance(item, TelegramMethod) else SendMessage(chat_id=item[0], text=item[1])
            for item in items
        ]
        return list(await asyncio.gather(*(self.deliver(m) for m in methods)))

    async def aclose(self) -> None:
        """Stop the dispatcher; sends still waiting are cancelled. The bot stays open."""
        await self._scheduler.aclose()

    async def deliver(self, method: TelegramMethod[Any], *, record: Record | None = None) -> Delivery:
        """Send any API method through the pacing and retry rules. `record` (an outbox row's
        mark): called with the outcome, a success before any other recorded send may go."""
        chat_id = getattr(method, "chat_id", None)
        # A call without a chat is paced by the global rate only.
        key: Hashable = chat_id if chat_id is not None else ("call", next(self._calls))
        name = method.__api_method__
        attempts = 0
        ticket: int | None = None
        while True:
            window = self._unrecorded if record is not None else nullcontext()
            if record is not None:
                await self._scheduler.until_free(key)  # the chat's own interval: outside the window
            async with window:
                # The turn inside the window: a send that waited for the window goes at the
                # pace, never in a bunch with others that waited.
                ticket = await self._scheduler.turn(key, ticket=ticket)
                attempts += 1
                try:
                    result = await self._call(method, chat_id)
                except asyncio.CancelledError:
                    self._scheduler.done(key)
                    raise
                except Exception as exc:  # noqa: BLE001 - never let one send break a sweep
                    failure = exc
                else:
                    failure = None
                    self._scheduler.done(key)
                    self.stats.sent += 1
                    message_id = result.message_id if isinstance(result, Message) else getattr(method, "message_id", None)
                    sent = Delivery(ok=True, message_id=message_id, attempts=attempts, result=result)
                    await _recorded(record, sent)  # still in the window: the next one waits for it
                    return sent
            if isinstance(failure, TelegramForbiddenError) or _unknown_chat(failure):
                self._scheduler.done(key)
                return await _recorded(record, await self._blocked(chat_id, name, failure, attempts))
            delay = self._retry_delay(failure, attempts)
            if delay is None or attempts > self.max_retries:
                self._scheduler.done(key)
                return await _recorded(record, self._failed(chat_id, name, failure, attempts))
            self.stats.retried += 1
            log.info("retrying %s to chat %s in %.1fs after %s (attempt %d)",
                     name, chat_id, delay, type(failure).__name__, attempts)
            self._scheduler.done(key, delay=delay)

    async def _call(self, method: TelegramMethod[Any], chat_id: Any) -> Any:
        if self.pacer is not None:
            await self._shared_turn(chat_id)
        try:
            return await self.bot(method, request_timeout=self.request_timeout)
        finally:
            if self.pacer is not None:
                await self._shared_done(chat_id)

    async def _shared_turn(self, chat_id: Any) -> None:
        try:
            wait = await self.pacer.reserve(chat_id)
        except Exception as exc:  # noqa: BLE001 - Redis away: this process's pacing still holds
            log.warning("shared pacing unavailable (%s): pacing this instance alone", type(exc).__name__)
            return
        if wait > 0:
            await self._sleep(wait)

    async def _shared_done(self, chat_id: Any) -> None:
        try:
            await self.pacer.done(chat_id)
        except Exception as exc:  # noqa: BLE001 - the chat's flag expires by itself
            log.debug("shared pacing not told the send is over: %s", type(exc).__name__)

    def _retry_delay(self, exc: Exception, attempts: int) -> float | None:
        """Seconds to wait before trying again, or None if trying again cannot help."""
        if isinstance(exc, TelegramRetryAfter):
            self.stats.rate_limited += 1
            self._scheduler.pause(min(float(exc.retry_after), self.pause_on_429))
            return float(exc.retry_after)
        if isinstance(exc, TelegramEntityTooLarge):  # a TelegramNetworkError, but permanent
            return None
        if isinstance(exc, (TelegramServerError, TelegramNetworkError, asyncio.TimeoutError)):
            return min(self.backoff_max, self.backoff_base * 2 ** (attempts - 1))
        return None

    async def _blocked(self, chat_id: Any, name: str, exc: TelegramAPIError, attempts: int) -> Delivery:
        self.stats.blocked += 1
        if chat_id is not None:
            self.blocked_chats.add(chat_id)
        log.warning("%s to chat %s refused: %s (bot blocked or chat gone)", name, chat_id, type(exc).__name__)
        if self.on_blocked is not None and chat_id is not None:
            try:
                await self.on_blocked(chat_id)
            except Exception as hook_exc:  # noqa: BLE001 - a hook failing must not stop a sweep
                log.error("on_blocked hook failed for chat %s: %s", chat_id, type(hook_exc).__name__)
        return Delivery(ok=False, error=_describe(exc), blocked=True, attempts=attempts)

    def _failed(self, chat_id: Any, name: str, exc: Exception, attempts: int) -> Delivery:
        self.stats.failed += 1
        log.warning("%s to chat %s failed after %d attempt(s): %s", name, chat_id, attempts, type(exc).__name__)
        return Delivery(ok=False, error=_describe(exc), attempts=attempts)


async def _recorded(record: Record | None, d: Delivery) -> Delivery:
    if record is not None:
        try:
            await record(d)
        except Exception as exc:  # noqa: BLE001 - unmarked, the row is sent again after its lease
            log.error("recording a %s send failed: %s", "successful" if d.ok else "failed", type(exc).__name__)
    return d


def _unknown_chat(exc: Exception) -> bool:
    """400 "chat not found": a person who never opened the bot (usual right after an org
    import). Like 403 (blocked, deactivated), they cannot be reached until they write."""
    return isinstance(exc, TelegramBadRequest) and "chat not found" in (exc.message or "").lower()


def _describe(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {message}"
