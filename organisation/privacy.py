"""What a resident has told us, and their say over it: anonymous reports, a shared phone
number (shown in full only to whoever handles their ticket, masked elsewhere, never
logged), and deleting their data.

Deleting keeps the tickets (a grid's record of its problems is the office's: the problem
as reported, with its edits, 补充 and photos) but cuts them loose from the person: name and
phone are cleared, the Telegram id on the resident row, on the tickets' source chat and on
the history is replaced or removed, and the tickets become anonymous. Everything else the
person said or did goes (``_forget``): what passed between them and a handler (联系反映人),
their service orders' words and their events', their settings and dialog state, the
messages queued for them; poll votes stay counted, without their author. The person can
start afresh as a new resident.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from organisation import audit
from storage import updates
from storage.models import (
    DialogState,
    MatterPoll,
    MatterVote,
    OutboxMessage,
    PointEntry,
    ServiceMember,
    ServiceOrder,
    ServiceOrderEvent,
    Ticket,
    TicketEvent,
    Unit,
    UserSetting,
)
from service_orders.states import OPEN_ORDER_STATES
from storage.repositories import Residents
from tickets.closing.reasons import REOPEN_REASONS
from tickets.lifecycle import OPEN_STATES

_DIGITS = re.compile(r"\d")


def normalise_phone(raw: str | None) -> str | None:
    """Digits with an optional leading +, or None when it does not look like a number."""
    if not raw:
        return None
    raw = raw.strip()
    digits = "".join(_DIGITS.findall(raw))
    if not 5 <= len(digits) <= 15 or re.search(r"[^\d+\-\s()]", raw):
        return None
    return ("+" if raw.startswith("+") else "") + digits


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits of the national number."""
    if not phone:
        return ""
    digits = "".join(_DIGITS.findall(phone))
    if phone.startswith("+86") or (len(digits) == 13 and digits.startswith("86")):
        digits = digits[2:]
    if len(digits) < 8:
        return "*" * max(len(digits) - 2, 2) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


@dataclass(frozen=True)
class Stored:
    """What /privacy shows a resident about themselves."""

    registered: bool
    name: str = ""
    grid_name: str = ""
    phone_masked: str = ""
    anonymous: bool = False
    tickets: int = 0
    open_tickets: int = 0
    orders: int = 0       # their service orders (点单); erase() empties their words, not their state
    open_orders: int = 0


class Privacy:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, lock: asyncio.Lock | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.sf = session_factory
        self.lock = lock
        self.clock = clock

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        async with self.lock or nullcontext():
            async with self.sf() as session, session.begin():
                yield session

    async def stored(self, telegram_id: int) -> Stored:
        async with self.sf() as session:
            resident = await Residents(session).by_telegram_id(telegram_id)
            if resident is None:
                return Stored(False)
            grid = await session.get(Unit, resident.grid_id) if resident.grid_id else None
            micro = await session.get(Unit, resident.micro_grid_id) if resident.micro_grid_id else None
            counts = (await session.execute(
                select(func.count(Ticket.id),
                       func.count(Ticket.id).filter(Ticket.state.in_([s.value for s in OPEN_STATES])))
                .where(Ticket.resident_id == resident.id)
            )).one()
            orders = (await session.execute(
                select(func.count(ServiceOrder.id),
                       func.count(ServiceOrder.id).filter(ServiceOrder.state.in_([s.value for s in OPEN_ORDER_STATES])))
                .where(ServiceOrder.resident_id == resident.id)
            )).one()
            place = " ".join(u.name for u in (grid, micro) if u)
            return Stored(True, resident.name, place, mask_phone(resident.phone), resident.anonymous,
                          counts[0], counts[1], orders[0], orders[1])

    async def set_anonymous(self, telegram_id: int, on: bool) -> bool:
        """False when the person is not a resident yet (nothing to set)."""
        async with self._tx() as session:
            resident = await Residents(session).by_telegram_id(telegram_id)
            if resident is None:
                return False
            resident.anonymous = on
            return True

    async def set_phone(self, telegram_id: int, phone: str | None) -> str:
        """Store (or with None, forget) the resident's number; the masked form back."""
        async with self._tx() as session:
            residents = Residents(session)
            resident = await residents.by_telegram_id(telegram_id)
            if resident is None:
                if phone is None:
                    return ""
                resident, _ = await residents.upsert(telegram_id, self.clock())
            resident.phone = phone
            return mask_phone(phone)

    async def erase(self, telegram_id: int) -> int:
        """Delete the resident's data; returns how many tickets were anonymised."""
        now = self.clock()
        async with self._tx() as session:
            resident = await Residents(session).by_telegram_id(telegram_id)
            if resident is None:
                return 0
            # Which of their messages were handled names their chat: forgotten too, and this
            # command's own update is not recorded after it (erasing again changes nothing).
            await updates.forget_chat(session, telegram_id)
            updates.leave_unrecorded()
            # A negative id: never a user's, and unique because resident ids are.
            pseudo = -resident.id
            tickets = (await session.execute(
                update(Ticket).where(Ticket.resident_id == resident.id).values(anonymous=True)
                .execution_options(synchronize_session=False)
            )).rowcount
            await session.execute(
                update(Ticket).where(Ticket.resident_id == resident.id, Ticket.source_chat_id == telegram_id)
                .values(source_chat_id=pseudo).execution_options(synchronize_session=False)
            )
            await session.execute(
                update(TicketEvent)
                .where(TicketEvent.actor_kind == "resident", TicketEvent.actor_telegram_id == telegram_id)
                .values(actor_telegram_id=None, actor_name="").execution_options(synchronize_session=False)
            )
            await _forget(session, resident.id, telegram_id, pseudo)
            resident.telegram_id = pseudo
            resident.name, resident.phone, resident.anonymous = "", None, True
            resident.grid_id = resident.micro_grid_id = None
            resident.erased_at = now
            await audit.record(session, None, "privacy.erase", "resident", resident.id, now,
                               data={"tickets": tickets})
            return tickets


