"""The leader lease: one holder at a time; it passes to another instance once the holder
stops renewing (crash) within the lease's life, at once when it lets go (clean stop)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.coordination import CacheSync, Leader
from storage import leases
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_async
from tests.support.reminder_kit import postgres_database


class Clocks:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, tzinfo=UTC)
        self.mono = 1000.0

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


@pytest.fixture(params=["sqlite", "postgres"])
async def sessions(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'l.sqlite3'}"
        gen = None
    else:
        gen = postgres_database()
        url = await gen.__anext__()
    await upgrade_async(url)
    engine = create_engine(url)
    yield create_session_factory(engine)
    await engine.dispose()
    if gen is not None:
        await gen.aclose()


async def test_one_leader_and_a_takeover_within_a_minute(sessions):
    clock = Clocks()
    a = Leader(sessions, holder="a", clock=clock.wall, monotonic=clock.monotonic)
    b = Leader(sessions, holder="b", clock=clock.wall, monotonic=clock.monotonic)
    assert await a.try_lead() and not await b.try_lead()
    assert a.leading and not b.leading
    for _ in range(5):  # a renews every 20 s: b never gets it
        clock.advance(20)
        assert await a.try_lead() and not await b.try_lead()
    # a dies: no renewal. b takes over once the lease ran out (60 s), so within a minute.
    clock.advance(40)
    assert not await b.try_lead()
    clock.advance(21)
    assert await b.try_lead() and b.leading
    assert await leases.holder_of(sessions, "scheduler", clock.wall()) == "b"
    assert not await a.try_lead() and not a.leading  # a back from the dead: follows


async def test_a_clean_stop_hands_over_at_once(sessions):
    clock = Clocks()
    a = Leader(sessions, holder="a", clock=clock.wall, monotonic=clock.monotonic)
    b = Leader(sessions, holder="b", clock=clock.wall, monotonic=clock.monotonic)
    await a.try_lead()
    await a.stop()
    assert await b.try_lead()


async def test_leader_only_jobs_skip_elsewhere(sessions):
    clock = Clocks()
    a = Leader(sessions, holder="a", clock=clock.wall, monotonic=clock.monotonic)
    b = Leader(sessions, holder="b", clock=clock.wall, monotonic=clock.monotonic)
    await a.try_lead()
    await b.try_lead()
    ran = []

    async def digest(name):
        ran.append(name)

    await a.guard(digest)("a")
    await b.guard(digest)("b")
    assert ran == ["a"] and b.skipped == 1


async def test_a_stamp_bump_drops_the_cache_everywhere(sessions):
    class Units:
        forgotten = 0

        def forget(self):
            self.forgotten += 1

    units = Units()
    sync = CacheSync(sessions, units=units)
    assert await sync.check_stamps() == []  # first look: nothing to compare with
    await leases.bump(sessions, "units")
    assert await sync.check_stamps() == ["units"] and units.forgotten == 1
    assert await sync.check_stamps() == []
