"""SQLite's write lock: in turn, with a short lane for recording sends (storage.write_lock)."""
from __future__ import annotations

import asyncio

import pytest

from storage.write_lock import WriteLock


async def _take(lock: WriteLock, name: str, order: list[str], urgent: bool = False) -> None:
    if urgent:
        async with lock.urgent():
            order.append(name)
    else:
        async with lock:
            order.append(name)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_writers_go_in_turn_and_a_mark_goes_right_after_the_running_one():
    lock, order = WriteLock(), []
    await lock.acquire()  # a report's transaction, running
    tasks = [asyncio.create_task(_take(lock, f"report {i}", order)) for i in range(3)]
    await _settle()
    tasks.append(asyncio.create_task(_take(lock, "mark", order, urgent=True)))
    await _settle()
    assert lock.waiting == 4 and order == []
    lock.release()
    await asyncio.gather(*tasks)
    assert order == ["mark", "report 0", "report 1", "report 2"]
    assert not lock.locked() and lock.waiting == 0


async def test_a_free_lock_is_taken_at_once_and_a_cancelled_waiter_leaves_no_trace():
    lock, order = WriteLock(), []
    async with lock:
        waiter = asyncio.create_task(_take(lock, "gone", order))
        other = asyncio.create_task(_take(lock, "next", order))
        await _settle()
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    await other
    assert order == ["next"] and not lock.locked()
    await _take(lock, "free", order, urgent=True)
    assert order == ["next", "free"]


async def test_a_waiter_cancelled_just_as_it_was_handed_the_lock_passes_it_on():
    lock, order = WriteLock(), []
    await lock.acquire()
    first = asyncio.create_task(_take(lock, "first", order))
    second = asyncio.create_task(_take(lock, "second", order))
    await _settle()
    lock.release()  # hands the lock to `first`…
    first.cancel()  # …which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    assert order == ["second"] and not lock.locked()


def test_releasing_a_free_lock_is_an_error():
    with pytest.raises(RuntimeError):
        WriteLock().release()
