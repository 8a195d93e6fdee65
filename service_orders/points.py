"""积分: an append-only ledger. Each row has a reason and a unique key naming the event it
is for ("order:12:done:m5"), so replaying a button, a sweep run twice or two processes
at once can never award the same thing twice: the second insert is simply ignored.

Rules (amounts) come from settings.points; this module only records and sums.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from organisation.tree import load_chains
from service_orders.base import Workflow
from storage.models import PointEntry, ServiceMember, Staff, Ticket, Unit
from tickets.policy import Role

MEMBER_ROLES = ("party_member", "volunteer", "branch_secretary")
GRID_ROLES = ("grid_member",)
# Reasons, as stored; handlers label them.
ORDER_DONE, SATISFIED, ABANDONED, TICKET_ON_TIME = "order_done", "satisfied", "abandoned", "ticket_on_time"


@dataclass(frozen=True)
class Award:
    key: str
    telegram_id: int
    name: str
    role: str
    community_id: int | None
    points: int
    reason: str
    order_id: int | None = None
    ticket_id: int | None = None


@dataclass(frozen=True)
class RankRow:
    telegram_id: int
    name: str
    role_group: str  # "member" (党员/志愿者) or "grid" (网格员)
    community_id: int | None
    community_name: str
    points: int
    rank: int


@dataclass(frozen=True)
class Standing:
    """One person's points in one community and role group."""

    community_id: int | None
    community_name: str
    role_group: str
    month: int
    total: int
    rank: int | None  # this month, among those of the group with points; None without
    ranked: int


@dataclass(frozen=True)
class LedgerLine:
    at: datetime
    points: int
    reason: str
    order_id: int | None
    ticket_id: int | None


def _insert(session: AsyncSession):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(PointEntry)


async def award(session: AsyncSession, a: Award, at: datetime) -> bool:
    """Record one award; False (and nothing written) if its key was recorded before."""
    if a.points == 0:
        return False
    stmt = _insert(session).values(
        key=a.key, telegram_id=a.telegram_id, name=a.name[:200], role=a.role, community_id=a.community_id,
        points=a.points, reason=a.reason, order_id=a.order_id, ticket_id=a.ticket_id, at=at,
    ).on_conflict_do_nothing(index_elements=["key"])
    return (await session.execute(stmt)).rowcount == 1


def _group(role: str) -> str:
    return "grid" if role in GRID_ROLES else "member"


def _roles(group: str) -> tuple[str, ...]:
    return GRID_ROLES if group == "grid" else MEMBER_ROLES


async def ranking(
    session: AsyncSession, start: datetime, end: datetime, *, group: str = "member",
    community_ids: Collection[int] | None = None, limit: int | None = None,
) -> list[RankRow]:
    """Points earned in [start, end) per person and community, best first, ranked within
    each community (equal points share a rank). For /points and the monthly bulletin:
    group "member" ranks party members and volunteers, "grid" ranks grid members."""
    q = (
        select(PointEntry.telegram_id, PointEntry.community_id, func.sum(PointEntry.points), func.max(PointEntry.name))
        .where(PointEntry.at >= start, PointEntry.at < end, PointEntry.role.in_(_roles(group)))
        .group_by(PointEntry.telegram_id, PointEntry.community_id)
    )
    if community_ids is not None:
        q = q.where(PointEntry.community_id.in_(list(community_ids)))
    rows = [(tg, cid, int(total or 0), name or "") for tg, cid, total, name in await session.execute(q)]
    names = await _unit_names(session, {cid for _, cid, _, _ in rows if cid is not None})
    rows.sort(key=lambda r: (r[1] or 0, -r[2], r[0]))
    out: list[RankRow] = []
    for cid in dict.fromkeys(r[1] for r in rows):
        previous, rank = None, 0
        for i, (tg, _, total, name) in enumerate(r for r in rows if r[1] == cid):
            if total != previous:
                rank, previous = i + 1, total
            out.append(RankRow(tg, name, group, cid, names.get(cid, ""), total, rank))
    out.sort(key=lambda r: (-r.points, r.community_name, r.rank))
    return out[:limit] if limit else out


