"""撤销 and 无效: a ticket closed without 办结, for good.

* 撤销: the reporter withdraws their own ticket, at any time until it is resolved. Whoever
  follows it (the duplicate offer's 关注) is told it is no longer handled, once.
* 无效: its handler (the assignee or the grid's backup) or a cadre above it closes it as
  not a matter for the grid, with a reason the resident is told. Figures count it apart
  (figures.kpi), and the cadre's /overdue lists every one (supervision.overdue).

Whoever held the ticket is told, through the outbox, in the same transaction; the cards
they hold are brought up to date without buttons when that notice is delivered
(handlers.shared.delivery). A replayed press finds the ticket already closed that way and
changes nothing (``Outcome.replayed``).

A mixin of tickets.service.TicketService (like tickets.feedback): it uses the workflow's
transaction and helpers (_tx, actor, _load, _guard, _move, units, clock).
"""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tickets import outbox, routing
from tickets.closing.reasons import cleaned
from tickets.lifecycle import TRANSITIONS, Action
from tickets.views import Notice, NoticeKind, Outcome, TicketView, build_view


async def _holders(session: AsyncSession, view: TicketView, but: int) -> list[int]:
    chats = await routing.holders(session, view.state.value, view.grid_id, view.assignee_telegram_id,
                                  view.department_id)
    return [c for c in chats if c != but]


class Closures:
    async def cancel(self, telegram_id: int, ticket_id: int) -> Outcome:
        """撤销: the reporter's own ticket, while open. NotAllowed for anyone else, Stale once
        resolved or closed otherwise; already withdrawn: the view, replayed, nothing changed."""
        return await self._close(telegram_id, ticket_id, Action.CANCEL, None)

    async def invalidate(self, telegram_id: int, ticket_id: int, reason: str) -> Outcome:
        """无效, with a reason (one of tickets.closing.reasons.INVALID_REASONS or free text,
        NotFound if empty): by the ticket's handler or a cadre above it, while open. The
        resident (and whoever follows the ticket) hears the reason; the other holders too.
        Already 无效: the view, replayed, nothing changed."""
        return await self._close(telegram_id, ticket_id, Action.INVALIDATE, cleaned(reason))

    async def _close(self, telegram_id: int, ticket_id: int, action: Action, reason: str | None) -> Outcome:
        now = self.clock()
        async with self._tx() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            self._guard(actor, action, view)
            if view.state == TRANSITIONS[action].target:
                return Outcome(view, replayed=True)
            told = await _holders(session, view, telegram_id)  # as it stood: who holds it depends on the state
            await self._move(session, ticket, action, actor, now, {"closed_at": now, "next_check_at": None},
                             note=reason, data={"reason": reason} if reason else None)
            view = await build_view(session, ticket, self.units)
            if action == Action.CANCEL:
                # Followers reported the same problem: they hear it is no longer handled (never
                # who withdrew it, nor their words), so they can report it again if it persists.
                notices = [*(Notice(chat, NoticeKind.CANCELLED, view) for chat in told),
                           *(Notice(f, NoticeKind.CANCELLED_FOLLOWER, view) for f in view.follower_telegram_ids
                             if f != view.resident_telegram_id)]
            else:
                notices = [Notice(view.resident_telegram_id, NoticeKind.INVALID_RESIDENT, view, reason, actor.name),
                           *(Notice(chat, NoticeKind.INVALID_STAFF, view, reason, actor.name) for chat in told)]
            notices = await outbox.queue_notices(session, notices, now)
        return Outcome(view, notices)
