"""Issue 12, the figures part: each faulty case as it was reported, then what cadres see now
in /stats, the bulletin and /wuse (all from figures.kpi, judged by docs/kpi.md)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cadre import Reports
from bot.settings import Settings
from figures.assessment import ScoreRules, month_rows
from figures.assessment import Band as WuseBand
from figures.periods import month_period
from figures.replay import replay
from figures.stats import CadreStats
from handlers.services.points import wuse_line
from handlers.views.cadre_cards import bulletin_caption, stats_messages
from storage.models import Rating, Resident, TicketEvent, Unit
from tests.integration.figures.test_kpi import session_factory, ticket  # noqa: F401 - fixture
from tickets.lifecycle import window_data

SH = timezone(timedelta(hours=8))
TZ = ZoneInfo("Asia/Shanghai")
NOVEMBER = month_period("2026-11", TZ)
NOW = datetime(2026, 11, 20, 7, 20, tzinfo=SH)  # 07:20, the new 签收 deadlines are 10:30
STREET_CADRE, CADRE = 700001, 710001


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def event(n: int, action: str, when: datetime, to: str | None = None, **data) -> TicketEvent:
    return TicketEvent(ticket_id=n, at=when, actor_kind="staff", action=action, to_state=to, data=data or None)


@pytest.fixture
async def month(session_factory):
    """WT01: #1 and #3 签收 in time, 办结, then 未解决 / 不满意 at 07:00 -> 重办 with a 签收
    window to 10:30; #2 签收 and 办结 in time, 满意. WT02: #4 dispatched to 周网格, 吹哨 at
    once, with the department. FL01: #5, one urgent ticket done perfectly."""
    async with session_factory() as s, s.begin():
        units = {u.code: u.id for u in (await s.execute(select(Unit))).scalars()}
        wt01, wt02, fl01 = units["WT01"], units["WT02"], units["FL01"]
        s.add(Resident(id=1, telegram_id=900001, name="张阿姨", grid_id=wt01, created_at=at(1, 9)))
        await s.flush()
        reopened = dict(state="reopened", dispatched_at=at(20, 7), accept_deadline=at(20, 10, 30),
                        resolve_deadline=at(25, 7), original_resolve_deadline=at(21, 9), reopen_count=1)
        s.add_all([
            ticket(1, wt01, "市容环境", created=at(18, 9), **reopened),
            ticket(2, wt01, "市容环境", "closed", created=at(18, 10), dispatched_at=at(18, 10),
                   accept_deadline=at(18, 12), accepted_at=at(18, 10, 30), resolve_deadline=at(21, 10),
                   original_resolve_deadline=at(21, 10), resolved_at=at(19, 12), closed_at=at(19, 18)),
            ticket(3, wt01, "噪音扰民", created=at(18, 11), **reopened),
            ticket(4, wt02, "违法建设", "escalated", created=at(19, 9), dispatched_at=at(19, 9),
                   accept_deadline=at(20, 9), resolve_deadline=at(29, 9), original_resolve_deadline=at(24, 9),
                   escalated_at=at(19, 10)),
            ticket(5, fl01, "消防安全", "closed", created=at(10, 9), dispatched_at=at(10, 9),
                   accept_deadline=at(10, 9, 30), accepted_at=at(10, 9, 10), resolve_deadline=at(10, 13),
                   original_resolve_deadline=at(10, 13), resolved_at=at(10, 12), closed_at=at(10, 15)),
        ])
        await s.flush()
        s.add_all([
            Rating(ticket_id=1, round=0, solved=False, at=at(20, 7)),
            Rating(ticket_id=2, round=0, solved=True, satisfaction="satisfied", at=at(19, 17)),
            Rating(ticket_id=3, round=0, solved=True, satisfaction="dissatisfied", at=at(20, 6, 50)),
            Rating(ticket_id=5, round=0, solved=True, satisfaction="satisfied", at=at(10, 14)),
        ])
        first = lambda created, resolve: window_data(  # noqa: E731
            accept_deadline=created + timedelta(hours=2), resolve_deadline=resolve, original_resolve_deadline=resolve)
        again = window_data(accept_deadline=at(20, 10, 30), resolve_deadline=at(25, 7))
        s.add_all([
            event(1, "open", at(18, 9), "dispatched", category="市容环境", **first(at(18, 9), at(21, 9))),
            event(1, "accept", at(18, 9, 30), "accepted"), event(1, "resolve", at(19, 9), "resolved"),
            event(1, "rate", at(20, 7), solved=False), event(1, "reopen", at(20, 7), "reopened", **again),
            event(2, "open", at(18, 10), "dispatched", category="市容环境", **first(at(18, 10), at(21, 10))),
            event(2, "accept", at(18, 10, 30), "accepted"), event(2, "resolve", at(19, 12), "resolved"),
            event(2, "rate", at(19, 17), solved=True), event(2, "rate", at(19, 18), satisfaction="satisfied"),
            event(2, "close", at(19, 18), "closed"),
            event(3, "open", at(18, 11), "dispatched", category="噪音扰民", **first(at(18, 11), at(21, 9))),
            event(3, "accept", at(18, 11, 30), "accepted"), event(3, "resolve", at(19, 10), "resolved"),
            event(3, "rate", at(20, 6, 50), solved=True), event(3, "rate", at(20, 7), satisfaction="dissatisfied"),
            event(3, "reopen", at(20, 7), "reopened", **again),
            event(4, "open", at(19, 9), "dispatched", category="违法建设",
                  **window_data(accept_deadline=at(20, 9), resolve_deadline=at(24, 9),
                                original_resolve_deadline=at(24, 9))),
            event(4, "escalate", at(19, 10), "escalated", **window_data(resolve_deadline=at(29, 9))),
            event(5, "open", at(10, 9), "dispatched", category="消防安全",
                  **window_data(accept_deadline=at(10, 9, 30), resolve_deadline=at(10, 13),
                                original_resolve_deadline=at(10, 13))),
            event(5, "accept", at(10, 9, 10), "accepted"), event(5, "resolve", at(10, 12), "resolved"),
            event(5, "rate", at(10, 14), solved=True), event(5, "rate", at(10, 15), satisfaction="satisfied"),
            event(5, "close", at(10, 15), "closed"),
        ])
    return units


