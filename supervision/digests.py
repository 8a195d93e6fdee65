"""Digests for staff: what each person gets, gathered as plain data, and delivered once.

* ``daily``: each grid member's open tasks (every morning);
* ``weekly``: 每周一提醒, each cadre's overdue and due-this-week tickets by grid;
* ``half_month``: 半月一调度, the last half month's dispatch figures by grid (community
  cadres) or community (street cadres);
* ``monthly``: 一月一通报, last month's KPIs (figures.kpi) by grid or community.

Delivery is the outbox's (tickets.outbox, kind "digest.<kind>", key
"digest:<kind>:<period>:chat:<chat>"), as for reminders: a row per (kind, period, person)
is queued and claimed before sending and marked after, so a digest job run twice, or
again after a crash, sends each person their digest once; a claim not marked sent is
claimed again by the next run of that digest after the lease. (digest_deliveries stays
as the ledger.) The digest is gathered afresh at each run, so this job sends its own rows.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from figures.kpi import Counts, figures, total
from organisation.tree import load_chains
from storage import updates
from storage.models import DigestDelivery as DD
from storage.models import OutboxMessage
from storage.models import Staff, Ticket, Unit
from supervision.ladder import ACCEPT_STATES
from supervision.sending import SendResult, send_and_record
from tickets import outbox
from tickets.lifecycle import ASSIGNEE_STATES, OPEN_STATES, State
from tickets.policy import Role

log = logging.getLogger(__name__)

KINDS = ("daily", "weekly", "half_month", "monthly")
MAX_LINES = 30  # per list in one digest; the rest is a count


@dataclass(frozen=True)
class Period:
    key: str  # stored with each delivery: one digest per person per period
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive


def period_for(kind: str, fired_at: datetime, tz: ZoneInfo) -> Period:
    """The period a digest fired at ``fired_at`` reports on."""
    local = fired_at.astimezone(tz)
    today = local.date()

    def at(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(timezone.utc)

    if kind == "daily":
        return Period(today.isoformat(), at(today), at(today + timedelta(days=1)))
    if kind == "weekly":
        monday = today - timedelta(days=today.weekday())
        year, week, _ = monday.isocalendar()
        return Period(f"{year}-W{week:02d}", at(monday), at(monday + timedelta(days=7)))
    first = today.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    if kind == "half_month":
        if today.day >= 16:  # the first half of this month is over
            return Period(f"{first:%Y-%m}-H1", at(first), at(first.replace(day=16)))
        return Period(f"{previous:%Y-%m}-H2", at(previous.replace(day=16)), at(first))
    if kind == "monthly":
        return Period(f"{previous:%Y-%m}", at(previous), at(first))
    raise ValueError(f"unknown digest kind {kind!r}")


@dataclass(frozen=True)
class TaskLine:
    id: int
    state: State
    category: str
    grid_name: str
    urgent: bool
    accept_deadline: datetime | None
    resolve_deadline: datetime | None
    overdue: bool  # past the 办结 deadline
    accept_late: bool = False  # still waiting for 签收 past its deadline


@dataclass(frozen=True)
class DailyTasks:
    name: str
    lines: tuple[TaskLine, ...]
    total: int


@dataclass(frozen=True)
class GridTickets:
    grid_name: str
    overdue: tuple[TaskLine, ...]
    due_soon: tuple[TaskLine, ...]  # due before the end of the week
    overdue_total: int
    due_total: int


@dataclass(frozen=True)
class WeeklyDigest:
    name: str
    unit_name: str
    grids: tuple[GridTickets, ...]
    week_end: datetime


@dataclass(frozen=True)
class FiguresDigest:
    kind: str  # half_month / monthly
    name: str
    unit_name: str
    period: Period
    rows: tuple[tuple[str, Counts], ...]  # (grid or community name, counts)
    total: Counts


def _line(t: Any, grid_name: str, now: datetime) -> TaskLine:
    state = State(t.state)
    return TaskLine(t.id, state, t.category, grid_name, bool(t.urgent), t.accept_deadline, t.resolve_deadline,
                    overdue=t.resolve_deadline is not None and t.resolve_deadline < now,
                    accept_late=state in ACCEPT_STATES and t.accept_deadline is not None and t.accept_deadline < now)


_LINE_COLUMNS = (Ticket.id, Ticket.state, Ticket.category, Ticket.urgent, Ticket.grid_id,
                 Ticket.accept_deadline, Ticket.resolve_deadline)


async def daily_tasks(session: AsyncSession, now: datetime) -> list[tuple[int, DailyTasks]]:
    """(chat id, digest) for every grid member with open tasks."""
    q = (
        select(*_LINE_COLUMNS, Staff.telegram_id, Staff.name)
        .join(Staff, Staff.id == Ticket.assignee_id)
        .where(Ticket.state.in_(ASSIGNEE_STATES), Staff.active.is_(True))
        .order_by(Staff.telegram_id, Ticket.resolve_deadline, Ticket.id)
    )
    rows = (await session.execute(q)).all()
    chains = await load_chains(session, {r.grid_id for r in rows})
    people: dict[int, tuple[str, list[TaskLine]]] = {}
    for r in rows:
        grid = chains.get(r.grid_id, {})
        unit = grid.get("grid") or grid.get("micro_grid")
        people.setdefault(r.telegram_id, (r.name, []))[1].append(_line(r, unit.name if unit else "", now))
    return [(chat, DailyTasks(name, tuple(lines[:MAX_LINES]), len(lines))) for chat, (name, lines) in people.items()]


async def _cadres(session: AsyncSession) -> list[tuple[Staff, Unit]]:
    q = (
        select(Staff, Unit)
        .join(Unit, Unit.id == Staff.unit_id)
        .where(Staff.active.is_(True), Staff.role.in_([Role.COMMUNITY_CADRE, Role.STREET_CADRE]))
        .order_by(Staff.telegram_id, Unit.code)
    )
    return [(s, u) for s, u in (await session.execute(q)).all()]


def _under(cadre_unit: Unit, chain: dict[str, Unit]) -> bool:
    return chain.get(cadre_unit.kind) is not None and chain[cadre_unit.kind].id == cadre_unit.id


async def weekly(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[tuple[int, WeeklyDigest]]:
    """每周一提醒: for each cadre, open tickets overdue or due by Sunday night, by grid."""
    week_end = period_for("weekly", now, tz).end
    q = (
        select(*_LINE_COLUMNS)
        .where(Ticket.state.in_(OPEN_STATES), Ticket.resolve_deadline < week_end)
        .order_by(Ticket.resolve_deadline, Ticket.id)
    )
    rows = (await session.execute(q)).all()
    chains = await load_chains(session, {r.grid_id for r in rows})
    out = []
    for cadre, unit in await _cadres(session):
        by_grid: dict[int, list[TaskLine]] = {}
        for r in rows:
            chain = chains.get(r.grid_id, {})
            if _under(unit, chain):
                grid = chain.get("grid") or chain.get("micro_grid")
                by_grid.setdefault(r.grid_id, []).append(_line(r, grid.name if grid else "", now))
        if not by_grid:
            continue
        grids = []
        for lines in by_grid.values():
            late = [x for x in lines if x.overdue]
            soon = [x for x in lines if not x.overdue]
            grids.append(GridTickets(lines[0].grid_name, tuple(late[:MAX_LINES]), tuple(soon[:MAX_LINES]),
                                     len(late), len(soon)))
        grids.sort(key=lambda g: (-g.overdue_total, g.grid_name))
        out.append((cadre.telegram_id, WeeklyDigest(cadre.name, unit.name, tuple(grids), week_end)))
    return out


async def figures_digests(
    session: AsyncSession, kind: str, period: Period, now: datetime
) -> list[tuple[int, FiguresDigest]]:
    """半月一调度 / 一月一通报: community cadres get their grids, street cadres their communities."""
    by_grid = await figures(session, period.start, period.end, now)
    chains = await load_chains(session, by_grid)
    out = []
    for cadre, unit in await _cadres(session):
        rows: dict[str, Counts] = {}
        row_kind = "grid" if unit.kind == "community" else "community"
        for grid_id, counts in by_grid.items():
            chain = chains.get(grid_id, {})
            if not _under(unit, chain):
                continue
            row_unit = chain.get(row_kind) or chain.get("micro_grid")
            name = row_unit.name if row_unit else "—"
            rows[name] = rows.get(name, Counts()) + counts
        if not rows:
            continue
        ordered = tuple(sorted(rows.items()))
        out.append((cadre.telegram_id, FiguresDigest(kind, cadre.name, unit.name, period, ordered,
                                                     total(rows.values()))))
    return out


async def gather(
    session: AsyncSession, kind: str, now: datetime, tz: ZoneInfo, period: Period
) -> list[tuple[int, tuple[Any, ...]]]:
    """(chat id, digests) per person: one delivery each, even for a cadre of two units."""
    if kind == "daily":
        items: list[tuple[int, Any]] = await daily_tasks(session, now)
    elif kind == "weekly":
        items = await weekly(session, now, tz)
    else:
        items = await figures_digests(session, kind, period, now)
    grouped: dict[int, list[Any]] = {}
    for chat, digest in items:
        grouped.setdefault(chat, []).append(digest)
    return [(chat, tuple(digests)) for chat, digests in grouped.items()]


# -- delivery -------------------------------------------------------------------------

T = TypeVar("T")


@dataclass
class DigestReport:
    recipients: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0  # already sent (or being sent) for this period


def _insert_ignoring_duplicates(session: AsyncSession):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(DD).on_conflict_do_nothing()


def digest_key(kind: str, period: str, chat_id: int) -> str:
    return f"digest:{kind}:{period}:chat:{chat_id}"


async def _claim(session: AsyncSession, kind: str, key: str, chats: list[int], now: datetime,
                 lease: timedelta, max_attempts: int) -> dict[int, tuple[int | None, int]]:
    """chat id -> (ledger row id, outbox row id), for the chats this run may send to."""
    rows = [{"kind": kind, "period": key, "chat_id": c, "claimed_at": now, "attempts": 1} for c in chats]
    ledger = {r.chat_id: r.id for r in await session.execute(
        _insert_ignoring_duplicates(session).returning(DD.id, DD.chat_id), rows)}
    keys = {c: digest_key(kind, key, c) for c in chats}
    queued = await outbox.put(session, (outbox.Row(keys[c], c, f"digest.{kind}", note=key) for c in ledger), now)
    claimed: dict[int, tuple[int | None, int]] = {c: (ledger[c], queued[keys[c]]) for c in ledger if keys[c] in queued}
    rest = [keys[c] for c in chats if c not in claimed]
    if rest:  # queued by an earlier run and never marked sent (a crash, a failed send): after the lease
        stale = await outbox.claim_in(session, now, OutboxMessage.key.in_(rest), lease=lease, batch=len(rest),
                                      max_attempts=max_attempts)
        ids = dict((await session.execute(select(DD.chat_id, DD.id).where(
            DD.kind == kind, DD.period == key, DD.chat_id.in_([m.chat_id for m in stale])))).all())
        claimed.update({m.chat_id: (ids.get(m.chat_id), m.id) for m in stale})
    return claimed


async def deliver(
    session_factory: async_sessionmaker[AsyncSession],
    kind: str,
    period: Period,
    items: Sequence[tuple[int, T]],
    send: Callable[[int, T], Awaitable[SendResult]],
    now: datetime,
    *,
    lease: timedelta = timedelta(minutes=15),
    max_attempts: int = 5,
    chunk: int = 30,
) -> DigestReport:
    report = DigestReport(recipients=len(items))
    if not items:
        return report
    async with session_factory() as session, session.begin():
        updates.unrecorded(session)
        claimed = await _claim(session, kind, period.key, [c for c, _ in items], now, lease, max_attempts)
    todo = [(chat, payload) for chat, payload in items if chat in claimed]
    report.skipped = len(items) - len(todo)
    for start in range(0, len(todo), chunk):
        part = todo[start:start + chunk]
        await asyncio.gather(*(send_and_record(session_factory, send(chat, payload), ledger=DD,
                                               ledger_id=claimed[chat][0], outbox_id=claimed[chat][1], now=now,
                                               report=report, what=f"a digest to chat {chat}")
                               for chat, payload in part))
    return report