async def standings(session: AsyncSession, telegram_id: int, month_start: datetime, month_end: datetime) -> list[Standing]:
    """Where one person stands: every community and group they have points in, plus the
    communities they are registered to (with nothing yet)."""
    q = (select(PointEntry.community_id, PointEntry.role, func.sum(PointEntry.points))
         .where(PointEntry.telegram_id == telegram_id).group_by(PointEntry.community_id, PointEntry.role))
    totals: dict[tuple[int | None, str], int] = {}
    for cid, role, total in await session.execute(q):
        key = (cid, _group(role))
        totals[key] = totals.get(key, 0) + int(total or 0)
    q = select(ServiceMember.community_id).where(ServiceMember.telegram_id == telegram_id, ServiceMember.status == "active")
    for cid in (await session.execute(q)).scalars():
        totals.setdefault((cid, "member"), 0)
    out = []
    for (cid, group), total in sorted(totals.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        ranks = await ranking(session, month_start, month_end, group=group,
                              community_ids=None if cid is None else [cid])
        mine = next((r for r in ranks if r.telegram_id == telegram_id and r.community_id == cid), None)
        name = (await _unit_names(session, {cid})).get(cid, "") if cid is not None else ""
        out.append(Standing(cid, name, group, mine.points if mine else 0, total,
                            mine.rank if mine else None, len(ranks)))
    return out


async def recent(session: AsyncSession, telegram_id: int, limit: int = 5) -> list[LedgerLine]:
    q = (select(PointEntry).where(PointEntry.telegram_id == telegram_id)
         .order_by(PointEntry.at.desc(), PointEntry.id.desc()).limit(limit))
    return [LedgerLine(e.at, e.points, e.reason, e.order_id, e.ticket_id) for e in (await session.execute(q)).scalars()]


async def month_points(session: AsyncSession, telegram_ids: Iterable[int], start: datetime, end: datetime,
                       group: str = "grid") -> dict[int, int]:
    ids = list(telegram_ids)
    if not ids:
        return {}
    q = (select(PointEntry.telegram_id, func.sum(PointEntry.points))
         .where(PointEntry.telegram_id.in_(ids), PointEntry.at >= start, PointEntry.at < end,
                PointEntry.role.in_(_roles(group)))
         .group_by(PointEntry.telegram_id))
    return {tg: int(total or 0) for tg, total in await session.execute(q)}


async def _unit_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.name for u in (await session.execute(select(Unit).where(Unit.id.in_(ids)))).scalars()}


class PointsService(Workflow):
    def __init__(self, *args, on_time_points: int = 2, lookback_days: int = 35, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.on_time_points = on_time_points
        self.lookback = timedelta(days=lookback_days)

    async def mine(self, telegram_id: int, month_start: datetime, month_end: datetime) -> tuple[list[Standing], list[LedgerLine]]:
        async with self.sf() as session:
            return await standings(session, telegram_id, month_start, month_end), await recent(session, telegram_id)

    async def ranking(self, start: datetime, end: datetime, **kwargs) -> list[RankRow]:
        async with self.sf() as session:
            return await ranking(session, start, end, **kwargs)

    async def award_tickets_on_time(self, now: datetime, batch: int = 500) -> int:
        """Grid members: points per ticket closed by its (first) resolution deadline.

        Tickets closed within the look-back window and not yet in the ledger; the unique
        key makes a second sweep, or a second process, award nothing."""
        if self.on_time_points == 0:
            return 0
        async with self._tx() as session:
            q = (
                select(Ticket.id, Ticket.grid_id, Ticket.closed_at, Staff.telegram_id, Staff.name)
                .join(Staff, Staff.id == Ticket.assignee_id)
                .outerjoin(PointEntry, and_(PointEntry.ticket_id == Ticket.id, PointEntry.reason == TICKET_ON_TIME))
                .where(Ticket.state == "closed", Ticket.closed_at >= now - self.lookback,
                       Ticket.resolved_at.is_not(None), Ticket.original_resolve_deadline.is_not(None),
                       Ticket.resolved_at <= Ticket.original_resolve_deadline,
                       Staff.role == Role.GRID_MEMBER.value, PointEntry.id.is_(None))
                .order_by(Ticket.id).limit(batch)
            )
            rows = (await session.execute(q)).all()
            chains = await load_chains(session, {r.grid_id for r in rows})
            awarded = 0
            for r in rows:
                community = chains.get(r.grid_id, {}).get("community")
                awarded += await award(session, Award(
                    key=f"ticket:{r.id}:on_time", telegram_id=r.telegram_id, name=r.name, role="grid_member",
                    community_id=community.id if community else None, points=self.on_time_points,
                    reason=TICKET_ON_TIME, ticket_id=r.id), r.closed_at)
        return awarded
