"""联系点单人: whoever serves a service order and the resident who ordered it talk through
the bot, as 联系反映人 does for a ticket (tickets.followup.relay).

* The member holding a taken order, or a cadre of its community while it is open
  (``rules.can_contact_requester``), sends a message: a RELAY event on the order and a
  notice to the resident, signed with the writer's role and the name the bot knows
  (志愿者 小李), never their Telegram identity.
* The resident answers (only on their own order, only once someone wrote to them): a
  RELAY_REPLY event and a notice to whoever wrote the message they pressed 回复 under (a
  volunteer and a cadre may both have written), else to whoever wrote last; if that writer may
  no longer contact them, to whoever holds the order now, else to the community's cadres.
  It never names the resident.
* An order served at home (``rules.at_home``) asks the resident for a phone number when it
  is taken, unless they gave one (PHONE_REQUEST; the resident gets Telegram's contact
  button); the taker may ask too. When the number is shared, each taken order with a request
  since the last share records PHONE_SHARED and its taker is told: the number is read from
  the resident when the notice is drawn, never copied into events or the outbox.

An anonymous resident stays anonymous: messages go both ways, no phone is asked for.
Every method loads the presser and the order again and checks role and ownership; each
message is queued in the outbox in the transaction that records it.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from service_orders import rules
from service_orders.base import Person, load_person
from service_orders.errors import OrderRefused
from service_orders.states import OPEN_ORDER_STATES, OrderAction, OrderState
from service_orders.views import OrderNotice, OrderOutcome, OrderView
from service_orders.views import OrderNoticeKind as K
from storage.models import OutboxMessage, Resident, ServiceMember, ServiceOrder, ServiceOrderEvent
from storage.repositories import StaffRepo
from tickets.policy import ROLE_LABELS, Role

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

TEXT_LIMIT = 1000


def writes(person: Person, view: OrderView) -> bool:
    """Does a card about this order offer this person 联系点单人 now? The same rule as the
    press (rules.can_contact_requester: the member holding it, a cadre of its community while
    it is open), and a resident who can still be reached (not one who deleted their data)."""
    return bool(view.requester_telegram_id) and rules.can_contact_requester(
        person, view.community_id, view.taker_id, view.state)


async def may_write(session: AsyncSession, telegram_id: int, view: OrderView, admins: Collection[int] = ()) -> bool:
    """`writes` for a reader known by their Telegram id, loaded now."""
    if not view.requester_telegram_id:
        return False
    return writes(await load_person(session, telegram_id, admins=admins), view)


@dataclass(frozen=True)
class Addressee:
    """Who hears the resident's answer, as the resident may be told: a member's kind (党员,
    志愿者; rules.KIND_LABELS) or None for the community's cadre, and the name the bot knows
    for them ("" when none, or when it goes to all the community's cadres)."""
    kind: str | None
    name: str = ""


def _named(person: Person, order: ServiceOrder) -> Addressee:
    member = next((m for m in person.active() if m.id == order.taker_id), None)
    kind, name = (member.kind, member.name) if member is not None else (None, person.name)
    return Addressee(kind, "" if name.strip() == str(person.telegram_id) else name.strip())


def signature(person: Person, order: ServiceOrder) -> str:
    """How the resident sees the writer: their role and the name the bot knows for them
    (志愿者 小李; a cadre: 社区干部 王书记). A name that is only a Telegram id is left out."""
    who = _named(person, order)
    label = rules.KIND_LABELS.get(who.kind, "") if who.kind else ROLE_LABELS[Role.COMMUNITY_CADRE]
    return f"{label} {who.name}".strip()


class OrderRelay:
    def __init__(self, desk: Any) -> None:  # service_orders.orders.OrderService (not imported: it builds us)
        self.desk = desk

    # -- the writer's side -------------------------------------------------------------------

    async def _writer(self, session: AsyncSession, telegram_id: int, order_id: int) -> tuple[Person, ServiceOrder]:
        person = await self.desk.person(session, telegram_id)
        order = await self.desk._order(session, order_id)
        state = OrderState(order.state)
        if not rules.can_contact_requester(person, order.community_id, order.taker_id, state):
            # The one who held it hears why (done, given up); anyone else learns nothing.
            raise OrderRefused("stale", state.value) if rules.holds(person, order.taker_id) else OrderRefused("not_allowed")
        return person, order

    async def check(self, telegram_id: int, order_id: int) -> tuple[OrderView, bool]:
        """May this person write to the order's resident? (the order, whether a phone number
        may be asked for: by its taker, of a resident who is not anonymous and gave none).
        Raises OrderRefused."""
        async with self.desk.sf() as session:
            person, order = await self._writer(session, telegram_id, order_id)
            view = await self.desk._view(session, order)
            if not view.requester_telegram_id:
                raise OrderRefused("not_found")  # the resident deleted their data
            return view, rules.holds(person, order.taker_id) and await self._may_ask_phone(session, order)

    async def to_resident(self, telegram_id: int, order_id: int, text: str) -> OrderOutcome:
        """The writer's message to the resident."""
        text = text.strip()[:TEXT_LIMIT]
        if not text:
            raise OrderRefused("bad_input")
        now = self.desk.clock()
        async with self.desk._tx() as session:
            person, order = await self._writer(session, telegram_id, order_id)
            view = await self.desk._view(session, order)
            if not view.requester_telegram_id:
                raise OrderRefused("not_found")
            sign = signature(person, order)
            event = self.desk._event(session, order.id, person, OrderAction.RELAY, now, None, None, text, {"as": sign})
            await session.flush()
            notice = OrderNotice(view.requester_telegram_id, K.RELAY, view, text, sign)
            return await self.desk._queued(session, order, OrderOutcome(view, [notice]), tag=f":e{event.id}")

    # -- the resident's side -----------------------------------------------------------------

    async def _requester(self, session: AsyncSession, telegram_id: int, order_id: int) -> tuple[Person, ServiceOrder]:
        person = await self.desk.person(session, telegram_id)
        order = await self.desk._order(session, order_id)
        if person.actor.resident_id is None or order.resident_id != person.actor.resident_id:
            raise OrderRefused("not_found")  # as for a missing order: others' ids are not confirmed
        return person, order

    @staticmethod
    async def _last_writer(session: AsyncSession, order_id: int) -> int | None:
        q = (select(ServiceOrderEvent.actor_telegram_id)
             .where(ServiceOrderEvent.order_id == order_id, ServiceOrderEvent.action == OrderAction.RELAY.value)
             .order_by(ServiceOrderEvent.id.desc()).limit(1))
        return (await session.execute(q)).scalar_one_or_none()

    @staticmethod
    async def _answered_writer(session: AsyncSession, order_id: int, chat_id: int, message_id: int | None) -> int | None:
        """Who wrote the relayed message with Telegram id `message_id` in the resident's chat:
        its outbox row (which records the id once sent) is keyed by the RELAY event
        (service_orders.desk._queued: ``...:e<event id>``). None when it is no such message."""
        if message_id is None:
            return None
        keys = (await session.execute(select(OutboxMessage.key).where(
            OutboxMessage.chat_id == chat_id, OutboxMessage.message_id == message_id,
            OutboxMessage.order_id == order_id, OutboxMessage.kind == f"order.{K.RELAY.value}"))).scalars().all()
        found = [m for m in (re.search(r":e(\d+)$", k or "") for k in keys) if m]
        if not found:
            return None
        q = select(ServiceOrderEvent.actor_telegram_id).where(
            ServiceOrderEvent.id == int(found[0].group(1)), ServiceOrderEvent.order_id == order_id,
            ServiceOrderEvent.action == OrderAction.RELAY.value)
        return (await session.execute(q)).scalar_one_or_none()

    async def _may_reply(self, session: AsyncSession, telegram_id: int, order_id: int,
                         under: int | None = None) -> tuple[Person, ServiceOrder, int]:
        person, order = await self._requester(session, telegram_id, order_id)
        # Telegram names the message a button was under (not the callback data): trusted.
        writer = (await self._answered_writer(session, order.id, telegram_id, under)
                  or await self._last_writer(session, order.id))
        if writer is None:
            raise OrderRefused("not_allowed")  # nobody wrote to them: nothing to answer
        if OrderState(order.state) not in OPEN_ORDER_STATES:
            raise OrderRefused("stale", order.state)
        return person, order, writer

    async def check_reply(self, telegram_id: int, order_id: int, under: int | None = None) -> Addressee:
        """May the resident answer on this order (theirs, someone wrote to them, still open)?
        Whom the answer would reach, for the prompt (`under`: as for to_writer)."""
        async with self.desk.sf() as session:
            _, order, writer = await self._may_reply(session, telegram_id, order_id, under)
            return (await self._current(session, order, writer))[1]

    async def to_writer(self, telegram_id: int, order_id: int, text: str, under: int | None = None) -> OrderOutcome:
        """The resident's answer, to whoever wrote the message with Telegram id `under` in
        their chat (the one they pressed 回复 under), else to whoever wrote last; to whoever
        holds the order now when that writer may no longer contact them."""
        text = text.strip()[:TEXT_LIMIT]
        if not text:
            raise OrderRefused("bad_input")
        now = self.desk.clock()
        async with self.desk._tx() as session:
            person, order, writer = await self._may_reply(session, telegram_id, order_id, under)
            view = await self.desk._view(session, order)
            chats, addressee = await self._current(session, order, writer)
            # The resident's words, without their name: the event says only that they answered.
            event = self.desk._event(session, order.id, None, OrderAction.RELAY_REPLY, now, None, None, text,
                                     {"by": "resident"})
            await session.flush()
            notices = [OrderNotice(c, K.RELAY_REPLY, view, text) for c in chats]
            outcome = OrderOutcome(view, notices, addressee=addressee)
            return await self.desk._queued(session, order, outcome, tag=f":e{event.id}")

    async def _current(self, session: AsyncSession, order: ServiceOrder,
                       writer: int | None) -> tuple[list[int], Addressee]:
        """Who hears the resident now (and how the resident may be told whom): the last writer
        while they may still write to them, else the member holding the order, else the
        community's cadres."""
        if writer is not None:
            who = await self.desk.person(session, writer)
            if rules.can_contact_requester(who, order.community_id, order.taker_id, OrderState(order.state)):
                return [writer], _named(who, order)
        if order.state == OrderState.TAKEN and order.taker_id:
            member = await session.get(ServiceMember, order.taker_id)
            if member is not None:
                return [member.telegram_id], Addressee(member.kind, member.name.strip())
        cadres = await StaffRepo(session).in_unit(order.community_id, Role.COMMUNITY_CADRE)
        return [s.telegram_id for s in cadres], Addressee(None)

    # -- the phone number ----------------------------------------------------------------------

    async def _may_ask_phone(self, session: AsyncSession, order: ServiceOrder) -> bool:
        resident = await session.get(Resident, order.resident_id)
        return not (resident is None or resident.erased_at is not None or resident.anonymous or resident.phone)

    async def _pending_request(self, session: AsyncSession, order_id: int) -> bool:
        q = (select(ServiceOrderEvent.action)
             .where(ServiceOrderEvent.order_id == order_id,
                    ServiceOrderEvent.action.in_([OrderAction.PHONE_REQUEST.value, OrderAction.PHONE_SHARED.value]))
             .order_by(ServiceOrderEvent.id.desc()).limit(1))
        return (await session.execute(q)).scalar_one_or_none() == OrderAction.PHONE_REQUEST.value

    async def ask_phone(self, session: AsyncSession, order: ServiceOrder, view: OrderView,
                        person: Person | None, reason: str) -> list[OrderNotice]:
        """In the caller's transaction: ask the resident for a number (the contact button),
        recorded as PHONE_REQUEST; nothing when they are anonymous, gave one already, or were
        asked since their last share."""
        if not view.requester_telegram_id or not await self._may_ask_phone(session, order):
            return []
        if await self._pending_request(session, order.id):
            return []
        sign = signature(person, order) if person is not None else ""
        self.desk._event(session, order.id, person, OrderAction.PHONE_REQUEST, self.desk.clock(), None, None,
                         None, {"reason": reason})
        return [OrderNotice(view.requester_telegram_id, K.PHONE_REQUEST, view, None, sign or None)]

    async def request_phone(self, telegram_id: int, order_id: int) -> OrderOutcome:
        """请求电话 by the member holding the order."""
        async with self.desk._tx() as session:
            person, order = await self._writer(session, telegram_id, order_id)
            if not rules.holds(person, order.taker_id) or not await self._may_ask_phone(session, order):
                raise OrderRefused("not_allowed")
            view = await self.desk._view(session, order)
            notices = await self.ask_phone(session, order, view, person, "asked")
            return await self.desk._queued(session, order, OrderOutcome(view, notices))

    async def phone_shared(self, telegram_id: int) -> list[OrderNotice]:
        """The resident shared their number: the taker of each of their taken orders with a
        request since the last share is told (see the module doc)."""
        now = self.desk.clock()
        async with self.desk._tx() as session:
            person = await self.desk.person(session, telegram_id)
            if person.actor.resident_id is None:
                return []
            orders = (await session.execute(select(ServiceOrder).where(
                ServiceOrder.resident_id == person.actor.resident_id,
                ServiceOrder.state == OrderState.TAKEN.value).order_by(ServiceOrder.id))).scalars().all()
            notices: list[OrderNotice] = []
            for order in orders:
                if not await self._pending_request(session, order.id):
                    continue
                event = self.desk._event(session, order.id, None, OrderAction.PHONE_SHARED, now, None, None)
                await session.flush()
                view = await self.desk._view(session, order)
                told = [OrderNotice(view.taker_telegram_id, K.PHONE_SHARED, view)] if view.taker_telegram_id else []
                notices += (await self.desk._queued(session, order, OrderOutcome(view, told), tag=f":e{event.id}")).notices
            return notices
