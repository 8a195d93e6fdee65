"""考核指标: the KPIs cadres are judged by, computed in SQL.

Every definition (numerator, denominator, which deadline counts, which period a ticket
belongs to) is written once, for cadres, in docs/kpi.md; figures.replay computes the same
figures by replaying ticket_events in plain Python, and tests/integration/figures/
test_kpi_replay.py checks the two agree on random ticket histories.

Counts come from GROUP BY queries (no ticket is loaded into Python) per grid or per
category for a period ``[start, end)`` at ``now``; communities and streets are sums of
their grids' counts (every count is additive). The same SQL runs on SQLite and PostgreSQL.
A rate with nothing to divide by is None (shown as "—"), never 0 or 100%.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Literal

from sqlalchemy import and_, case, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from organisation.tree import OrgChains, load_chains
from storage.models import Rating, Ticket, TicketEvent
from tickets.lifecycle import OPEN_STATES, Action, State


@dataclass(frozen=True)
class Kpi:
    name: str
    numerator: tuple[str, ...]  # Counts fields added up
    denominator: str


KPIS: tuple[Kpi, ...] = (
    Kpi("及时签收率", ("accepted_on_time",), "accept_judged"),
    Kpi("按期办结率", ("resolved_on_time",), "due"),
    Kpi("解决率", ("solved",), "rated"),
    Kpi("满意率", ("satisfied", "basically"), "satisfaction_rated"),
    Kpi("满意率（仅满意）", ("satisfied",), "satisfaction_rated"),
    Kpi("重办率", ("reopened_tickets",), "resolved_tickets"),
)
OVERDUE = "超期"
DEFAULT_MIN_SAMPLES = 5


@dataclass(frozen=True)
class Counts:
    """Raw counts for one group (grid, unit or category); docs/kpi.md defines each."""

    created: int = 0            # 新增: reported in the period
    dispatched: int = 0         # 派单/经手: latest dispatch in the period
    accept_judged: int = 0      # of those, 签收'd or past the acceptance deadline now
    accepted_on_time: int = 0
    due: int = 0                # first 办结 deadline in the period, resolved or passed now
    resolved_on_time: int = 0
    judged: int = 0             # tickets in either denominator above: the sample
    resolved: int = 0           # 办结: tickets whose standing 办结 fell in the period
    resolved_tickets: int = 0   # tickets with a 办结 event in the period
    reopened_tickets: int = 0   # of those, 重办 after it
    cancelled: int = 0          # 撤销: reported in the period, now 已撤销
    merged: int = 0             # 合并: reported in the period, now 已合并
    invalid: int = 0            # 无效: reported in the period, now 无效 (judged neither on time nor late)
    resolutions: int = 0        # 办结 events in the period (digests)
    reopens: int = 0            # 重办 events in the period
    returns: int = 0            # 退回 events in the period
    rated: int = 0
    solved: int = 0
    satisfaction_rated: int = 0
    satisfied: int = 0
    basically: int = 0
    open_now: int = 0
    overdue_now: int = 0
    accept_overdue_now: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def rate(self, name: str) -> float | None:
        kpi = _BY_NAME[name]
        denominator = getattr(self, kpi.denominator)
        if not denominator:
            return None
        return sum(getattr(self, f) for f in kpi.numerator) / denominator

    def kpis(self) -> dict[str, float | int | None]:
        """Every KPI by its user-facing name, rates as fractions (0.875), 超期 as a count."""
        out: dict[str, float | int | None] = {k.name: self.rate(k.name) for k in KPIS}
        out[OVERDUE] = self.overdue_now
        return out

    def enough(self, min_samples: int) -> bool:
        """Enough judged tickets to score and colour (below: 样本不足)."""
        return self.judged >= min_samples


_BY_NAME = {k.name: k for k in KPIS}
_ACCEPT_WAITING = (State.DISPATCHED, State.REOPENED)
# Not judged for 签收 or 办结 (docs/kpi.md, "Not counted"); each has a count of its own.
_NOT_COUNTED = (State.CANCELLED, State.MERGED, State.INVALID)
_EVENT_FIELDS = {Action.RESOLVE.value: "resolutions", Action.REOPEN.value: "reopens", Action.RETURN.value: "returns"}

Key = int | str
By = Literal["grid", "category", "both"]


def _count(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _within(column, start: datetime, end: datetime):
    return and_(column >= start, column < end)


def _touched(start: datetime, end: datetime, now: datetime):
    """Ids of the tickets any count of the first query can see: made, dispatched or due in
    the period, or open now. One indexed range each, so a period costs its own tickets, not
    every ticket stored (a million take seconds to scan on SQLite)."""
    return union(
        select(Ticket.id).where(_within(Ticket.created_at, start, end)),
        select(Ticket.id).where(_within(Ticket.dispatched_at, start, end)),
        select(Ticket.id).where(_within(Ticket.original_resolve_deadline, start, end)),
        select(Ticket.id).where(Ticket.state.in_(OPEN_STATES)),
    )


def _ticket_conditions(start: datetime, end: datetime, now: datetime) -> dict[str, object]:
    """Each ticket-column count of docs/kpi.md as a SQL condition, by Counts field."""
    counted = Ticket.state.not_in(_NOT_COUNTED)
    accept_judged = and_(_within(Ticket.dispatched_at, start, end), counted,
                         or_(Ticket.accepted_at.is_not(None), Ticket.accept_deadline < now))
    due = and_(_within(Ticket.original_resolve_deadline, start, end), counted,
               or_(Ticket.resolved_at.is_not(None), Ticket.original_resolve_deadline < now))
    open_ = Ticket.state.in_(OPEN_STATES)
    return {
        "created": _within(Ticket.created_at, start, end),
        "dispatched": _within(Ticket.dispatched_at, start, end),
        "accept_judged": accept_judged,
        "accepted_on_time": and_(accept_judged, Ticket.accepted_at <= Ticket.accept_deadline),
        "due": due,
        "resolved_on_time": and_(due, Ticket.resolved_at <= Ticket.original_resolve_deadline),
        "judged": or_(accept_judged, due),
        "cancelled": and_(_within(Ticket.created_at, start, end), Ticket.state == State.CANCELLED),
        "merged": and_(_within(Ticket.created_at, start, end), Ticket.state == State.MERGED),
        "invalid": and_(_within(Ticket.created_at, start, end), Ticket.state == State.INVALID),
        "open_now": open_,
        "overdue_now": and_(open_, Ticket.resolve_deadline < now),
        "accept_overdue_now": and_(Ticket.state.in_(_ACCEPT_WAITING), Ticket.accept_deadline < now),
    }


async def figures(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    by: By = "grid",
    grid_ids: Iterable[int] | None = None,
) -> dict[Key, Counts]:
    """Counts per grid id, per category, or per (grid id, category) ("both": one pass for
    callers that want both, see ``split``) for the period ``[start, end)`` at ``now``."""
    keys = {"grid": (Ticket.grid_id,), "category": (Ticket.category,),
            "both": (Ticket.grid_id, Ticket.category)}[by]
    grids = None if grid_ids is None else list(grid_ids)

    def mine(q):
        return q if grids is None else q.where(Ticket.grid_id.in_(grids))

    rows: dict[Key, dict[str, int]] = {}

    def put(found: Iterable, names: Iterable[str]) -> None:
        names = tuple(names)
        for row in found:
            k = tuple(row[:len(keys)]) if by == "both" else row[0]
            rows.setdefault(k, {}).update(zip(names, map(int, row[len(keys):])))

    conditions = _ticket_conditions(start, end, now)
    q = select(*keys, *(_count(c) for c in conditions.values()))
    put(await session.execute(mine(q.where(Ticket.id.in_(_touched(start, end, now))).group_by(*keys))), conditions)

    q = (select(*keys, func.count(Rating.id), _count(Rating.solved.is_(True)),
                _count(Rating.satisfaction.is_not(None)), _count(Rating.satisfaction == "satisfied"),
                _count(Rating.satisfaction == "basically"))
         .join(Ticket, Ticket.id == Rating.ticket_id).where(_within(Rating.at, start, end)).group_by(*keys))
    put(await session.execute(mine(q)), ("rated", "solved", "satisfaction_rated", "satisfied", "basically"))

    # The period's events, per ticket: 办结, 重办 and 退回 counts, and the first 办结.
    # 重办率: only 重办 leads from 办结 to another 办结 (tickets.lifecycle), so "reopened after
    # its first 办结 in the period" is "its standing 办结 is not that one" (cleared, or a later
    # one): no second look at the events. figures.replay counts the 重办 events themselves;
    # the property test holds the two together.
    action = TicketEvent.action
    per_ticket = (
        select(TicketEvent.ticket_id.label("tid"),
               func.min(case((action == Action.RESOLVE.value, TicketEvent.at))).label("first"),
               *(_count(action == a).label(a) for a in _EVENT_FIELDS))
        .where(_within(TicketEvent.at, start, end), action.in_(_EVENT_FIELDS))
        .group_by(TicketEvent.ticket_id).subquery())
    resolved_here = per_ticket.c.first.is_not(None)
    q = (select(*keys, _count(resolved_here),
                _count(and_(resolved_here, or_(Ticket.resolved_at.is_(None), Ticket.resolved_at != per_ticket.c.first))),
                _count(_within(Ticket.resolved_at, start, end)),  # 办结: its event is one of these
                *(func.sum(per_ticket.c[a]) for a in _EVENT_FIELDS))
         .select_from(per_ticket).join(Ticket, Ticket.id == per_ticket.c.tid).group_by(*keys))
    put(await session.execute(mine(q)), ("resolved_tickets", "reopened_tickets", "resolved", *_EVENT_FIELDS.values()))
    return {k: Counts(**v) for k, v in rows.items()}


def split(by_both: Mapping[tuple[int, str], Counts]) -> tuple[dict[int, Counts], dict[str, Counts]]:
    """(counts per grid, counts per category) from figures(by="both")."""
    grids: dict[int, Counts] = {}
    categories: dict[str, Counts] = {}
    for (grid, category), c in by_both.items():
        grids[grid] = grids.get(grid, Counts()) + c
        categories[category] = categories.get(category, Counts()) + c
    return grids, categories


def roll_up(by_grid: Mapping[int, Counts], chains: OrgChains, kind: str) -> dict[int, Counts]:
    """Sum grid counts into the units of one kind above them (community, street)."""
    out: dict[int, Counts] = {}
    for grid_id, counts in by_grid.items():
        unit = chains.get(grid_id, {}).get(kind)
        if unit is not None:
            out[unit.id] = out.get(unit.id, Counts()) + counts
    return out


async def figures_by_unit(
    session: AsyncSession, start: datetime, end: datetime, now: datetime, kind: str,
    grid_ids: Iterable[int] | None = None,
) -> dict[int, Counts]:
    """Counts per community or street (kind) for the period."""
    by_grid = await figures(session, start, end, now, grid_ids=grid_ids)
    return roll_up(by_grid, await load_chains(session, by_grid), kind)


def total(counts: Iterable[Counts]) -> Counts:
    out = Counts()
    for c in counts:
        out = out + c
    return out
