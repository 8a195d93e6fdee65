"""figures.kpi (SQL over the ticket rows) against figures.replay (plain Python over the
ticket_events): the same figures for random ticket histories (签收, 办结, 退回, 转派,
吹哨, 回访 with 重办, 改类, 合并, 撤销, 无效) crossing the period's edges, at a random ``now``.

One SQLite file for the module, emptied between examples; rows are inserted directly
(tests.support.histories models the workflow's writes), so an example costs milliseconds.
"""
from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from bot.cli.orgtasks import import_org
from bot.settings import Settings
from figures.kpi import figures, split
from figures.replay import replay
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_async
from storage.models import Rating, Resident, Ticket, TicketEvent, Unit
from tests.support.histories import build
from tests.support.reminder_kit import EXAMPLE_ORG

SH = timezone(timedelta(hours=8))
START, END = datetime(2026, 11, 1, tzinfo=SH), datetime(2026, 12, 1, tzinfo=SH)
PREVIOUS = datetime(2026, 10, 1, tzinfo=SH)
DAY = 24 * 60
EXAMPLES = 500


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    loop = asyncio.new_event_loop()
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('replay') / 'kpi.sqlite3'}"

    async def setup():
        await upgrade_async(url)
        await import_org(Settings(database={"url": url}), EXAMPLE_ORG)
        engine = create_engine(url)
        sf = create_session_factory(engine)
        async with sf() as s, s.begin():
            grids = [u.id for u in (await s.execute(select(Unit).where(Unit.kind == "grid"))).scalars()][:3]
            s.add(Resident(id=1, telegram_id=900001, name="张阿姨", grid_id=grids[0], created_at=PREVIOUS))
        return engine, sf, grids

    engine, sf, grids = loop.run_until_complete(setup())
    yield loop, sf, grids
    loop.run_until_complete(engine.dispose())
    loop.close()


step = st.tuples(st.integers(0, 11), st.integers(1, 6 * DAY) | st.integers(1, 180), st.integers(30, 12 * DAY))
ticket = st.tuples(
    st.integers(0, 2),                    # grid
    st.integers(0, 2),                    # category
    st.integers(-40 * DAY, 35 * DAY),     # opened, minutes from START
    st.booleans() | st.just(True),        # dispatched at once (else 待派单)
    st.integers(30, 12 * DAY),            # the first 办结 window
    st.lists(step, max_size=12),
)


async def _load(sf, histories) -> None:
    async with sf() as s, s.begin():
        for model in (Rating, TicketEvent, Ticket):
            await s.execute(delete(model))
        if histories:
            await s.execute(insert(Ticket), [h.row for h in histories])
            await s.execute(insert(TicketEvent), [e for h in histories for e in h.events])
            ratings = [r for h in histories for r in h.ratings]
            if ratings:
                await s.execute(insert(Rating), ratings)


def _nonzero(found: dict) -> dict:
    return {k: asdict(c) for k, c in found.items() if any(asdict(c).values())}


def _same(sql: dict, expected: dict) -> None:
    got, want = _nonzero(sql), _nonzero(expected)
    assert got.keys() == want.keys()
    for k in got:
        assert {f: v for f, v in got[k].items() if v != want[k][f]} == {f: v for f, v in want[k].items()
                                                                         if v != got[k][f]}, k


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(tickets=st.lists(ticket, min_size=1, max_size=6), now_at=st.integers(-2 * DAY, 45 * DAY))
def test_sql_agrees_with_the_replay(db, tickets, now_at):
    loop, sf, grids = db
    now = START + timedelta(minutes=now_at)
    histories = []
    for n, (grid, category, opened, dispatched, window, steps) in enumerate(tickets, start=1):
        opened_at = START + timedelta(minutes=opened)
        if opened_at > now:
            continue
        histories.append(build(n, grids[grid], category, opened_at, dispatched, window, steps, now))
    loop.run_until_complete(_load(sf, histories))
    grid_of = {h.row["id"]: h.row["grid_id"] for h in histories}
    events = [type("E", (), e) for h in histories for e in h.events]

    async def sql(start, end, by):
        async with sf() as s:
            return await figures(s, start, end, now, by=by)

    expected = replay(events, PREVIOUS, START, now, lambda tid, _: grid_of[tid])
    _same(loop.run_until_complete(sql(PREVIOUS, START, "grid")), expected)
    # /stats and the bulletin ask for grids and categories in one pass (by="both").
    by_grid, by_category = split(loop.run_until_complete(sql(START, END, "both")))
    _same(by_grid, replay(events, START, END, now, lambda tid, _: grid_of[tid]))
    _same(by_category, replay(events, START, END, now, lambda _, t: t.category))