# Events whose words passed between the resident and a handler (联系反映人) or whoever
# served their order (联系点单人): the same actions on tickets and on service orders.
_CONVERSATION = ("relay", "relay_reply", "phone_request", "phone_shared")
_DONE = {"synchronize_session": False}


async def _forget(session: AsyncSession, resident_id: int, telegram_id: int, pseudo: int) -> None:
    """Every trace of the person outside the tickets' record (see the module doc)."""
    tickets = select(Ticket.id).where(Ticket.resident_id == resident_id)
    await session.execute(update(TicketEvent).where(TicketEvent.ticket_id.in_(tickets),
                                                    TicketEvent.action.in_(_CONVERSATION))
                          .values(note=None, data=None).execution_options(**_DONE))
    # A 重办 reason in their own words goes (a one-tap reason from the list says nothing of them).
    await session.execute(update(TicketEvent).where(TicketEvent.ticket_id.in_(tickets),
                                                    TicketEvent.action == "reopen_reason",
                                                    TicketEvent.note.not_in(REOPEN_REASONS))
                          .values(note=None).execution_options(**_DONE))
    await session.execute(update(Ticket).where(Ticket.resident_id == resident_id,
                                               Ticket.reopen_reason.not_in(REOPEN_REASONS))
                          .values(reopen_reason=None).execution_options(**_DONE))
    # Messages for them (sent or not, nobody can reach them now) go; those about their
    # tickets lose their words (a relayed answer, a 补充).
    await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == telegram_id)
                          .execution_options(**_DONE))
    await session.execute(update(OutboxMessage).where(OutboxMessage.ticket_id.in_(tickets))
                          .values(note=None).execution_options(**_DONE))
    orders = select(ServiceOrder.id).where(ServiceOrder.resident_id == resident_id)
    await session.execute(update(ServiceOrderEvent).where(ServiceOrderEvent.order_id.in_(orders))
                          .values(note=None, data=None).execution_options(**_DONE))
    # What they wrote to others about others' orders (联系点单人, as a volunteer) goes too.
    await session.execute(update(ServiceOrderEvent).where(ServiceOrderEvent.actor_telegram_id == telegram_id,
                                                          ServiceOrderEvent.action.in_(_CONVERSATION))
                          .values(note=None, data=None).execution_options(**_DONE))
    await session.execute(update(ServiceOrderEvent).where(ServiceOrderEvent.actor_telegram_id == telegram_id)
                          .values(actor_telegram_id=None, actor_name="").execution_options(**_DONE))
    await session.execute(update(OutboxMessage).where(OutboxMessage.order_id.in_(orders))
                          .values(note=None).execution_options(**_DONE))
    await session.execute(update(ServiceOrder).where(ServiceOrder.resident_id == resident_id)
                          .values(text="", done_note=None, decline_reason=None,
                                  source_chat_id=pseudo).execution_options(**_DONE))
    # Votes stay counted; their author is a number that points at nobody.
    await session.execute(update(MatterVote).where(MatterVote.telegram_id == telegram_id)
                          .values(telegram_id=pseudo).execution_options(**_DONE))
    await session.execute(update(MatterPoll).where(MatterPoll.chat_id == telegram_id)
                          .values(chat_id=pseudo).execution_options(**_DONE))
    await session.execute(update(PointEntry).where(PointEntry.telegram_id == telegram_id)
                          .values(telegram_id=pseudo, name="").execution_options(**_DONE))
    await session.execute(update(ServiceMember).where(ServiceMember.telegram_id == telegram_id)
                          .values(telegram_id=pseudo, name="", status="left").execution_options(**_DONE))
    # The audit log is left as it is: it records acts on the organisation (an invite tried or
    # redeemed), it is append-only in the database and hash-chained, and an erasure that edited it
    # would be the rewrite the chain exists to expose. Accountability for those acts outlives the
    # request; the erasure itself is appended to it (privacy.erase, by internal id).
    await session.execute(delete(UserSetting).where(UserSetting.telegram_id == telegram_id)
                          .execution_options(**_DONE))
    # bot:chat:user:…: any dialog where they are the chat or the user.
    await session.execute(delete(DialogState).where(or_(
        DialogState.key.like(f"%:{telegram_id}:%"), DialogState.key.like(f"%:{telegram_id}")))
        .execution_options(**_DONE))
