"""联系反映人: a handler and a ticket's reporter talk through the bot.

* A handler (``policy.can_contact_reporter``: the grid member handling it, the backup, a
  department while escalated to it, the cadres of an urgent one) sends a message: a RELAY
  event on the ticket, and a notice to the reporter signed with the handler's role and the
  name the organisation gave them, never their Telegram identity.
* The reporter answers (only someone a handler wrote to, only on their own ticket): a
  RELAY_REPLY event, and a notice to whoever wrote to them last, if they still may contact
  the reporter, else to whoever handles the ticket now. The answer never names the reporter.
* A handler may ask for a phone number (PHONE_REQUEST; the reporter gets Telegram's contact
  button); an emergency asks by itself. When the number is shared, each ticket with a request
  since the last share records PHONE_SHARED and its requesters are told: the number is read
  from the resident when the notice is drawn, never copied into events or the outbox.

Anonymous reports stay anonymous: the messages go both ways, but no phone is asked for.
Every method checks the presser's role and ownership again; each message is queued in the
outbox in the transaction that records it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from storage.models import Resident, Ticket, TicketEvent
from tickets import outbox, routing
from tickets.errors import NotAllowed, NotFound, ReporterGone, Stale
from tickets.lifecycle import OPEN_STATES, Action, State
from tickets.policy import ROLE_LABELS, Actor, can_contact_reporter, contact_role
from tickets.views import Notice, NoticeKind, Outcome, TicketView, build_view

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

TEXT_LIMIT = 1000
SYSTEM = "system"


def signature(actor: Actor, view: TicketView) -> str:
    """How the reporter sees the handler: 网格员 孙网格 (the name the organisation gave them)."""
    role = contact_role(actor, view.scope)
    label = ROLE_LABELS[role] if role else ""
    return f"{label} {actor.name}".strip()


class Relay:
    def __init__(self, service: Any) -> None:  # tickets.service.TicketService (not imported: it builds us)
        self.svc = service

    async def _handler(self, session: AsyncSession, telegram_id: int, ticket_id: int) -> tuple[Actor, Ticket, TicketView]:
        svc = self.svc
        actor = await svc.actor(session, telegram_id)
        ticket, view = await svc._load(session, ticket_id)
        if not can_contact_reporter(actor, view.scope):
            raise NotAllowed(Action.RELAY, ticket_id)
        if not view.resident_telegram_id:  # erased (/privacy): the ticket goes on, its reporter is gone
            raise ReporterGone(ticket_id)
        return actor, ticket, view

    async def check(self, telegram_id: int, ticket_id: int) -> TicketView:
        """May this person contact the ticket's reporter? Raises NotFound / NotAllowed."""
        async with self.svc.sf() as session:
            return (await self._handler(session, telegram_id, ticket_id))[2]

    async def _event(self, session: AsyncSession, ticket_id: int, actor: Actor | None, action: Action,
                     note: str | None, data: dict | None = None, *, kind: str | None = None) -> TicketEvent:
        kind = kind or (SYSTEM if actor is None else ("staff" if actor.is_staff else "resident"))
        event = TicketEvent(ticket_id=ticket_id, at=self.svc.clock(), actor_kind=kind,
                            actor_telegram_id=actor.telegram_id if actor else None,
                            actor_name=actor.name if actor and kind != "resident" else "",
                            action=action.value, note=note, data=data)
        session.add(event)
        await session.flush()
        return event

    async def to_resident(self, telegram_id: int, ticket_id: int, text: str) -> Outcome:
        """The handler's message to the reporter."""
        text = text.strip()[:TEXT_LIMIT]
        if not text:
            raise NotAllowed(Action.RELAY, ticket_id)
        now = self.svc.clock()
        async with self.svc._tx() as session:
            actor, ticket, view = await self._handler(session, telegram_id, ticket_id)
            sign = signature(actor, view)
            event = await self._event(session, ticket_id, actor, Action.RELAY, text, {"as": sign})
            notice = Notice(view.resident_telegram_id, NoticeKind.RELAY_TO_RESIDENT, view, text, sign)
            notices = await outbox.queue_notices(session, [notice], now, tag=f":e{event.id}")
        return Outcome(view, notices)

    async def _reporter(self, session: AsyncSession, telegram_id: int, ticket_id: int) -> tuple[Actor, Ticket]:
        actor = await self.svc.actor(session, telegram_id)
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None or actor.resident_id is None or ticket.resident_id != actor.resident_id:
            raise NotFound(ticket_id)  # as for a missing ticket: others' ids are not confirmed
        return actor, ticket

    async def _last_writer(self, session: AsyncSession, ticket_id: int) -> int | None:
        q = (select(TicketEvent.actor_telegram_id)
             .where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == Action.RELAY.value)
             .order_by(TicketEvent.id.desc()).limit(1))
        return (await session.execute(q)).scalar_one_or_none()

    async def check_reply(self, telegram_id: int, ticket_id: int) -> None:
        """May the reporter answer on this ticket (someone wrote to them, it is theirs)?"""
        async with self.svc.sf() as session:
            await self._reporter(session, telegram_id, ticket_id)
            if await self._last_writer(session, ticket_id) is None:
                raise NotAllowed(Action.RELAY_REPLY, ticket_id)

    async def to_handler(self, telegram_id: int, ticket_id: int, text: str) -> Outcome:
        """The reporter's answer, to whoever wrote to them last (or handles the ticket now)."""
        text = text.strip()[:TEXT_LIMIT]
        now = self.svc.clock()
        async with self.svc._tx() as session:
            actor, ticket = await self._reporter(session, telegram_id, ticket_id)
            if not text:
                raise NotAllowed(Action.RELAY_REPLY, ticket_id)
            writer = await self._last_writer(session, ticket_id)
            if writer is None:
                raise NotAllowed(Action.RELAY_REPLY, ticket_id)
            view = await build_view(session, ticket, self.svc.units)
            if State(ticket.state) not in OPEN_STATES and State(ticket.state) != State.RESOLVED:
                raise Stale(ticket_id, State(ticket.state))
            recipients = await self._current_handlers(session, view, writer)
            event = await self._event(session, ticket_id, actor, Action.RELAY_REPLY, text, kind="resident")
            notices = [Notice(chat, NoticeKind.RELAY_TO_HANDLER, view, text) for chat in recipients]
            notices = await outbox.queue_notices(session, notices, now, tag=f":e{event.id}")
        return Outcome(view, notices)

    async def _current_handlers(self, session: AsyncSession, view: TicketView, writer: int | None) -> list[int]:
        if writer is not None:
            who = await self.svc.actor(session, writer)
            if can_contact_reporter(who, view.scope):
                return [writer]
        if view.assignee_telegram_id and view.state != State.ESCALATED:
            return [view.assignee_telegram_id]
        return [c.telegram_id for c in await routing.supervisors(session, view.grid_id)]

    async def request_phone(self, telegram_id: int, ticket_id: int) -> Outcome:
        """请求电话: the reporter is asked to share a number (not for an anonymous report)."""
        now = self.svc.clock()
        async with self.svc._tx() as session:
            actor, ticket, view = await self._handler(session, telegram_id, ticket_id)
            if view.anonymous:
                raise NotAllowed(Action.PHONE_REQUEST, ticket_id)
            sign = signature(actor, view)
            event = await self._event(session, ticket_id, actor, Action.PHONE_REQUEST, None, {"as": sign})
            notice = Notice(view.resident_telegram_id, NoticeKind.PHONE_REQUESTED, view, None, sign)
            notices = await outbox.queue_notices(session, [notice], now, tag=f":e{event.id}")
        return Outcome(view, notices)

    async def ask_phone(self, ticket_id: int, reason: str) -> bool:
        """An emergency (or a service at home) asks by itself: recorded as a system request,
        so that a number shared later reaches whoever handles the ticket. False (nothing
        recorded) when the reporter is anonymous or their number is already known."""
        async with self.svc._tx() as session:
            ticket = await session.get(Ticket, ticket_id)
            resident = await session.get(Resident, ticket.resident_id) if ticket else None
            if resident is None or ticket.anonymous or resident.anonymous or resident.phone:
                return False
            await self._event(session, ticket_id, None, Action.PHONE_REQUEST, None, {"reason": reason})
            return True

    async def phone_shared(self, telegram_id: int) -> list[Notice]:
        """The resident shared their number: tell those who asked for it (see the module doc)."""
        now = self.svc.clock()
        async with self.svc._tx() as session:
            actor = await self.svc.actor(session, telegram_id)
            if actor.resident_id is None:
                return []
            q = (select(TicketEvent).join(Ticket, Ticket.id == TicketEvent.ticket_id)
                 .where(Ticket.resident_id == actor.resident_id, Ticket.anonymous.is_(False),
                        Ticket.state.in_([s.value for s in OPEN_STATES]),
                        TicketEvent.action.in_([Action.PHONE_REQUEST.value, Action.PHONE_SHARED.value]))
                 .order_by(TicketEvent.id))
            asked: dict[int, list[int | None]] = {}
            for e in (await session.execute(q)).scalars():
                if e.action == Action.PHONE_SHARED.value:
                    asked.pop(e.ticket_id, None)
                else:
                    asked.setdefault(e.ticket_id, []).append(e.actor_telegram_id)
            notices: list[Notice] = []
            for ticket_id, requesters in asked.items():
                ticket, view = await self.svc._load(session, ticket_id)
                chats: list[int] = []
                for r in dict.fromkeys(requesters):
                    chats += await self._current_handlers(session, view, r)
                event = await self._event(session, ticket_id, actor, Action.PHONE_SHARED, None, kind="resident")
                batch = [Notice(c, NoticeKind.PHONE_SHARED, view) for c in dict.fromkeys(chats)]
                notices += await outbox.queue_notices(session, batch, now, tag=f":e{event.id}")
        return notices