def reports(sf, **cadre):
    return Reports(sf, Settings(cadre=cadre), clock=lambda: NOW)


def rules(min_samples: int = 5) -> ScoreRules:
    c = Settings().cadre
    return ScoreRules(dict(c.score_weights), tuple(WuseBand(b.name, b.label, b.min, b.color) for b in c.bands),
                      min_samples=min_samples)


async def test_a_reopened_ticket_is_judged_by_its_new_window_once_due(session_factory, month):
    stats = await CadreStats(session_factory, clock=lambda: NOW).report(CADRE, NOVEMBER)
    wt01 = dict(stats.grids)["梧桐一网格（1-6号楼）"]
    # Was 1/3 = 33.3%: #1 and #3 counted late at 07:20 though their new window runs to 10:30.
    assert wt01.rate("及时签收率") == 1.0 and wt01.accept_judged == 1
    # The replay of the events says the same.
    async with session_factory() as s:
        events = list((await s.execute(select(TicketEvent).order_by(TicketEvent.id))).scalars())
    grid_of = {1: month["WT01"], 2: month["WT01"], 3: month["WT01"], 4: month["WT02"], 5: month["FL01"]}
    assert replay(events, NOVEMBER.start, NOVEMBER.end, NOW, lambda n, _: grid_of[n])[month["WT01"]] == wt01
    # At 10:31 both new windows have passed unaccepted: 1/3.
    later = await CadreStats(session_factory, clock=lambda: at(20, 10, 31)).report(CADRE, NOVEMBER)
    assert dict(later.grids)["梧桐一网格（1-6号楼）"].rate("及时签收率") == pytest.approx(1 / 3)
    # /wuse reads the same counts for 孙网格 (WT01's member).
    async with session_factory() as s:
        rows = {r.name: r for r in await month_rows(s, NOVEMBER.start, NOVEMBER.end, NOW, rules(1))}
    assert rows["孙网格"].kpis["及时签收率"] == wt01.rate("及时签收率")
    (data,) = await reports(session_factory, min_samples=1).bulletin_data(STREET_CADRE, NOVEMBER)
    grid = next(g for g in data.grids if g.grid_id == month["WT01"])
    assert grid.counts == wt01 and grid.score is not None


async def test_the_bulletin_counts_tickets_resolved_not_resolve_events(session_factory, month):
    (data,) = await reports(session_factory).bulletin_data(CADRE, NOVEMBER)
    assert data.total.resolutions == 3  # 办结 events: #1, #2, #3 (two reopened since)
    assert data.total.resolved == 1 and data.total.created == 4
    caption = bulletin_caption(data, TZ)
    assert "新增 4 件，办结 1 件" in caption  # was 办结 3 件


async def test_too_few_judged_tickets_show_sample_too_small_not_a_score(session_factory, month):
    (data,) = await reports(session_factory).bulletin_data(STREET_CADRE, NOVEMBER)
    fl01 = next(g for g in data.grids if g.grid_id == month["FL01"])
    # Was 100 红·优秀 from one urgent ticket.
    assert fl01.counts.judged == 1 and fl01.score is None and fl01.band is None and fl01.short
    assert all(g.band is None for g in data.grids)
    caption = bulletin_caption(data, TZ)
    assert "样本不足（评判少于 5 件，不评分）" in caption and "枫林一网格" in caption
    # One setting for all three: cadre.min_samples.
    (data,) = await reports(session_factory, min_samples=1).bulletin_data(STREET_CADRE, NOVEMBER)
    fl01 = next(g for g in data.grids if g.grid_id == month["FL01"])
    assert fl01.score == 100 and fl01.band.name == "红"
    stats = await CadreStats(session_factory, clock=lambda: NOW).report(STREET_CADRE, NOVEMBER, "FL01")
    text = "\n".join(stats_messages(stats, TZ))
    assert "样本不足：评判 1 件，少于 5 件，不评分" in text


async def test_wuse_counts_a_ticket_handled_then_escalated(session_factory, month):
    async with session_factory() as s:
        rows = {r.name: r for r in await month_rows(s, NOVEMBER.start, NOVEMBER.end, NOW, rules())}
    zhou = rows["周网格"]  # WT02: #4 dispatched to him, 吹哨 an hour later
    assert zhou.handled == 1 and zhou.score is None and zhou.band is None
    line = wuse_line(zhou)
    assert "本月无工单" not in line and "样本不足（评判 0 件，经手 1 件）" in line
    assert "样本不足（评判 1 件，经手 1 件）" in wuse_line(rows["王网格"])  # one perfect ticket: no 红
    assert "本月无工单" in wuse_line(rows["吴网格"])  # WT03: nothing at all
