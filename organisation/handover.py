"""交接: when a staff member is deactivated or moved, their open tickets do not wait for
them. Each goes to a stand-in of the ticket's grid (its micro-grid's member, else the
grid's backup; for a micro-grid member, the grid's own member too), or, with nobody to
take it, back to the cadre as returned (退回).

The deadlines keep running: the resident's clock does not restart because the office
reorganised (a cadre may still 转派, which gives fresh windows). Every move is a ticket
event, and the people concerned are queued in the outbox, which the running bot
delivers (an import from the command line cannot send anything itself).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Resident, Staff, Ticket, TicketEvent
from storage.repositories import StaffRepo, Tickets
from supervision.reminders import review_at
from tickets import outbox, routing
from tickets.lifecycle import ASSIGNEE_STATES, Action, State, target_of
from tickets.policy import Role
from tickets.views import NoticeKind

SYSTEM_NAME = "组织调整"  # who the ticket history says moved it (the actor of the event)


@dataclass(frozen=True)
class HandedOver:
    ticket_id: int
    from_name: str
    to_name: str | None  # None: returned to the cadre

    @property
    def returned(self) -> bool:
        return self.to_name is None


async def _stand_ins(session: AsyncSession, ticket: Ticket, leaver: Staff, leaver_was_micro: bool) -> list[Staff]:
    repo = StaffRepo(session)
    found: list[Staff] = []
    if ticket.micro_grid_id is not None:
        found += list(await repo.in_unit(ticket.micro_grid_id, Role.GRID_MEMBER))
    grid_members = list(await repo.in_unit(ticket.grid_id, Role.GRID_MEMBER))
    found += [s for s in grid_members if s.is_backup]
    if leaver_was_micro:
        found += [s for s in grid_members if not s.is_backup]
    # Someone who blocked the bot would never hear of it.
    return [s for s in found if s.id != leaver.id and s.blocked_at is None]


async def hand_over(
    session: AsyncSession, leaver: Staff, now: datetime, reason: str, *,
    old_unit_kind: str = "grid", keep_unit_id: int | None = None,
) -> list[HandedOver]:
    """Move `leaver`'s open tickets on. `keep_unit_id`: the unit they moved to, whose
    tickets stay theirs. Runs in the caller's transaction; call it after the staff change
    is flushed, so stand-ins are judged on the new organisation."""
    q = (select(Ticket).where(Ticket.assignee_id == leaver.id, Ticket.state.in_([s.value for s in ASSIGNEE_STATES]))
         .order_by(Ticket.id))
    done: list[HandedOver] = []
    for ticket in (await session.execute(q)).scalars().all():
        if keep_unit_id is not None and keep_unit_id in (ticket.grid_id, ticket.micro_grid_id):
            continue
        stand_ins = await _stand_ins(session, ticket, leaver, old_unit_kind == "micro_grid")
        note = f"{leaver.name}：{reason}" if reason else leaver.name
        if stand_ins:
            moved = await _reassign(session, ticket, leaver, stand_ins[0], now, note)
        else:
            moved = await _return(session, ticket, leaver, now, note)
        if moved is not None:
            done.append(moved)
    return done


async def _resident_chat(session: AsyncSession, ticket: Ticket) -> int | None:
    resident = await session.get(Resident, ticket.resident_id)
    return None if resident is None or resident.erased_at is not None else resident.telegram_id


async def _move(session: AsyncSession, ticket: Ticket, action: Action, now: datetime, values: dict,
                note: str, data: dict) -> bool:
    source = State(ticket.state)
    target = target_of(action, source)
    if not await Tickets(session).move(ticket, source, {"state": target, "updated_at": now, **values}):
        return False  # moved by someone else meanwhile: theirs to handle
    await Tickets(session).add_event(TicketEvent(
        ticket_id=ticket.id, at=now, actor_kind="system", actor_telegram_id=None, actor_name=SYSTEM_NAME,
        action=action.value, from_state=source.value, to_state=target.value, note=note, data=data,
    ))
    return True


async def _reassign(session: AsyncSession, ticket: Ticket, leaver: Staff, to: Staff, now: datetime,
                    note: str) -> HandedOver | None:
    moved = await _move(
        session, ticket, Action.REASSIGN, now,
        {"assignee_id": to.id, "dispatched_at": now, "accepted_at": None,
         "next_check_at": review_at(State.DISPATCHED, now)},
        note, {"handover": True, "from_staff": leaver.id, "to_staff": to.id, "to_name": to.name},
    )
    if moved:
        outbox.queue(session, to.telegram_id, NoticeKind.NEW_TASK, ticket.id, now, None, SYSTEM_NAME, version=ticket.version)
        outbox.queue(session, await _resident_chat(session, ticket), NoticeKind.REASSIGNED_RESIDENT, ticket.id, now, version=ticket.version)
        return HandedOver(ticket.id, leaver.name, to.name)
    return None


async def _return(session: AsyncSession, ticket: Ticket, leaver: Staff, now: datetime, note: str) -> HandedOver | None:
    # The assignee is cleared: a moved member keeps no hold on the grid they left.
    moved = await _move(
        session, ticket, Action.RETURN, now,
        {"assignee_id": None, "return_reason": note, "next_check_at": review_at(State.RETURNED, now)},
        note, {"handover": True, "from_staff": leaver.id},
    )
    if moved:
        for cadre in await routing.supervisors(session, ticket.grid_id):
            outbox.queue(session, cadre.telegram_id, NoticeKind.RETURNED, ticket.id, now, note, SYSTEM_NAME, version=ticket.version)
        outbox.queue(session, await _resident_chat(session, ticket), NoticeKind.RETURNED_RESIDENT, ticket.id, now, version=ticket.version)
        return HandedOver(ticket.id, leaver.name, None)
    return None
