"""The command centre's read side (指挥调度平台): a cadre's open tickets as lists and map
markers, filtered, sorted and paged in SQL, always within the cadre's jurisdiction; and the
tickets closed without 办结 (撤销, 无效) with who closed them as 无效 and why.

Plain data out (rows, markers, grid outlines); the web pages render it. The ticket page
itself and every action go through the workflow (tickets.service and friends).
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from figures.export import ExportRow, export_rows
from organisation import geo
from organisation.jurisdiction import Jurisdiction, jurisdiction, require_cadre
from storage.models import Staff, Ticket, TicketEvent, Unit
from supervision.ladder import ACCEPT_STATES
from tickets.actors import load_actor
from tickets.lifecycle import OPEN_STATES, Action, State

VIEWS = ("open", "overdue", "returned", "escalated", "closed")
# The "closed" view: tickets closed without 办结, by the reporter (撤销) or as 无效, each with
# who decided and why, so a 无效 cannot hide work (issue 11).
CLOSED_OFF = (State.INVALID, State.CANCELLED)
SORTS = ("deadline", "created", "id", "state", "category", "grid")
SOON = timedelta(hours=24)
FAR_PAST = datetime(2000, 1, 1, tzinfo=timezone.utc)
FAR_FUTURE = datetime(2999, 1, 1, tzinfo=timezone.utc)


def deadline_now() -> ColumnElement:
    """The deadline that matters now: 签收 while nobody has accepted, else 办结."""
    return case((Ticket.state.in_(ACCEPT_STATES), Ticket.accept_deadline), else_=Ticket.resolve_deadline)


@dataclass(frozen=True)
class Filter:
    view: str = "open"
    category: str = ""
    state: str = ""
    grid_id: int | None = None
    since: datetime | None = None  # reported at or after
    until: datetime | None = None  # reported before
    sort: str = ""  # "" = the view's own order (overdue: worst first)
    descending: bool = False
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class Row:
    id: int
    state: State
    category: str
    urgent: bool
    grid_id: int
    grid_name: str
    community_name: str
    assignee_name: str
    department_name: str
    created_at: datetime
    deadline: datetime | None
    late: bool
    soon: bool
    text: str
    reason: str = ""   # closed view: why it was closed as 无效 (a 撤销 gives none)
    decider: str = ""  # closed view: who closed it as 无效 (a 撤销 is the reporter's, never named)


@dataclass(frozen=True)
class Page:
    rows: tuple[Row, ...]
    total: int
    page: int
    pages: int
    counts: dict[str, int]  # tickets in each view, for the tabs
    now: datetime


@dataclass(frozen=True)
class GridArea:
    id: int
    name: str
    community: str
    geometry: dict[str, Any] | None


class Board:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, admins: Collection[int] = (),
                 clock: Callable[[], datetime]) -> None:
        self.sf = session_factory
        self.admins = frozenset(admins)
        self.clock = clock

    async def _where(self, session: AsyncSession, telegram_id: int) -> Jurisdiction:
        actor = await load_actor(session, telegram_id, admins=self.admins)
        require_cadre(actor, "web")
        return await jurisdiction(session, actor)

    def _conditions(self, f: Filter, grids: Collection[int], now: datetime) -> list[ColumnElement[bool]]:
        if f.grid_id is not None:
            grids = [f.grid_id] if f.grid_id in grids else []
        out: list[ColumnElement[bool]] = [Ticket.grid_id.in_(sorted(grids))]
        if f.view == "returned":
            out.append(Ticket.state == State.RETURNED.value)
        elif f.view == "escalated":
            out.append(Ticket.state == State.ESCALATED.value)
        elif f.view == "closed":
            out.append(Ticket.state.in_([s.value for s in CLOSED_OFF]))
        else:
            out.append(Ticket.state.in_([s.value for s in OPEN_STATES]))
        if f.view == "overdue":
            out.append(deadline_now() < now)
        if f.state:
            out.append(Ticket.state == f.state)
        if f.category:
            out.append(Ticket.category == f.category)
        if f.since is not None:
            out.append(Ticket.created_at >= f.since)
        if f.until is not None:
            out.append(Ticket.created_at < f.until)
        return out

    def _order(self, f: Filter) -> list[Any]:
        key = f.sort if f.sort in SORTS else ("deadline" if f.view in ("overdue", "closed") else "created")
        column = {"deadline": _when(f), "created": Ticket.created_at, "id": Ticket.id,
                  "state": Ticket.state, "category": Ticket.category, "grid": Ticket.grid_id}[key]
        # By default the worst first when overdue, the newest first otherwise (the latest closed, reported).
        descending = f.descending if f.sort in SORTS else f.view != "overdue" and key in ("created", "deadline")
        return [column.desc() if descending else column.asc(), Ticket.id.desc() if descending else Ticket.id.asc()]

    async def page(self, telegram_id: int, f: Filter) -> Page:
        now = self.clock()
        async with self.sf() as session:
            where = await self._where(session, telegram_id)
            grids = where.grids
            conditions = self._conditions(f, grids, now)
            total = (await session.execute(select(func.count(Ticket.id)).where(*conditions))).scalar_one()
            pages = max(1, -(-total // f.per_page))
            page = min(max(1, f.page), pages)
            deadline = _when(f)
            q = (select(Ticket.id, Ticket.state, Ticket.category, Ticket.urgent, Ticket.grid_id, Ticket.created_at,
                        deadline.label("deadline"), func.substr(Ticket.text, 1, 80).label("text"),
                        Staff.name.label("assignee"), Unit.name.label("department"))
                 .outerjoin(Staff, Staff.id == Ticket.assignee_id)
                 .outerjoin(Unit, Unit.id == Ticket.department_id)
                 .where(*conditions).order_by(*self._order(f))
                 .offset((page - 1) * f.per_page).limit(f.per_page))
            rows = []
            closed = f.view == "closed"  # the time shown is the closing, never late
            for r in await session.execute(q):
                grid = grids.get(r.grid_id)
                community = where.community_of(r.grid_id)
                due = _aware(r.deadline)
                rows.append(Row(r.id, State(r.state), r.category, bool(r.urgent), r.grid_id,
                                grid.name if grid else "", community.name if community else "",
                                r.assignee or "", r.department or "", r.created_at, due,
                                not closed and due is not None and due < now,
                                not closed and due is not None and now <= due < now + SOON, r.text))
            if closed:
                rows = await _with_reasons(session, rows)
            counts = await self._counts(session, list(grids), now)
        return Page(tuple(rows), total, page, pages, counts, now)

    async def _counts(self, session: AsyncSession, grids: list[int], now: datetime) -> dict[str, int]:
        is_open = Ticket.state.in_([s.value for s in OPEN_STATES])
        late = func.coalesce(func.sum(case((deadline_now() < now, 1), else_=0)), 0)
        returned = func.coalesce(func.sum(case((Ticket.state == State.RETURNED.value, 1), else_=0)), 0)
        escalated = func.coalesce(func.sum(case((Ticket.state == State.ESCALATED.value, 1), else_=0)), 0)
        row = (await session.execute(
            select(func.count(Ticket.id), late, returned, escalated).where(Ticket.grid_id.in_(grids), is_open))).one()
        # Apart, on the state index: the open tickets' query keeps its plan.
        closed = (await session.execute(select(func.count(Ticket.id)).where(
            Ticket.state.in_([s.value for s in CLOSED_OFF]), Ticket.grid_id.in_(grids)))).scalar_one()
        return dict(zip(VIEWS, (*(int(v) for v in row), int(closed)), strict=True))

    async def markers(self, telegram_id: int, f: Filter) -> list[list[Any]]:
        """[id, lat, lon, state, late (0/1), category] for every ticket of the filter (no paging).
        A ticket reported without a location sits near its grid's centre, if the grid has an outline."""
        now = self.clock()
        async with self.sf() as session:
            where = await self._where(session, telegram_id)
            centres = {g: _centre(u.boundary) for g, u in where.grids.items() if u.boundary}
            # Lateness is decided in SQL: no time value is read back for thousands of rows.
            late = case((deadline_now() < now, 1), else_=0)
            q = (select(Ticket.id, Ticket.latitude, Ticket.longitude, Ticket.state, Ticket.category, Ticket.grid_id,
                        late).where(*self._conditions(f, where.grids, now)).order_by(Ticket.id))
            out = []
            for tid, lat, lon, state, category, grid_id, is_late in await session.execute(q):
                if lat is None or lon is None:
                    centre = centres.get(grid_id)
                    if centre is None:
                        continue
                    lat, lon = _jitter(centre, tid)
                out.append([tid, round(lat, 6), round(lon, 6), state, is_late, category])
        return out

    async def grids(self, telegram_id: int) -> list[GridArea]:
        """The cadre's grids, with their outlines (GeoJSON, WGS-84) where the organisation has them."""
        async with self.sf() as session:
            where = await self._where(session, telegram_id)
        out = []
        for g in sorted(where.grids.values(), key=lambda u: u.code):
            community = where.community_of(g.id)
            out.append(GridArea(g.id, g.name, community.name if community else "", g.boundary))
        return out

    async def export(self, telegram_id: int, f: Filter) -> list[ExportRow]:
        """The list's tickets (every page) as `gridbot export` writes them."""
        now = self.clock()
        async with self.sf() as session:
            where = await self._where(session, telegram_id)
            conditions = self._conditions(f, where.grids, now)
            return await export_rows(session, f.since or FAR_PAST, f.until or FAR_FUTURE, None, conditions)


