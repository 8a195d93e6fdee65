"""SQLite's one writer, taken in turn by this process's transactions, with a short lane.

SQLite lets one transaction write at a time; the workflow queues its writes on this lock
rather than in SQLite's busy-wait (which sleeps in steps of up to 100 ms). Most writers
take turns in order (`async with lock`). Recording that Telegram took a message
(tickets.outbox.mark) goes in the short lane (`async with lock.urgent()`): right after
the transaction running now, before the reports and presses already queued. Between a
message Telegram took and its mark, a crash makes the outbox send it again; behind a
burst of fifty reports that window was the burst's length, and a kill doubled several
notices at once (bench/crash.py).

Used like asyncio.Lock (`async with`, `locked()`); one per event loop, built by
tickets.service.TicketService for an SQLite database (None for a server database).
"""
from __future__ import annotations

import asyncio
import collections
from contextlib import asynccontextmanager
from typing import AsyncIterator


class WriteLock:
    def __init__(self) -> None:
        self._held = False
        self._urgent: collections.deque[asyncio.Future[None]] = collections.deque()
        self._normal: collections.deque[asyncio.Future[None]] = collections.deque()

    def locked(self) -> bool:
        return self._held

    @property
    def waiting(self) -> int:
        """Transactions queued for the lock, both lanes."""
        return len(self._urgent) + len(self._normal)

    async def acquire(self, urgent: bool = False) -> None:
        if not self._held and not self._urgent and not (self._normal and not urgent):
            self._held = True
            return
        lane = self._urgent if urgent else self._normal
        future = asyncio.get_running_loop().create_future()
        lane.append(future)
        try:
            await future  # set by release(), which hands the lock over: _held stays True
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed over just as the waiter was cancelled: pass it on
            else:
                lane.remove(future)
            raise

    def release(self) -> None:
        if not self._held:
            raise RuntimeError("WriteLock released while not held")
        for lane in (self._urgent, self._normal):
            while lane:
                future = lane.popleft()
                if not future.done():
                    future.set_result(None)  # the lock passes straight to this waiter
                    return
        self._held = False

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.release()

    @asynccontextmanager
    async def urgent(self) -> AsyncIterator[None]:
        """The short lane: next after the transaction running now."""
        await self.acquire(urgent=True)
        try:
            yield
        finally:
            self.release()
