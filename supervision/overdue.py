"""督办 by hand: a cadre's overdue and soon-due list (/overdue) and 催办 (remind now).
The list ends with every ticket closed as 无效 in the last days, by whom and why: closing
a ticket as 无效 takes it out of the figures, so it must not hide work from the cadre.

Uses the TicketService's transaction, loading and event helpers, as tickets.intake does,
so a 催办 is stored as an event like every other change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from organisation.jurisdiction import jurisdiction, require_cadre
from storage.models import Ticket, TicketEvent
from storage.repositories import StaffRepo
from supervision.ladder import ACCEPT_STATES
from tickets import outbox
from tickets.errors import Stale, WorkflowError
from tickets.lifecycle import ASSIGNEE_STATES, OPEN_STATES, Action, State
from tickets.policy import Role
from tickets.views import Notice, NoticeKind, Outcome, TicketView, build_view

if TYPE_CHECKING:
    from tickets.service import TicketService

# Two taps on 催办 within this long remind once: the person is not nagged twice.
REMIND_GAP = timedelta(minutes=10)
# /overdue lists every 无效 of this many last days.
INVALID_DAYS = 7


class NobodyToRemind(WorkflowError):
    """Nobody holds the ticket (待派单, 已退回): it needs 转派, not 催办."""


class RemindedRecently(WorkflowError):
    def __init__(self, ticket_id: int, at: datetime) -> None:
        super().__init__(f"ticket {ticket_id} was reminded at {at}")
        self.at = at


@dataclass(frozen=True)
class OverdueItem:
    view: TicketView
    window: str  # "accept" (签收) or "resolve" (办结)
    deadline: datetime
    late: bool


@dataclass(frozen=True)
class InvalidItem:
    """A ticket closed as 无效: when, by whom, why."""

    ticket_id: int
    grid_name: str
    category: str
    text: str
    who: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class OverdueList:
    items: tuple[OverdueItem, ...]
    overdue: int  # every ticket past its deadline, shown or not
    soon: int  # every ticket due within the window
    now: datetime
    invalid: tuple[InvalidItem, ...] = ()  # every 无效 of the last INVALID_DAYS days, newest first
    invalid_days: int = INVALID_DAYS


def _deadline():
    # The deadline that matters now: 签收 while nobody has accepted, else 办结.
    return case((Ticket.state.in_(ACCEPT_STATES), Ticket.accept_deadline), else_=Ticket.resolve_deadline)


class Supervision:
    def __init__(self, service: TicketService, *, soon: timedelta, limit: int) -> None:
        self.svc = service
        self.soon = soon
        self.limit = limit

    async def overdue(self, telegram_id: int) -> OverdueList:
        """Open tickets of the cadre's grids past a deadline or due soon, worst (oldest deadline) first."""
        svc, now = self.svc, self.svc.clock()
        async with svc.sf() as session:
            actor = await svc.actor(session, telegram_id)
            require_cadre(actor, "overdue")
            grids = list((await jurisdiction(session, actor)).grids)
            deadline = _deadline()
            where = (Ticket.grid_id.in_(grids), Ticket.state.in_(OPEN_STATES), deadline < now + self.soon)
            late, soon = (await session.execute(
                select(func.coalesce(func.sum(case((deadline < now, 1), else_=0)), 0), func.count(Ticket.id))
                .where(*where)
            )).one()
            rows = (await session.execute(
                select(Ticket).where(*where).order_by(deadline, Ticket.id).limit(self.limit)
            )).scalars().all()
            items = []
            for t in rows:
                waiting = State(t.state) in ACCEPT_STATES
                at = t.accept_deadline if waiting else t.resolve_deadline
                items.append(OverdueItem(await build_view(session, t, svc.units), "accept" if waiting else "resolve",
                                         at, at < now))
            invalid = await self._invalid(session, grids, now)
        return OverdueList(tuple(items), int(late), int(soon) - int(late), now, invalid)

    async def _invalid(self, session: AsyncSession, grids: list[int], now: datetime) -> tuple[InvalidItem, ...]:
        """Every 无效 of the cadre's grids in the last INVALID_DAYS days: all of them, not a page."""
        found = (await session.execute(
            select(TicketEvent, Ticket).join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.action == Action.INVALIDATE.value, TicketEvent.at >= now - timedelta(days=INVALID_DAYS),
                   Ticket.grid_id.in_(grids))
            .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        )).all()
        items = []
        for event, t in found:
            chain = await self.svc.units.chain(session, t.grid_id)
            grid = chain.get("grid") or chain.get("micro_grid")
            items.append(InvalidItem(t.id, grid.name if grid else "", t.category, t.text, event.actor_name or "",
                                     event.note or "", event.at))
        return tuple(items)

    async def remind(self, telegram_id: int, ticket_id: int) -> Outcome:
        """催办: tell whoever holds the ticket now (its grid member, or the department's contacts)."""
        svc, now = self.svc, self.svc.clock()
        async with svc._tx() as session:
            actor = await svc.actor(session, telegram_id)
            ticket, view = await svc._load(session, ticket_id)
            svc._guard(actor, Action.REMIND, view)
            if view.state not in OPEN_STATES:
                raise Stale(ticket_id, view.state)
            if view.state == State.ESCALATED and view.department_id:
                chats = [s.telegram_id for s in await StaffRepo(session).in_unit(view.department_id, Role.DEPARTMENT)]
            elif view.state in ASSIGNEE_STATES and view.assignee_telegram_id:
                chats = [view.assignee_telegram_id]
            else:
                chats = []
            if not chats:
                raise NobodyToRemind(ticket_id)
            last = (await session.execute(
                select(TicketEvent.at)
                .where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == Action.REMIND.value)
                .order_by(TicketEvent.id.desc()).limit(1)
            )).scalar_one_or_none()
            if last is not None and now - last < REMIND_GAP:
                raise RemindedRecently(ticket_id, last)
            await svc._event(session, ticket_id, actor, Action.REMIND, now, None, None, data={"to": chats})
            # 催办 leaves the ticket's version as it was: the time tells two of them apart.
            notices = await outbox.queue_notices(
                session, [Notice(chat, NoticeKind.REMINDED, view, None, actor.name) for chat in chats], now,
                tag=f":at:{now.timestamp():.0f}")
        return Outcome(view, notices)

