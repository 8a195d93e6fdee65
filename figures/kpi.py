"""考核指标: the KPIs cadres are judged by, defined here once, computed in SQL.

Counts come from GROUP BY queries (no ticket is loaded into Python) per grid or per
category for a period ``[start, end)``; communities and streets are sums of their grids'
counts (every count is additive). The same SQL runs on SQLite and PostgreSQL.

The KPIs (``KPIS`` below, by the names users use):

* 及时签收率 = accepted_on_time / dispatched
  dispatched: tickets dispatched in the period (their latest dispatch: 转派 and 重办
  dispatch again); accepted_on_time: those of them accepted at or before their
  acceptance deadline.
* 按期办结率 = resolved_on_time / due
  due: tickets (not cancelled or merged) whose original resolution deadline (the one set
  at the first dispatch) fell in the period, up to now; resolved_on_time: those of them
  resolved at or before it (a ticket reopened and not yet resolved again is not).
* 解决率 = solved / rated
  rated: 回访 answers given in the period (a ticket rated in two rounds counts twice);
  solved: those answering 已解决.
* 满意率 = (satisfied + basically) / satisfaction_rated
  satisfaction_rated: 回访 answers in the period with a satisfaction answer (满意, 基本满意
  or 不满意; an answer of 未解决 asks no satisfaction and is not counted).
* 满意率（仅满意） = satisfied / satisfaction_rated
* 重办率 = reopens / resolutions
  resolutions: 办结 events in the period; reopens: 重办 events in the period.
* 超期 = overdue_now: open tickets whose resolution deadline has passed, at ``now``
  (whatever the period). 签收超期 (accept_overdue_now) counts those still waiting for
  签收 past the acceptance deadline.

A rate with nothing to divide by is None (shown as "—"), never 0 or 100%.
Official formulas differ from city to city; the raw times stay on the tickets so a city
can compute its own.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Literal

from sqlalchemy import and_, case, func, select, union
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
    Kpi("及时签收率", ("accepted_on_time",), "dispatched"),
    Kpi("按期办结率", ("resolved_on_time",), "due"),
    Kpi("解决率", ("solved",), "rated"),
    Kpi("满意率", ("satisfied", "basically"), "satisfaction_rated"),
    Kpi("满意率（仅满意）", ("satisfied",), "satisfaction_rated"),
    Kpi("重办率", ("reopens",), "resolutions"),
)
OVERDUE = "超期"


@dataclass(frozen=True)
class Counts:
    """Raw counts for one group (grid, unit or category); see the module docstring."""

    created: int = 0  # 新增: reported in the period
    dispatched: int = 0
    accepted_on_time: int = 0
    due: int = 0
    resolved_on_time: int = 0
    resolutions: int = 0
    reopens: int = 0
    returns: int = 0  # 退回 events in the period
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


_BY_NAME = {k.name: k for k in KPIS}
_ACCEPT_WAITING = (State.DISPATCHED, State.REOPENED)
_NOT_COUNTED = (State.CANCELLED, State.MERGED)
_EVENT_FIELDS = {Action.RESOLVE.value: "resolutions", Action.REOPEN.value: "reopens", Action.RETURN.value: "returns"}

Key = int | str
By = Literal["grid", "category"]


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
        select(Ticket.id).where(_within(Ticket.original_resolve_deadline, start, min(end, now))),
        select(Ticket.id).where(Ticket.state.in_(OPEN_STATES)),
    )


async def figures(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    by: By = "grid",
    grid_ids: Iterable[int] | None = None,
) -> dict[Key, Counts]:
    """Counts per grid id (or per category) for the period ``[start, end)``."""
    key = Ticket.grid_id if by == "grid" else Ticket.category
    grids = None if grid_ids is None else list(grid_ids)
    due = and_(_within(Ticket.original_resolve_deadline, start, min(end, now)),
               Ticket.state.not_in(_NOT_COUNTED))
    open_ = Ticket.state.in_(OPEN_STATES)
    q = select(
        key,
        _count(_within(Ticket.created_at, start, end)),
        _count(_within(Ticket.dispatched_at, start, end)),
        _count(and_(_within(Ticket.dispatched_at, start, end), Ticket.accepted_at.is_not(None),
                    Ticket.accepted_at <= Ticket.accept_deadline)),
        _count(due),
        _count(and_(due, Ticket.resolved_at.is_not(None), Ticket.resolved_at <= Ticket.original_resolve_deadline)),
        _count(open_),
        _count(and_(open_, Ticket.resolve_deadline < now)),
        _count(and_(Ticket.state.in_(_ACCEPT_WAITING), Ticket.accept_deadline < now)),
    ).where(Ticket.id.in_(_touched(start, end, now))).group_by(key)
    if grids is not None:
        q = q.where(Ticket.grid_id.in_(grids))
    rows: dict[Key, dict[str, int]] = {}
    names = ("created", "dispatched", "accepted_on_time", "due", "resolved_on_time",
             "open_now", "overdue_now", "accept_overdue_now")
    for k, *values in await session.execute(q):
        rows.setdefault(k, {}).update(zip(names, map(int, values)))

    q = (
        select(key, func.count(Rating.id), _count(Rating.solved.is_(True)), _count(Rating.satisfaction.is_not(None)),
               _count(Rating.satisfaction == "satisfied"), _count(Rating.satisfaction == "basically"))
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .where(_within(Rating.at, start, end))
        .group_by(key)
    )
    if grids is not None:
        q = q.where(Ticket.grid_id.in_(grids))
    for k, *values in await session.execute(q):
        rows.setdefault(k, {}).update(zip(("rated", "solved", "satisfaction_rated", "satisfied", "basically"),
                                          map(int, values)))

    q = (
        select(key, TicketEvent.action, func.count(TicketEvent.id))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(_within(TicketEvent.at, start, end), TicketEvent.action.in_(_EVENT_FIELDS))
        .group_by(key, TicketEvent.action)
    )
    if grids is not None:
        q = q.where(Ticket.grid_id.in_(grids))
    for k, action, n in await session.execute(q):
        rows.setdefault(k, {})[_EVENT_FIELDS[action]] = int(n)
    return {k: Counts(**v) for k, v in rows.items()}


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
