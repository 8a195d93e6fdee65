"""支部议单 and 社区派单: the community's cadre (or branch secretary) reviews new orders:
approve (publish to the members), decline with a reason, merge into another order, or
turn it into a complaint ticket through the ticket workflow. Plus the sweep that sends
members' notices held through quiet hours."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from service_orders import rules
from service_orders.base import Person, sane_id
from service_orders.contact import writes
from service_orders.desk import OrderDesk
from service_orders.errors import OrderRefused
from service_orders.states import MERGE_TARGETS, OrderAction, OrderState, target_of
from service_orders.views import Broadcast, OrderOutcome, OrderView
from service_orders.views import OrderNoticeKind as K
from storage.models import Resident, ServiceOrder
from tickets.errors import WorkflowError
from tickets.reports import Report

MERGE_CHOICES = 8
HELD_BATCH = 50


class ReviewService(OrderDesk):
    def __init__(self, *args: Any, tickets: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tickets = tickets  # tickets.service.TicketService, for 转工单

    async def _reviewable(self, session, telegram_id: int, order_id: int, action: OrderAction) -> tuple[Person, ServiceOrder]:
        person = await self.person(session, telegram_id)
        order = await self._order(session, order_id)
        if not rules.can_review(person, order.community_id):
            raise OrderRefused("not_allowed")
        if target_of(action, OrderState(order.state)) is None:
            raise OrderRefused("stale", order.state)
        return person, order

    async def check(self, telegram_id: int, order_id: int, action: OrderAction = OrderAction.DECLINE) -> OrderView:
        """Ask before prompting for a reason, so nobody types in vain."""
        async with self.sf() as session:
            _, order = await self._reviewable(session, telegram_id, order_id, action)
            return await self._view(session, order)

    async def approve(self, telegram_id: int, order_id: int) -> OrderOutcome:
        now = self.clock()
        async with self._tx() as session:
            person, order = await self._reviewable(session, telegram_id, order_id, OrderAction.APPROVE)
            # A returned order goes out again: whoever took it before is no longer on it.
            await self._move(session, order, OrderAction.APPROVE, person, now,
                             {"reviewed_at": now, "taker_id": None, "taken_at": None, **self._publish_values(now)})
            view = await self._view(session, order)
            outcome = OrderOutcome(view, self._to_resident(view, K.PUBLISHED), await self._broadcast(session, order, view),
                                   contact=writes(person, view))  # the card keeps 联系点单人 for a cadre
            return await self._queued(session, order, outcome)

    async def decline(self, telegram_id: int, order_id: int, reason: str) -> OrderOutcome:
        reason = reason.strip()
        if not reason:
            raise OrderRefused("bad_input")
        now = self.clock()
        async with self._tx() as session:
            person, order = await self._reviewable(session, telegram_id, order_id, OrderAction.DECLINE)
            await self._move(session, order, OrderAction.DECLINE, person, now,
                             {"reviewed_at": now, "decline_reason": reason, "closed_at": now}, note=reason)
            view = await self._view(session, order)
            return await self._queued(session, order, OrderOutcome(view, self._to_resident(view, K.DECLINED, reason)))

    async def merge_options(self, telegram_id: int, order_id: int) -> tuple[OrderView, list[OrderView]]:
        async with self.sf() as session:
            _, order = await self._reviewable(session, telegram_id, order_id, OrderAction.MERGE)
            rows = (await session.execute(
                select(ServiceOrder).where(
                    ServiceOrder.community_id == order.community_id, ServiceOrder.id != order.id,
                    ServiceOrder.state.in_([s.value for s in MERGE_TARGETS]))
                .order_by(ServiceOrder.id.desc()).limit(MERGE_CHOICES)
            )).scalars().all()
            return await self._view(session, order), [await self._view(session, o) for o in rows]

    async def merge(self, telegram_id: int, order_id: int, into_id: int) -> OrderOutcome:
        now = self.clock()
        async with self._tx() as session:
            person, order = await self._reviewable(session, telegram_id, order_id, OrderAction.MERGE)
            into = await session.get(ServiceOrder, into_id) if sane_id(into_id) else None
            # The target comes from a button: it must be alive and of the same community.
            if into is None or into.id == order.id or into.community_id != order.community_id:
                raise OrderRefused("not_found")
            if OrderState(into.state) not in MERGE_TARGETS:
                raise OrderRefused("stale", into.state)
            await self._move(session, order, OrderAction.MERGE, person, now,
                             {"reviewed_at": now, "merged_into_id": into.id, "closed_at": now},
                             data={"into": into.id})
            view = await self._view(session, order)
            return await self._queued(session, order, OrderOutcome(view, self._to_resident(view, K.MERGED, str(into.id))))

    async def convert(self, telegram_id: int, order_id: int) -> OrderOutcome:
        """转工单: the request is really a problem to fix (a broken lamp, not a favour).

        The ticket opens through the ticket workflow's intake, keyed on the order's own
        message: pressing twice, or a 上报 of the same message earlier, finds that ticket
        instead of opening a second. The intake commits on its own (it takes the same
        write lock), so the order moves in a second transaction, by compare-and-set."""
        if self.tickets is None:
            raise OrderRefused("not_allowed")
        async with self.sf() as session:
            _, order = await self._reviewable(session, telegram_id, order_id, OrderAction.CONVERT)
            resident = await session.get(Resident, order.resident_id)
            if resident is None or resident.erased_at is not None:
                raise OrderRefused("stale", order.state)
            report = Report(telegram_id=resident.telegram_id, chat_id=order.source_chat_id,
                            message_id=order.source_message_id, text=order.text, name=resident.name)
        now = self.clock()
        try:
            prediction = self.tickets.classifier.classify(report.text)
            ticket_outcome = await self.tickets.intake.submit(report, prediction, now)
        except WorkflowError as exc:
            raise OrderRefused("stale", order.state) from exc
        async with self._tx() as session:
            person, order = await self._reviewable(session, telegram_id, order_id, OrderAction.CONVERT)
            ticket_id = ticket_outcome.ticket.id
            await self._move(session, order, OrderAction.CONVERT, person, now,
                             {"reviewed_at": now, "ticket_id": ticket_id, "closed_at": now},
                             data={"ticket_id": ticket_id})
            view = await self._view(session, order)
            return await self._queued(session, order, OrderOutcome(view, self._to_resident(view, K.CONVERTED, str(ticket_id)),
                                ticket_outcome=ticket_outcome))

    async def release_held(self, now: datetime) -> list[Broadcast]:
        """Members' notices held the old way (announced_at unset, from before held notices
        waited in the outbox: OrderDesk._queued), sent once quiet hours end. Each order is
        claimed by a conditional UPDATE before it is handed out, so two sweeps never both send it."""
        out: list[Broadcast] = []
        async with self._tx() as session:
            rows = (await session.execute(
                select(ServiceOrder).where(
                    ServiceOrder.state == OrderState.PUBLISHED.value, ServiceOrder.announced_at.is_(None),
                    ServiceOrder.announce_at <= now)
                .order_by(ServiceOrder.announce_at, ServiceOrder.id).limit(HELD_BATCH)
            )).scalars().all()
            for order in rows:
                claimed = await session.execute(
                    update(ServiceOrder)
                    .where(ServiceOrder.id == order.id, ServiceOrder.announced_at.is_(None))
                    .values(announced_at=now)
                    .execution_options(synchronize_session=False))
                if claimed.rowcount != 1:
                    continue
                await session.refresh(order)
                self._event(session, order.id, None, OrderAction.ANNOUNCE, now, None, None)
                view = await self._view(session, order)
                broadcast = await self._broadcast(session, order, view)
                broadcast = (await self._queued(session, order, OrderOutcome(view, broadcast=broadcast))).broadcast
                if broadcast is not None:
                    out.append(broadcast)
        return out
