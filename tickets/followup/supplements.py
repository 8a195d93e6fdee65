"""补充: text, photos or a location a resident sends soon after a report, or while it is
still unaccepted, asked about in one tap and added to that ticket.

* ``recent``: the ticket such a message may belong to: the resident's newest open ticket
  opened within ``window``, or still waiting for 签收 (待派单, 待签收) however old.
* ``add``: the material goes onto the ticket as a SUPPLEMENT event (photos as attachments
  of the report, a location onto a ticket that had none), and whoever handles it is told
  through the outbox, in the same transaction.

The handler's notice carries the material in its outbox note (``encode``/``decode``):
rendering happens at send time, possibly after a restart, from the row alone.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select

from storage.models import Attachment, Resident, Ticket, TicketEvent
from tickets import outbox, routing
from tickets.errors import NotAllowed, NotFound, Stale
from tickets.lifecycle import OPEN_STATES, Action, State
from tickets.views import Notice, NoticeKind, Outcome, TicketView, build_view

UNACCEPTED = (State.NEW.value, State.DISPATCHED.value)
MAX_PHOTOS = 10  # one album
NOTE_LIMIT = 1000  # characters of text kept on the event


@dataclass(frozen=True)
class Material:
    """What a supplement adds: text (may be empty), photos' file ids, a location or None."""

    text: str = ""
    photos: tuple[str, ...] = ()
    location: tuple[float, float] | None = None

    def empty(self) -> bool:
        return not self.text.strip() and not self.photos and self.location is None


def encode(m: Material) -> str:
    """The outbox note of a SUPPLEMENTED notice: JSON {"text", "photos", "location"}."""
    return json.dumps({"text": m.text, "photos": list(m.photos),
                       "location": list(m.location) if m.location else None}, ensure_ascii=False)


def decode(note: str | None) -> Material:
    """Back from ``encode``; anything unreadable is plain text."""
    try:
        data: Any = json.loads(note or "")
    except ValueError:
        return Material(note or "")
    if not isinstance(data, dict):
        return Material(note or "")
    loc = data.get("location")
    return Material(str(data.get("text") or ""), tuple(str(p) for p in data.get("photos") or ()),
                    (float(loc[0]), float(loc[1])) if loc else None)


class Supplements:
    # service: tickets.service.TicketService (not imported: it builds us)
    def __init__(self, service: Any, window: timedelta | None = timedelta(minutes=10)) -> None:
        self.svc = service
        self.window = window

    async def recent(self, telegram_id: int, source: tuple[int, int] | None = None) -> TicketView | None:
        """The ticket a message just sent may add to (see the module doc), or None. None too
        when that ticket came from this very message (`source`: chat, message id), which
        Telegram delivered again."""
        if self.window is None:
            return None  # switched off (settings.conversation.supplements)
        svc = self.svc
        since = svc.clock() - self.window
        resident = select(Resident.id).where(Resident.telegram_id == telegram_id).scalar_subquery()
        q = (select(Ticket).where(Ticket.resident_id == resident,
                                  Ticket.state.in_([s.value for s in OPEN_STATES]),
                                  or_(Ticket.created_at >= since, Ticket.state.in_(UNACCEPTED)))
             .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1))
        async with svc.sf() as session:
            ticket = (await session.execute(q)).scalars().first()
            if ticket is None or (ticket.source_chat_id, ticket.source_message_id) == source:
                return None
            return await build_view(session, ticket, svc.units)

    async def add(self, telegram_id: int, ticket_id: int, material: Material) -> Outcome:
        """Add the material to the reporter's own open ticket. Raises NotFound (no such
        ticket), NotAllowed (not the reporter's), Stale (no longer open)."""
        svc, now = self.svc, self.svc.clock()
        if material.empty():
            raise NotAllowed(Action.SUPPLEMENT, ticket_id)
        material = Material(material.text.strip()[:NOTE_LIMIT], material.photos[:MAX_PHOTOS], material.location)
        async with svc._tx() as session:
            actor = await svc.actor(session, telegram_id)
            ticket = await session.get(Ticket, ticket_id)
            if ticket is None:
                raise NotFound(ticket_id)
            if actor.resident_id is None or actor.resident_id != ticket.resident_id:
                raise NotAllowed(Action.SUPPLEMENT, ticket_id)
            if State(ticket.state) not in OPEN_STATES:
                raise Stale(ticket_id, State(ticket.state))
            for file_id in material.photos:
                session.add(Attachment(ticket_id=ticket_id, kind="photo", file_id=file_id, stage="report",
                                       created_at=now))
            if material.location and ticket.latitude is None:
                ticket.latitude, ticket.longitude = material.location
            event = TicketEvent(
                ticket_id=ticket_id, at=now, actor_kind="resident", actor_telegram_id=telegram_id,
                actor_name="" if ticket.anonymous else actor.name, action=Action.SUPPLEMENT.value,
                note=material.text or None,
                data={"photos": len(material.photos), "location": list(material.location) if material.location else None})
            session.add(event)
            await session.flush()
            view = await build_view(session, ticket, svc.units)
            notices = await self._notices(session, view, encode(material))
            notices = await outbox.queue_notices(session, notices, now, tag=f":e{event.id}")
        return Outcome(view, notices)

    async def _notices(self, session, view: TicketView, note: str) -> list[Notice]:
        """Whoever handles the ticket now: its assignee, else the cadres."""
        if view.assignee_telegram_id and view.state != State.ESCALATED:
            return [Notice(view.assignee_telegram_id, NoticeKind.SUPPLEMENTED, view, note)]
        cadres = await routing.supervisors(session, view.grid_id)
        chats = [c.telegram_id for c in cadres]
        if view.assignee_telegram_id:
            chats.insert(0, view.assignee_telegram_id)
        return [Notice(c, NoticeKind.SUPPLEMENTED, view, note) for c in dict.fromkeys(chats)]
