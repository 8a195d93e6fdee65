"""回访: the resident says whether a resolved ticket is solved and how satisfied they are;
未解决 or 不满意 reopens it (重办) to the same handler with fresh deadlines, at that tap: the
grid member, or the department a cadre escalated it to (吹哨报到). Asked why, the resident
may then give a reason (give_reopen_reason), which the handler sees on the card of the 重办.
A press replayed after its answer was taken changes nothing.

A mixin of tickets.service.TicketService: it uses the workflow's transaction and helpers
(_tx, actor, _load, _guard, _event, _move, deadlines, units, clock).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Rating, Ticket
from storage.repositories import StaffRepo, Tickets
from supervision.reminders import review_at
from tickets import outbox, routing
from tickets.closing.reasons import cleaned
from tickets.errors import NotAllowed, NotFound, Stale
from tickets.lifecycle import OPEN_STATES, Action, State, window_data
from tickets.policy import Actor, Role
from tickets.views import Notice, NoticeKind, Outcome, TicketView, build_view

SATISFACTION = ("satisfied", "basically", "dissatisfied")
SATISFACTION_LABELS = {"satisfied": "满意", "basically": "基本满意", "dissatisfied": "不满意"}


async def _answered(session: AsyncSession, ticket: Ticket, solved: bool | None = None,
                    satisfaction: str | None = None) -> bool:
    """This answer was taken already, in the ticket's latest round or the one its 重办 ended:
    the press is a replay."""
    for round_ in {ticket.reopen_count, max(ticket.reopen_count - 1, 0)}:
        rating = await Tickets(session).rating(ticket.id, round_)
        if rating is not None and (rating.solved == solved if satisfaction is None
                                   else rating.satisfaction == satisfaction):
            return True
    return False


class Feedback:
    async def rate_solved(self, telegram_id: int, ticket_id: int, solved: bool) -> Outcome:
        now = self.clock()
        async with self._tx() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            self._guard(actor, Action.RATE, view)
            if view.state != State.RESOLVED or await Tickets(session).rating(ticket_id, ticket.reopen_count):
                if await _answered(session, ticket, solved=solved):
                    return Outcome(view, replayed=True)
                raise Stale(ticket_id, view.state)
            await Tickets(session).add_rating(
                Rating(ticket_id=ticket_id, round=ticket.reopen_count, solved=solved, at=now)
            )
            await self._event(session, ticket_id, actor, Action.RATE, now, None, None,
                              note="已解决" if solved else "未解决", data={"solved": solved})
            if solved:
                return Outcome(view, rating_round_open=True)
            return await self._reopen(session, ticket, actor, now, "未解决")

    async def rate_satisfaction(self, telegram_id: int, ticket_id: int, value: str) -> Outcome:
        if value not in SATISFACTION:
            raise NotFound(value)
        now = self.clock()
        async with self._tx() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            self._guard(actor, Action.RATE, view)
            rating = await Tickets(session).rating(ticket_id, ticket.reopen_count)
            if view.state != State.RESOLVED or rating is None or rating.satisfaction is not None:
                if await _answered(session, ticket, satisfaction=value):
                    return Outcome(view, replayed=True)
                raise Stale(ticket_id, view.state)
            rating.satisfaction = value
            label = SATISFACTION_LABELS[value]
            await self._event(session, ticket_id, actor, Action.RATE, now, None, None,
                              note=label, data={"satisfaction": value})
            if value == "dissatisfied":
                return await self._reopen(session, ticket, actor, now, "不满意")
            await self._move(session, ticket, Action.CLOSE, actor, now, {"closed_at": now, "next_check_at": None}, note=label)
            view = await build_view(session, ticket, self.units)
            notices = []
            if view.assignee_telegram_id:
                notices.append(Notice(view.assignee_telegram_id, NoticeKind.CLOSED, view, label))
            notices = await outbox.queue_notices(session, notices, now)
        return Outcome(view, notices)

    async def _reopen(self, session: AsyncSession, ticket: Ticket, actor: Actor, now: datetime, why: str) -> Outcome:
        if ticket.department_id is not None:
            # Escalated once, a ticket only leaves 已吹哨 by 办结: the department resolved it.
            return await self._reopen_to_department(session, ticket, actor, now, why)
        # 重办 goes back to the same grid member with fresh windows.
        accept_by, resolve_by = self.deadlines(now, ticket.category, ticket.urgent)
        await self._move(
            session, ticket, Action.REOPEN, actor, now,
            {"reopen_count": ticket.reopen_count + 1, "resolved_at": None, "dispatched_at": now, "reopen_reason": None,
             "accepted_at": None, "accept_deadline": accept_by, "resolve_deadline": resolve_by,
             "escalation_level": 0, "next_check_at": review_at(State.REOPENED, now)},
            note=why, data=window_data(accept_deadline=accept_by, resolve_deadline=resolve_by),
        )
        view = await build_view(session, ticket, self.units)
        notices = [Notice(view.resident_telegram_id, NoticeKind.REOPENED_RESIDENT, view, why)]
        if view.assignee_telegram_id:
            notices.append(Notice(view.assignee_telegram_id, NoticeKind.REOPENED, view, why))
        return Outcome(view, await outbox.queue_notices(session, notices, now), reopened=True)

    async def _reopen_to_department(self, session: AsyncSession, ticket: Ticket, actor: Actor, now: datetime,
                                    why: str) -> Outcome:
        """重办 of a ticket a department resolved: back to that department (已吹哨, to 签收
        again) with a fresh 办结 window on the department's clock. Its contacts are told, and
        the resident; the grid member is not (it is not theirs to redo)."""
        _, resolve_by = self.department_deadlines(now, ticket.urgent)
        await self._move(
            session, ticket, Action.REOPEN, actor, now,
            {"reopen_count": ticket.reopen_count + 1, "resolved_at": None, "department_accepted_at": None,
             "reopen_reason": None, "resolve_deadline": resolve_by, "escalation_level": 0, "next_check_at": review_at(State.ESCALATED, now)},
            note=why, data={"department_id": ticket.department_id, **window_data(resolve_deadline=resolve_by)},
            department=True,
        )
        view = await build_view(session, ticket, self.units)
        notices = [Notice(view.resident_telegram_id, NoticeKind.REOPENED_RESIDENT, view, why)]
        notices += [Notice(c.telegram_id, NoticeKind.DEPARTMENT_REOPENED, view, why)
                    for c in await StaffRepo(session).in_unit(ticket.department_id, Role.DEPARTMENT)]
        return Outcome(view, await outbox.queue_notices(session, notices, now), reopened=True)

    async def reopen_reason_check(self, telegram_id: int, ticket_id: int) -> TicketView:
        """Before asking for their own words: may they give the reason now? Raises as
        give_reopen_reason does, and Stale when it was given already (nothing to ask)."""
        async with self.sf() as session:
            ticket, view = await self._load(session, ticket_id)
            if not await self._may_give_reason(session, ticket, view, telegram_id):
                raise Stale(ticket_id, view.state)
        return view

    async def _may_give_reason(self, session: AsyncSession, ticket: Ticket, view: TicketView, telegram_id: int) -> bool:
        """False when the reason was given already; raises when it may not be given."""
        reopen = next((e for e in reversed(await Tickets(session).events(ticket.id))
                       if e.action == Action.REOPEN.value), None)
        if reopen is None or reopen.actor_telegram_id != telegram_id:
            raise NotAllowed(Action.REOPEN_REASON, ticket.id)
        if ticket.reopen_reason is not None:
            return False
        if view.state not in OPEN_STATES:
            raise Stale(ticket.id, view.state)
        return True

    async def give_reopen_reason(self, telegram_id: int, ticket_id: int, reason: str) -> Outcome:
        """Why the resident said 未解决 or 不满意: one of tickets.closing.reasons.REOPEN_REASONS
        or their own words, kept on the ticket for its handler (who is told) and as an event.
        Only the one whose answer reopened it, once per 重办, while the 重办 is open: NotAllowed
        for anyone else; Stale once it moved on; given already: replayed, nothing changed."""
        reason = cleaned(reason)
        now = self.clock()
        async with self._tx() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            if not await self._may_give_reason(session, ticket, view, telegram_id):
                return Outcome(view, replayed=True)
            if not await Tickets(session).move(ticket, ticket.state, {"reopen_reason": reason, "updated_at": now}):
                raise Stale(ticket_id, view.state)
            await self._event(session, ticket_id, actor, Action.REOPEN_REASON, now, None, None, note=reason)
            view = await build_view(session, ticket, self.units)
            told = await routing.holders(session, view.state.value, view.grid_id, view.assignee_telegram_id,
                                         view.department_id)
            notices = await outbox.queue_notices(
                session, [Notice(chat, NoticeKind.REOPEN_REASON, view, reason) for chat in told], now)
        return Outcome(view, notices)
