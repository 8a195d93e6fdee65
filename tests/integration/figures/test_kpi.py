"""KPIs on a small hand-made set of tickets whose every figure was worked out by hand
(in the comments), on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from sqlalchemy import select

from bot.cli.orgtasks import import_org
from bot.settings import Settings
from figures.kpi import KPIS, OVERDUE, Counts, figures, figures_by_unit, total
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_async
from storage.models import Rating, Resident, Ticket, TicketEvent, Unit
from tests.support.reminder_kit import EXAMPLE_ORG, postgres_database

SH = timezone(timedelta(hours=8))
START, END = datetime(2026, 11, 1, tzinfo=SH), datetime(2026, 12, 1, tzinfo=SH)  # November
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=SH)


def nov(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def oct_(day: int, hour: int = 9) -> datetime:
    return nov(day, hour, month=10)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def session_factory(request, tmp_path):
    if request.param == "sqlite":
        gen = None
        url = f"sqlite+aiosqlite:///{tmp_path / 'kpi.sqlite3'}"
    else:
        gen = postgres_database()
        url = await gen.__anext__()
    await upgrade_async(url)
    await import_org(Settings(database={"url": url}), EXAMPLE_ORG)
    engine = create_engine(url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()
        if gen is not None:
            await gen.aclose()


def ticket(n: int, grid: int, category: str, state: str, **times) -> Ticket:
    created = times.pop("created")
    return Ticket(
        id=n, state=state, text=f"工单{n}", category=category, keywords=[], confidence=0.9, urgent=False,
        request_kind="投诉", resident_id=1, grid_id=grid, source_chat_id=900001, source_message_id=n,
        created_at=created, updated_at=created, reopen_count=times.pop("reopen_count", 0),
        escalation_level=0, version=1, **times,
    )


@pytest.fixture
async def grids(session_factory):
    async with session_factory() as s, s.begin():
        units = {u.code: u.id for u in (await s.execute(select(Unit))).scalars()}
        g1, g2, g3 = units["WT01"], units["WT02"], units["FL01"]
        s.add(Resident(id=1, telegram_id=900001, name="张阿姨", grid_id=g1, created_at=oct_(1)))
        await s.flush()
        s.add_all([
            # T1: accepted and resolved in time, 满意.
            ticket(1, g1, "市容环境", "closed", created=nov(2), dispatched_at=nov(2), accept_deadline=nov(2, 11),
                   accepted_at=nov(2, 10), resolve_deadline=nov(5), original_resolve_deadline=nov(5),
                   resolved_at=nov(4), closed_at=nov(4, 12)),
            # T2: accepted late, resolved late, 未解决 -> 重办 (dispatched again Nov 14 15:00); now
            # waiting for 签收 past both deadlines.
            ticket(2, g1, "市容环境", "reopened", created=nov(10), dispatched_at=nov(14, 15),
                   accept_deadline=nov(14, 17), resolve_deadline=nov(19, 15), original_resolve_deadline=nov(13),
                   reopen_count=1),
            # T3: from October, due Nov 2, resolved Nov 1, 基本满意.
            ticket(3, g2, "噪音扰民", "closed", created=oct_(28), dispatched_at=oct_(28), accept_deadline=oct_(28, 11),
                   accepted_at=oct_(28, 10), resolve_deadline=nov(2), original_resolve_deadline=nov(2),
                   resolved_at=nov(1), closed_at=nov(1, 12)),
            # T4: nobody to dispatch to; due Nov 25, still open.
            ticket(4, g2, "噪音扰民", "new", created=nov(20), accept_deadline=nov(20, 11),
                   resolve_deadline=nov(25), original_resolve_deadline=nov(25)),
            # T5: accepted in time, due in December.
            ticket(5, g3, "停车交通", "accepted", created=nov(28), dispatched_at=nov(28), accept_deadline=nov(28, 11),
                   accepted_at=nov(28, 10, 30), resolve_deadline=nov(3, month=12),
                   original_resolve_deadline=nov(3, month=12)),
            # T6: cancelled: dispatched in the period, never due.
            ticket(6, g3, "停车交通", "cancelled", created=nov(15), dispatched_at=nov(15), accept_deadline=nov(15, 11),
                   resolve_deadline=nov(18), original_resolve_deadline=nov(18)),
            # T7: from October; 不满意 on Nov 3 -> 重办, accepted late, resolved Nov 6, 满意 Nov 7.
            ticket(7, g1, "市容环境", "closed", created=oct_(20), dispatched_at=nov(3), accept_deadline=nov(3, 17),
                   accepted_at=nov(4), resolve_deadline=nov(6, 17), original_resolve_deadline=oct_(25),
                   resolved_at=nov(6), closed_at=nov(7), reopen_count=1),
        ])
        await s.flush()
        s.add_all([
            Rating(ticket_id=1, round=0, solved=True, satisfaction="satisfied", at=nov(4, 12)),
            Rating(ticket_id=2, round=0, solved=False, satisfaction=None, at=nov(14, 15)),
            Rating(ticket_id=3, round=0, solved=True, satisfaction="basically", at=nov(1, 12)),
            Rating(ticket_id=7, round=0, solved=True, satisfaction="dissatisfied", at=nov(3)),
            Rating(ticket_id=7, round=1, solved=True, satisfaction="satisfied", at=nov(7)),
        ])
        for n, action, at in [(1, "accept", nov(2, 10)), (1, "resolve", nov(4)), (2, "resolve", nov(14, 10)),
                              (2, "reopen", nov(14, 15)), (3, "resolve", nov(1)), (7, "resolve", oct_(30)),
                              (7, "reopen", nov(3)), (7, "resolve", nov(6)), (5, "return", oct_(30))]:
            s.add(TicketEvent(ticket_id=n, at=at, actor_kind="staff", action=action))
    return g1, g2, g3


# Worked out by hand from the definitions in docs/kpi.md, at NOW (Dec 1 09:00):
# G1: T1 签收 and 办结 in time; T2 reopened Nov 14 15:00, waiting for 签收 past its new window
# (judged late) and past its first 办结 deadline (Nov 13); T7 reopened, 签收 late, due in
# October. 办结 events: T1, T2 (then reopened), T7 -> 3 tickets, 1 reopened after; standing
# 办结: T1, T7.
G1 = Counts(created=2, dispatched=3, accept_judged=3, accepted_on_time=1, due=2, resolved_on_time=1, judged=3,
            resolved=2, resolved_tickets=3, reopened_tickets=1, resolutions=3, reopens=2,
            rated=4, solved=3, satisfaction_rated=3, satisfied=2, open_now=1, overdue_now=1, accept_overdue_now=1)
# G2: T3 due Nov 2, 办结 Nov 1; T4 (never dispatched) due Nov 25, still open.
G2 = Counts(created=1, due=2, resolved_on_time=1, judged=2, resolved=1, resolved_tickets=1, resolutions=1,
            rated=1, solved=1, satisfaction_rated=1, basically=1, open_now=1, overdue_now=1)
# G3: T5 签收 in time; T6 dispatched then cancelled: not judged, counted as 撤销.
G3 = Counts(created=2, dispatched=2, accept_judged=1, accepted_on_time=1, judged=1, cancelled=1, open_now=1)


async def test_counts_per_grid(session_factory, grids):
    g1, g2, g3 = grids
    async with session_factory() as s:
        got = await figures(s, START, END, NOW)
    assert got == {g1: G1, g2: G2, g3: G3}


def exact(counts: Counts) -> dict:
    """The KPIs as fractions, so the expectations read as written by hand."""
    out = {}
    for name, value in counts.kpis().items():
        out[name] = value if value is None or name == OVERDUE else Fraction(value).limit_denominator(100)
    return out


async def test_kpis_per_grid_community_street_and_category(session_factory, grids):
    g1, g2, g3 = grids
    F = Fraction
    async with session_factory() as s:
        by_grid = await figures(s, START, END, NOW)
        communities = await figures_by_unit(s, START, END, NOW, "community")
        streets = await figures_by_unit(s, START, END, NOW, "street")
        by_category = await figures(s, START, END, NOW, by="category")
        only_wt02 = await figures(s, START, END, NOW, grid_ids=[g2])
        names = {u.id: u.code for u in (await s.execute(select(Unit))).scalars()}
    assert exact(by_grid[g1]) == {"及时签收率": F(1, 3), "按期办结率": F(1, 2), "解决率": F(3, 4), "满意率": F(2, 3),
                                  "满意率（仅满意）": F(2, 3), "重办率": F(1, 3), "超期": 1}
    assert exact(by_grid[g2]) == {"及时签收率": None, "按期办结率": F(1, 2), "解决率": 1, "满意率": 1,
                                  "满意率（仅满意）": 0, "重办率": 0, "超期": 1}
    assert exact(by_grid[g3]) == {"及时签收率": 1, "按期办结率": None, "解决率": None, "满意率": None,
                                  "满意率（仅满意）": None, "重办率": None, "超期": 0}
    by_code = {names[k]: v for k, v in communities.items()}
    assert by_code == {"XF-WT": G1 + G2, "XF-FL": G3}
    assert exact(by_code["XF-WT"]) == {"及时签收率": F(1, 3), "按期办结率": F(1, 2), "解决率": F(4, 5),
                                       "满意率": F(3, 4), "满意率（仅满意）": F(1, 2), "重办率": F(1, 4), "超期": 2}
    [street] = streets.values()
    assert street == total([G1, G2, G3])
    assert exact(street)["及时签收率"] == F(1, 2)
    assert by_category == {"市容环境": G1, "噪音扰民": G2, "停车交通": G3}
    assert only_wt02 == {g2: G2}


async def test_kpis_are_defined_once_by_the_names_users_use():
    assert [k.name for k in KPIS] == ["及时签收率", "按期办结率", "解决率", "满意率", "满意率（仅满意）", "重办率"]
    assert Counts().kpis() == {**{k.name: None for k in KPIS}, "超期": 0}
