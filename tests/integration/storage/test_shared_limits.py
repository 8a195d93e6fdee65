"""Limits shared through Redis: two "instances" (two pacers, two windows on one Redis)
together keep to one rate. Skipped when Redis does not answer on 127.0.0.1:6379."""
from __future__ import annotations

import asyncio
import itertools
import secrets
import time

import pytest

from storage.shared_limits import RedisPacer, RedisWindow, redis_client

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis():
    client = redis_client("redis://127.0.0.1:6379/5")
    try:
        await client.ping()
    except Exception:  # noqa: BLE001
        await client.aclose()
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    yield client
    await client.aclose()


async def test_two_pacers_share_the_overall_rate_and_one_chats_interval(redis):
    prefix = f"test-{secrets.token_hex(4)}"
    a = RedisPacer(redis, prefix, global_per_s=20, per_chat_interval=0.5)
    b = RedisPacer(redis, prefix, global_per_s=20, per_chat_interval=0.5)
    start = time.monotonic()
    sent: list[tuple[float, int]] = []

    async def send(pacer, chat):
        await asyncio.sleep(await pacer.reserve(chat))
        sent.append((time.monotonic() - start, chat))
        await asyncio.sleep(0.05)  # Telegram answers
        await pacer.done(chat)

    await asyncio.gather(*(send(a if n % 2 else b, n % 10) for n in range(40)))
    times = sorted(t for t, _ in sent)
    # 40 sends at 20/s overall: two seconds, whichever instance sent them
    assert times[-1] >= 1.8
    assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 21
    for chat in range(10):  # and one chat's sends at least 0.5 s apart, counted from the answer
        mine = sorted(t for t, c in sent if c == chat)
        assert all(later - earlier >= 0.5 for earlier, later in itertools.pairwise(mine))


async def test_one_send_per_chat_is_out_at_a_time(redis):
    prefix = f"test-{secrets.token_hex(4)}"
    a = RedisPacer(redis, prefix, global_per_s=1000, per_chat_interval=0.1)
    b = RedisPacer(redis, prefix, global_per_s=1000, per_chat_interval=0.1)
    assert await a.reserve(7) == 0
    second = asyncio.create_task(b.reserve(7))
    await asyncio.sleep(0.5)  # a's send is slow: b waits for its answer
    assert not second.done()
    await a.done(7)
    wait = await asyncio.wait_for(second, 2)
    assert 0.05 <= wait <= 0.1  # an interval after the answer


async def test_a_window_counts_hits_from_every_instance(redis):
    name = f"test-{secrets.token_hex(4)}:flood"
    a, b = RedisWindow(redis, name, 3, 10), RedisWindow(redis, name, 3, 10)
    now = time.time()
    assert [await w.hit(42, now) for w in (a, b, a, b)] == [True, True, True, False]
    assert await a.hit(43, now)  # someone else is not slowed
    assert await b.hit(42, now + 10.5)  # the window moved on
    assert not await a.check(7, now) is False
    await a.note(7, now)
    await b.note(7, now)
    await a.note(7, now)
    assert not await b.check(7, now)
