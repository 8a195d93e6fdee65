"""无效 in the figures (docs/kpi.md): a ticket closed as 无效 is judged neither on time nor
late for 签收 or 办结, is not 办结, and has a count of its own, in the SQL and in the replay;
the XLSX has a 无效 column."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select

from documents.workbooks import COUNT_FIELDS
from figures.kpi import Counts, figures
from figures.replay import replay
from storage.models import Resident, TicketEvent, Unit
from tests.integration.figures.test_kpi import END, NOW, START, nov, oct_, session_factory, ticket  # noqa: F401
from tickets.lifecycle import window_data


def opened(n: int, at: datetime, accept_by: datetime, resolve_by: datetime) -> SimpleNamespace:
    data = {"category": "市容环境", **window_data(accept_deadline=accept_by, resolve_deadline=resolve_by,
                                                    original_resolve_deadline=resolve_by)}
    return SimpleNamespace(ticket_id=n, at=at, action="open", from_state=None, to_state="dispatched", data=data)


def moved(n: int, at: datetime, action: str, source: str, target: str) -> SimpleNamespace:
    return SimpleNamespace(ticket_id=n, at=at, action=action, from_state=source, to_state=target, data=None)


# T1: 签收 on time, never 办结'd: due Nov 5, late now. T2: never 签收'd, both deadlines
# passed, then 无效: not judged late. T3: 签收 late, then 无效: not judged either (which is
# why /overdue shows every 无效 to the cadre).
EVENTS = [
    opened(1, nov(2), nov(2, 11), nov(5)), moved(1, nov(2, 10), "accept", "dispatched", "accepted"),
    opened(2, nov(3), nov(3, 11), nov(6)), moved(2, nov(9), "invalidate", "dispatched", "invalid"),
    opened(3, nov(4), nov(4, 11), nov(7)), moved(3, nov(4, 15), "accept", "dispatched", "accepted"),
    moved(3, nov(5), "invalidate", "accepted", "invalid"),
]
EXPECTED = Counts(created=3, dispatched=3, accept_judged=1, accepted_on_time=1, due=1, judged=1, invalid=2,
                  open_now=1, overdue_now=1)


async def test_invalid_tickets_are_counted_apart_in_sql(session_factory):  # noqa: F811
    async with session_factory() as s, s.begin():
        grid = (await s.execute(select(Unit).where(Unit.code == "WT01"))).scalar_one().id
        s.add(Resident(id=1, telegram_id=900001, name="张阿姨", grid_id=grid, created_at=oct_(1)))
        await s.flush()
        s.add_all([
            ticket(1, grid, "市容环境", "accepted", created=nov(2), dispatched_at=nov(2), accept_deadline=nov(2, 11),
                   accepted_at=nov(2, 10), resolve_deadline=nov(5), original_resolve_deadline=nov(5)),
            ticket(2, grid, "市容环境", "invalid", created=nov(3), dispatched_at=nov(3), accept_deadline=nov(3, 11),
                   resolve_deadline=nov(6), original_resolve_deadline=nov(6), closed_at=nov(9)),
            ticket(3, grid, "市容环境", "invalid", created=nov(4), dispatched_at=nov(4), accept_deadline=nov(4, 11),
                   accepted_at=nov(4, 15), resolve_deadline=nov(7), original_resolve_deadline=nov(7),
                   closed_at=nov(5)),
        ])
        await s.flush()
        for e in EVENTS:
            s.add(TicketEvent(ticket_id=e.ticket_id, at=e.at, actor_kind="staff", action=e.action,
                              from_state=e.from_state, to_state=e.to_state, data=e.data))
    async with session_factory() as s:
        got = await figures(s, START, END, NOW)
    assert got == {grid: EXPECTED}
    assert got[grid].rate("及时签收率") == 1.0 and got[grid].rate("按期办结率") == 0.0


def test_the_replay_agrees():
    assert replay(EVENTS, START, END, NOW, key=lambda _, t: "g") == {"g": EXPECTED}


def test_the_workbook_has_an_invalid_column():
    assert ("无效", "invalid") in COUNT_FIELDS