def _when(f: Filter) -> ColumnElement:
    """The time a row shows and sorts by: when it was closed in the closed view, else its deadline."""
    return Ticket.closed_at if f.view == "closed" else deadline_now()


async def _with_reasons(session: AsyncSession, rows: list[Row]) -> list[Row]:
    """The page's tickets closed as 无效 with who decided and why (the latest 无效 event of
    each, one query for the page); a 撤销 has no reason and its reporter is never named."""
    invalid = [r.id for r in rows if r.state == State.INVALID]
    if not invalid:
        return rows
    found = await session.execute(
        select(TicketEvent.ticket_id, TicketEvent.note, TicketEvent.actor_name)
        .where(TicketEvent.ticket_id.in_(invalid), TicketEvent.action == Action.INVALIDATE.value)
        .order_by(TicketEvent.id))
    latest = {t: (note or "", who or "") for t, note, who in found}  # in event order: the last one stays
    return [replace(r, reason=latest[r.id][0], decider=latest[r.id][1]) if r.id in latest else r for r in rows]


def _aware(at: datetime | str | None) -> datetime | None:
    """A CASE over UTC columns comes back from SQLite naive, even as text (the column type is lost)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=timezone.utc)


def _centre(boundary: dict[str, Any]) -> tuple[float, float] | None:
    try:
        west, south, east, north = geo.bbox(boundary)
    except (KeyError, TypeError, ValueError):
        return None
    return (south + north) / 2, (west + east) / 2


def _jitter(centre: tuple[float, float], ticket_id: int) -> tuple[float, float]:
    """A steady small offset per ticket, so markers without a location do not sit on one point."""
    a = (ticket_id * 2654435761) % 1000 / 1000 - 0.5
    b = (ticket_id * 40503) % 1000 / 1000 - 0.5
    return centre[0] + a * 0.0012, centre[1] + b * 0.0016
