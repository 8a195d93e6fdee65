"""The one place that sends everything outgoing.

It keeps to Telegram's limits (about 30 messages/s overall, 1/s per chat, 20/minute per
group), honours 429 retry_after, retries transient failures with backoff, records chats
that blocked the bot, and never raises for a Telegram error, so one bad chat cannot stop
a sweep. Logs carry chat id, method and error class: never the token or the text.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
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

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]


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


class _Chat:
    __slots__ = ("waiting", "busy", "scheduled", "free_at", "recent", "ephemeral")

    def __init__(self, group_per_minute: int | None, ephemeral: bool = False) -> None:
        self.waiting: deque[tuple[int, asyncio.Future[None]]] = deque()  # (ticket, caller)
        self.busy = False  # one send in flight: keeps a chat's messages in order
        self.scheduled = False  # has an entry in one of the two heaps
        self.free_at = 0.0  # earliest time of its next send
        self.recent: deque[float] | None = deque(maxlen=group_per_minute) if group_per_minute else None
        self.ephemeral = ephemeral  # a call with no chat: forgotten once done


class _Scheduler:
    """Grants turns to send, one at a time, in the order sends were asked for, skipping
    chats that must still wait (per-chat interval, group minute, retry_after).

    Callers park on their own future, so thousands of waiting sends cost no wake-ups;
    a single dispatcher task (alive only while there is work) wakes exactly the next one.
    A chat is in at most one heap: `_timers` until it may send, then `_eligible`.
    """

    def __init__(
        self, *, global_interval: float, per_chat_interval: float, group_per_minute: int,
        clock: Clock, sleep: Sleep,
    ) -> None:
        self._global_interval = global_interval
        self._per_chat = per_chat_interval
        self._group_per_minute = group_per_minute
        self._clock = clock
        self._sleep = sleep
        self._chats: dict[Hashable, _Chat] = {}
        self._timers: list[tuple[float, int, Hashable]] = []  # (may send at, seq, key)
        self._eligible: list[tuple[int, Hashable]] = []  # (ticket of its next send, key)
        self._tickets = itertools.count()
        self._next_global = -math.inf
        self._paused_until = -math.inf
        self._wake = asyncio.Event()
        self._sleeping_until = math.inf
        self._task: asyncio.Task[None] | None = None
        self._grants = 0

    @property
    def waiting(self) -> int:
        return sum(not f.done() for c in self._chats.values() for _, f in c.waiting)

    async def turn(self, key: Hashable, *, ticket: int | None = None) -> int:
        """Wait until `key` may send now; returns the ticket (pass it back for a retry,
        which then keeps its place). The caller must call done(key) after sending."""
        chat = self._chats.get(key)
        if chat is None:
            is_group = isinstance(key, str) or (isinstance(key, int) and key < 0)
            chat = _Chat(self._group_per_minute if is_group else None, ephemeral=isinstance(key, tuple))
            self._chats[key] = chat
        permit: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if ticket is None:
            ticket = next(self._tickets)
            chat.waiting.append((ticket, permit))
        else:  # a retry goes ahead of the chat's later messages
            chat.waiting.appendleft((ticket, permit))
        self._schedule(key, chat)
        try:
            await permit
        except asyncio.CancelledError:
            if permit.done() and not permit.cancelled():  # granted as we were cancelled
                self.done(key)
            raise
        return ticket

    def done(self, key: Hashable, *, delay: float = 0.0) -> None:
        """The send is over; the chat may go again after its interval (or `delay`)."""
        chat = self._chats[key]
        chat.busy = False
        # Counted from the answer, not the request: however slow the request, two sends
        # to one chat cannot arrive at Telegram closer than the interval.
        chat.free_at = max(chat.free_at, self._clock() + max(self._per_chat, delay))
        if chat.ephemeral and not chat.waiting:
            del self._chats[key]
            return
        self._schedule(key, chat)

    def pause(self, seconds: float) -> None:
        """Hold every chat back a little (after a 429: the bot as a whole may be too fast)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def aclose(self) -> None:
        for chat in self._chats.values():  # nobody is left waiting for a turn that never comes
            for _, permit in chat.waiting:
                permit.cancel()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    def _schedule(self, key: Hashable, chat: _Chat) -> None:
        if chat.busy or chat.scheduled or not chat.waiting:
            return
        at = chat.free_at
        if chat.recent is not None and len(chat.recent) == chat.recent.maxlen:
            at = max(at, chat.recent[0] + 60.0)  # group: N per sliding minute
        chat.scheduled = True
        if at <= self._clock():
            heapq.heappush(self._eligible, (chat.waiting[0][0], key))
        else:
            heapq.heappush(self._timers, (at, next(self._tickets), key))
        if max(at, self._next_global, self._paused_until) < self._sleeping_until:
            self._wake.set()  # it can go before what the dispatcher is sleeping towards
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._dispatch())

    async def _dispatch(self) -> None:
        try:
            while self._timers or self._eligible:
                now = self._clock()
                while self._timers and self._timers[0][0] <= now:
                    _, _, key = heapq.heappop(self._timers)
                    waiting = self._chats[key].waiting
                    heapq.heappush(self._eligible, (waiting[0][0] if waiting else -1, key))
                if not self._eligible:
                    await self._wait(self._timers[0][0] - now)
                    continue
                _, key = self._eligible[0]
                chat = self._chats[key]
                while chat.waiting and chat.waiting[0][1].done():  # callers cancelled meanwhile
                    chat.waiting.popleft()
                if not chat.waiting:
                    heapq.heappop(self._eligible)
                    chat.scheduled = False
                    continue
                start = max(self._next_global, self._paused_until)
                if start > now:
                    await self._wait(start - now)
                    continue  # look again: something earlier may have come in
                heapq.heappop(self._eligible)
                chat.scheduled = False
                chat.busy = True
                # Even spacing, not a bucket with a burst. Slots follow the schedule, so a
                # timer firing a little late does not cost throughput, but lateness beyond
                # half a slot is not made up: no 1 s window sees more than rate + 1.
                late = now - self._next_global
                anchor = self._next_global if late <= self._global_interval / 2 else now
                self._next_global = anchor + self._global_interval
                if chat.recent is not None:
                    chat.recent.append(now)
                chat.waiting.popleft()[1].set_result(None)
                self._grants += 1
                if self._grants % 1024 == 0:
                    self._forget_idle(now)
                await asyncio.sleep(0)  # let the granted caller start before the next grant
        finally:
            self._task = None

    async def _wait(self, delay: float) -> None:
        self._wake.clear()
        self._sleeping_until = self._clock() + delay
        sleeper = asyncio.ensure_future(self._sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._sleeping_until = math.inf
            sleeper.cancel()
            waker.cancel()

    def _forget_idle(self, now: float) -> None:
        # Keep memory flat over months of sweeps: a chat idle for a minute has no limit left.
        for key in [
            k for k, c in self._chats.items()
            if not (c.busy or c.scheduled or c.waiting) and c.free_at < now
            and (not c.recent or c.recent[-1] < now - 60.0)
        ]:
            del self._chats[key]


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
    ) -> None:
        if global_per_s <= 0 or per_chat_interval < 0 or group_per_minute < 1:
            raise ValueError("rates must be positive")
        self.bot = bot
        self.max_retries = max_retries
        self.on_blocked = on_blocked
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.pause_on_429 = pause_on_429
        self.request_timeout = request_timeout  # None: the session's own (60 s in aiohttp)
        self.stats = NotifierStats()
        self.blocked_chats: set[int | str] = set()
        self._calls = itertools.count()
        self._scheduler = _Scheduler(
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

    async def send_message(self, chat_id: int | str, text: str, **kwargs: Any) -> Delivery:
        return await self.deliver(SendMessage(chat_id=chat_id, text=text, **kwargs))

    async def send_photo(self, chat_id: int | str, photo: Any, **kwargs: Any) -> Delivery:
        return await self.deliver(SendPhoto(chat_id=chat_id, photo=photo, **kwargs))

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

    async def deliver(self, method: TelegramMethod[Any]) -> Delivery:
        """Send any API method through the pacing and retry rules."""
        chat_id = getattr(method, "chat_id", None)
        # A call without a chat is paced by the global rate only.
        key: Hashable = chat_id if chat_id is not None else ("call", next(self._calls))
        name = method.__api_method__
        attempts = 0
        ticket: int | None = None
        while True:
            ticket = await self._scheduler.turn(key, ticket=ticket)
            attempts += 1
            try:
                result = await self.bot(method, request_timeout=self.request_timeout)
            except asyncio.CancelledError:
                self._scheduler.done(key)
                raise
            except Exception as exc:  # noqa: BLE001 - never let one send break a sweep
                if isinstance(exc, TelegramForbiddenError):
                    self._scheduler.done(key)
                    return await self._blocked(chat_id, name, exc, attempts)
                delay = self._retry_delay(exc, attempts)
                if delay is None or attempts > self.max_retries:
                    self._scheduler.done(key)
                    return self._failed(chat_id, name, exc, attempts)
                self.stats.retried += 1
                log.info("retrying %s to chat %s in %.1fs after %s (attempt %d)",
                         name, chat_id, delay, type(exc).__name__, attempts)
                self._scheduler.done(key, delay=delay)
                continue
            self._scheduler.done(key)
            self.stats.sent += 1
            message_id = result.message_id if isinstance(result, Message) else getattr(method, "message_id", None)
            return Delivery(ok=True, message_id=message_id, attempts=attempts, result=result)

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


def _describe(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {message}"
