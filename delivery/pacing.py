"""Pacing for the notifier (delivery.notifier): Telegram's limits as a scheduler of turns.

About 30 messages per second overall and one per second to a chat (twenty a minute to a
group); a 429 pauses everyone for its retry_after. Source: the Bot API FAQ ("My bot is
hitting limits"). Pure asyncio: callers await their turn, then say when they are done.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]


class _Chat:
    __slots__ = ("waiting", "busy", "scheduled", "free_at", "recent", "ephemeral")

    def __init__(self, group_per_minute: int | None, ephemeral: bool = False) -> None:
        self.waiting: deque[tuple[int, asyncio.Future[None]]] = deque()  # (ticket, caller)
        self.busy = False  # one send in flight: keeps a chat's messages in order
        self.scheduled = False  # has an entry in one of the two heaps
        self.free_at = 0.0  # earliest time of its next send
        self.recent: deque[float] | None = deque(maxlen=group_per_minute) if group_per_minute else None
        self.ephemeral = ephemeral  # a call with no chat: forgotten once done


class TurnScheduler:
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

    async def until_free(self, key: Hashable) -> None:
        """Sleep until `key`'s own interval since its last send is over (no turn is taken:
        a caller about to hold something scarce while it waits for its turn waits here first)."""
        chat = self._chats.get(key)
        if chat is not None and chat.free_at > self._clock():
            await self._sleep(chat.free_at - self._clock())

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
