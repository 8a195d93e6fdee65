"""居民点单, 党员接单, 党群评单: the resident's and the members' side of a service order.

Every public method runs in one transaction and commits before it returns; results are
plain data (OrderOutcome: the order, who to tell, the members' broadcast)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from service_orders import catalogue, rules
from service_orders.contact import OrderRelay, writes
from service_orders.desk import OrderDesk
from service_orders.errors import OrderRefused
from service_orders.points import ABANDONED, ORDER_DONE, SATISFIED, Award, award
from service_orders.states import OPEN_ORDER_STATES, RATINGS, OrderAction, OrderState
from service_orders.views import OrderNotice, OrderOutcome, OrderView
from service_orders.views import OrderNoticeKind as K
from storage.models import Resident, ServiceMember, ServiceOrder
from storage.repositories import Units
from tickets.policy import Role

LIST_LIMIT = 10
# A cadre's /orders lists the community's orders in these states beside those to review.
SERVING_STATES = (OrderState.PUBLISHED, OrderState.TAKEN, OrderState.DONE)
FINISHED_LIMIT = 5  # /orders lists the latest finished orders too, as finished


@dataclass
class OrdersOverview:
    """What /orders shows one person, by the hats they wear."""

    mine: list[OrderView] = field(default_factory=list)       # as a resident: still open
    finished: list[OrderView] = field(default_factory=list)   # as a resident: the latest finished
    to_take: list[OrderView] = field(default_factory=list)    # as a member: 待接单
    taking: list[OrderView] = field(default_factory=list)     # as a member: what I took
    to_review: list[OrderView] = field(default_factory=list)  # as a reviewer: 待议单
    serving: list[OrderView] = field(default_factory=list)    # as a cadre: out to the members (待接单 to 待评价)
    contact: set[int] = field(default_factory=set)             # orders whose card offers 联系点单人 (contact.writes)
    is_member: bool = False
    is_reviewer: bool = False


class OrderService(OrderDesk):
    def __init__(self, *args: Any, classifier: Any = None, per_hour: int = 10, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.classifier = classifier
        self.per_hour = per_hour  # orders one resident may open in an hour (as for reports)
        self.relay = OrderRelay(self)  # 联系点单人

    # -- 点单 ----------------------------------------------------------------------------

    async def is_help_request(self, telegram_id: int, text: str) -> bool:
        """A registered resident asking for help (求助, nothing urgent): offer 点单 beside
        a complaint. Urgent words always go straight to a ticket."""
        if self.classifier is None:
            return False
        prediction = self.classifier.classify(text.strip())
        if prediction.request_kind != "求助" or prediction.urgent:
            return False
        return await self.can_order(telegram_id)

    async def can_order(self, telegram_id: int) -> bool:
        """A resident with a grid: asked before they type, so nobody types in vain."""
        async with self.sf() as session:
            resident = (await session.execute(
                select(Resident).where(Resident.telegram_id == telegram_id))).scalar_one_or_none()
        return resident is not None and resident.grid_id is not None and resident.erased_at is None

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    async def open_order(
        self, telegram_id: int, chat_id: int, message_id: int, text: str, needed: str,
        on: date | None = None, name: str = "",
    ) -> OrderOutcome:
        text = text.strip()
        if not text:
            raise OrderRefused("bad_input")
        if needed == "date":
            if on is None or catalogue.parse_date(on.isoformat(), self.today()) is None:
                raise OrderRefused("bad_input")
            needed_on = on
        elif needed in catalogue.NEEDED:
            needed_on = catalogue.needed_on(needed, self.today())
        else:
            raise OrderRefused("bad_input")
        try:
            return await self._open(telegram_id, chat_id, message_id, text, needed, needed_on, name)
        except IntegrityError:
            # The same message stored meanwhile by another process: answer as a duplicate.
            async with self.sf() as session:
                order = await self._by_source(session, chat_id, message_id)
                if order is None:
                    raise
                return OrderOutcome(await self._view(session, order), duplicate=True)

    @staticmethod
    async def _by_source(session, chat_id: int, message_id: int) -> ServiceOrder | None:
        return (await session.execute(select(ServiceOrder).where(
            ServiceOrder.source_chat_id == chat_id, ServiceOrder.source_message_id == message_id))).scalar_one_or_none()

    async def _open(self, telegram_id, chat_id, message_id, text, needed, needed_on, name) -> OrderOutcome:
        now = self.clock()
        async with self._tx() as session:
            existing = await self._by_source(session, chat_id, message_id)
            if existing is not None:
                return OrderOutcome(await self._view(session, existing), duplicate=True)
            person = await self.person(session, telegram_id, name)
            # FOR UPDATE (PostgreSQL): one resident's orders, on any instance, take turns
            # between the count below and the insert, so the hourly limit is exact.
            resident = (await session.get(Resident, person.actor.resident_id, with_for_update=True)
                        if person.actor.resident_id else None)
            if resident is None or resident.grid_id is None or resident.erased_at is not None:
                raise OrderRefused("not_registered")
            community = (await Units(session).ancestors(resident.grid_id)).get("community")
            if community is None:
                raise OrderRefused("not_registered")
            recent = (await session.execute(select(func.count(ServiceOrder.id)).where(
                ServiceOrder.resident_id == resident.id, ServiceOrder.created_at > now - timedelta(hours=1)))).scalar_one()
            if recent >= self.per_hour:
                raise OrderRefused("rate_limited", limit=self.per_hour)
            category = catalogue.categorise(text, self.categories)
            auto = category in self.auto_approve
            order = ServiceOrder(
                state=OrderState.NEW.value, version=0, text=text, category=category, needed=needed,
                needed_on=needed_on, resident_id=resident.id, community_id=community.id, grid_id=resident.grid_id,
                source_chat_id=chat_id, source_message_id=message_id, auto_approved=auto,
                created_at=now, updated_at=now, returns=0,
            )
            session.add(order)
            await session.flush()
            self._event(session, order.id, person, OrderAction.OPEN, now, None, OrderState.NEW,
                        data={"category": category, "needed": needed,
                              "needed_on": needed_on.isoformat() if needed_on else None})
            if not auto:
                view = await self._view(session, order)
                return await self._queued(session, order, OrderOutcome(view, [
                    received(view), *await self._to_reviewers(session, view, K.REVIEW, skip=telegram_id)]))
            # 议单 by rule: the category is approved in config.
            await self._move(session, order, OrderAction.APPROVE, None, now,
                             {"reviewed_at": now, **self._publish_values(now)}, note="auto")
            view = await self._view(session, order)
            return await self._queued(session, order, OrderOutcome(view, [
                received(view), *await self._to_reviewers(session, view, K.AUTO_PUBLISHED)],
                                await self._broadcast(session, order, view)))

    async def cancel(self, telegram_id: int, order_id: int) -> OrderOutcome:
        now = self.clock()
        async with self._tx() as session:
            person = await self.person(session, telegram_id)
            order = await self._order(session, order_id)
            if person.actor.resident_id is None or person.actor.resident_id != order.resident_id:
                raise OrderRefused("not_allowed")
            await self._move(session, order, OrderAction.CANCEL, person, now, {"closed_at": now})
            return OrderOutcome(await self._view(session, order))

    # -- 接单 ----------------------------------------------------------------------------

    async def take(self, telegram_id: int, order_id: int) -> OrderOutcome:
        now = self.clock()
        async with self._tx() as session:
            person = await self.person(session, telegram_id)
            order = await self._order(session, order_id)
            member = rules.member_of(person, order.community_id)
            if member is None:
                raise OrderRefused("not_allowed")
            resident = await session.get(Resident, order.resident_id)
            if resident is not None and resident.telegram_id == telegram_id:
                raise OrderRefused("own_order")
            # The claim: whoever's UPDATE finds it still published gets it; exactly one does.
            result = await session.execute(
                update(ServiceOrder)
                .where(ServiceOrder.id == order_id, ServiceOrder.state == OrderState.PUBLISHED.value)
                .values(state=OrderState.TAKEN.value, taker_id=member.id, taken_at=now, updated_at=now,
                        version=ServiceOrder.version + 1)
                .execution_options(synchronize_session=False)
            )
            await session.refresh(order)
            if result.rowcount != 1:
                raise OrderRefused("taken" if order.state in (OrderState.TAKEN, OrderState.DONE, OrderState.CLOSED)
                                   else "stale", order.state)
            self._event(session, order.id, person, OrderAction.TAKE, now, OrderState.PUBLISHED, OrderState.TAKEN,
                        data={"member_id": member.id, "kind": member.kind})
            view = await self._view(session, order)
            notices = self._to_resident(view, K.TAKEN, actor=member.name)
            notices.append(self._notice(telegram_id, K.TAKEN_DETAIL, view))
            if rules.at_home(order.category, order.text, self.at_home):  # a number to call before the visit
                notices += await self.relay.ask_phone(session, order, view, None, "at_home")
            return await self._queued(session, order, OrderOutcome(view, notices))

    @staticmethod
    def _notice(chat_id: int, kind: K, view: OrderView, note: str | None = None, points: int = 0) -> OrderNotice:
        return OrderNotice(chat_id, kind, view, note, None, points)

    async def _taker(self, session, telegram_id: int, order: ServiceOrder) -> ServiceMember:
        member = await session.get(ServiceMember, order.taker_id) if order.taker_id else None
        if member is None or member.telegram_id != telegram_id:
            raise OrderRefused("not_allowed")
        return member

    async def check_taker(self, telegram_id: int, order_id: int) -> OrderView:
        """Before asking for a note: only the one who took it, while it is taken."""
        async with self.sf() as session:
            order = await self._order(session, order_id)
            await self._taker(session, telegram_id, order)
            if order.state != OrderState.TAKEN:
                raise OrderRefused("stale", order.state)
            return await self._view(session, order)

    async def complete(self, telegram_id: int, order_id: int, note: str) -> OrderOutcome:
        note = note.strip()
        if not note:
            raise OrderRefused("bad_input")
        now = self.clock()
        async with self._tx() as session:
            person = await self.person(session, telegram_id)
            order = await self._order(session, order_id)
            member = await self._taker(session, telegram_id, order)
            await self._move(session, order, OrderAction.COMPLETE, person, now,
                             {"done_at": now, "done_note": note}, note=note)
            got = await award(session, Award(
                key=f"order:{order.id}:done:m{member.id}", telegram_id=telegram_id, name=member.name,
                role=member.kind, community_id=order.community_id, points=self.rules.order_done,
                reason=ORDER_DONE, order_id=order.id), now)
            view = await self._view(session, order)
            notices = self._to_resident(view, K.DONE, note, member.name)
            notices += await self._to_reviewers(session, view, K.DONE_REVIEWER, note, member.name, skip=telegram_id)
            return await self._queued(session, order, OrderOutcome(view, notices, points=self.rules.order_done if got else 0))

    async def abandon(self, telegram_id: int, order_id: int) -> OrderOutcome:
        """放弃 after 接单: back to 待接单 for the others, and a deduction."""
        now = self.clock()
        async with self._tx() as session:
            person = await self.person(session, telegram_id)
            order = await self._order(session, order_id)
            member = await self._taker(session, telegram_id, order)
            version = order.version
            await self._move(session, order, OrderAction.ABANDON, person, now,
                             {"taker_id": None, "taken_at": None, **self._publish_values(now)},
                             data={"member_id": member.id})
            got = await award(session, Award(
                key=f"order:{order.id}:abandon:v{version}", telegram_id=telegram_id, name=member.name,
                role=member.kind, community_id=order.community_id, points=self.rules.abandoned,
                reason=ABANDONED, order_id=order.id), now)
            view = await self._view(session, order)
            notices = self._to_resident(view, K.ABANDONED)
            notices += await self._to_reviewers(session, view, K.ABANDONED_REVIEWER, None, member.name, skip=telegram_id)
            return await self._queued(session, order, OrderOutcome(view, notices, await self._broadcast(session, order, view, exclude=[telegram_id]),
                                points=self.rules.abandoned if got else 0))

    # -- 评单 ----------------------------------------------------------------------------

    async def rate(self, telegram_id: int, order_id: int, value: str) -> OrderOutcome:
        if value not in RATINGS:
            raise OrderRefused("bad_input")
        now = self.clock()
        async with self._tx() as session:
            person = await self.person(session, telegram_id)
            order = await self._order(session, order_id)
            if person.actor.resident_id is None or person.actor.resident_id != order.resident_id:
                raise OrderRefused("not_allowed")
            member = await session.get(ServiceMember, order.taker_id) if order.taker_id else None
            if value == "dissatisfied":
                await self._move(session, order, OrderAction.RETURN, person, now,
                                 {"rating": value, "rated_at": now, "returns": order.returns + 1}, data={"rating": value})
                view = await self._view(session, order)
                notices = await self._to_reviewers(session, view, K.RETURNED, value)
                if member is not None:
                    notices.append(self._notice(member.telegram_id, K.RATED, view, value))
                return await self._queued(session, order, OrderOutcome(view, notices))
            await self._move(session, order, OrderAction.RATE, person, now,
                             {"rating": value, "rated_at": now, "closed_at": now}, data={"rating": value})
            bonus = 0
            if member is not None and value == "satisfied":
                got = await award(session, Award(
                    key=f"order:{order.id}:satisfied:m{member.id}", telegram_id=member.telegram_id, name=member.name,
                    role=member.kind, community_id=order.community_id, points=self.rules.satisfied_bonus,
                    reason=SATISFIED, order_id=order.id), now)
                bonus = self.rules.satisfied_bonus if got else 0
            view = await self._view(session, order)
            notices = [self._notice(member.telegram_id, K.RATED, view, value, bonus)] if member else []
            return await self._queued(session, order, OrderOutcome(view, notices))

    # -- looking up -----------------------------------------------------------------------

    async def hats(self, telegram_id: int) -> tuple[bool, bool, bool]:
        """(a resident with a grid, a registered member, a reviewer): what /menu explains."""
        async with self.sf() as session:
            person = await self.person(session, telegram_id)
        return (person.actor.resident_id is not None, bool(person.active()),
                bool(rules.reviewed_communities(person)))

    async def overview(self, telegram_id: int) -> OrdersOverview:
        async with self.sf() as session:
            person = await self.person(session, telegram_id)
            out = OrdersOverview()
            base = select(ServiceOrder).order_by(ServiceOrder.id.desc()).limit(LIST_LIMIT)
            if person.actor.resident_id is not None:
                rows = await session.execute(base.where(
                    ServiceOrder.resident_id == person.actor.resident_id,
                    ServiceOrder.state.in_([s.value for s in OPEN_ORDER_STATES])))
                out.mine = [await self._view(session, o) for o in rows.scalars()]
                rows = await session.execute(base.limit(FINISHED_LIMIT).where(
                    ServiceOrder.resident_id == person.actor.resident_id,
                    ServiceOrder.state.not_in([s.value for s in OPEN_ORDER_STATES])))
                out.finished = [await self._view(session, o) for o in rows.scalars()]
            members = person.active()
            if members:
                out.is_member = True
                rows = await session.execute(base.where(
                    ServiceOrder.community_id.in_([m.community_id for m in members]),
                    ServiceOrder.state == OrderState.PUBLISHED.value))
                out.to_take = [v for v in [await self._view(session, o) for o in rows.scalars()]
                               if v.requester_telegram_id != telegram_id]
                rows = await session.execute(base.where(
                    ServiceOrder.taker_id.in_([m.id for m in members]),
                    ServiceOrder.state == OrderState.TAKEN.value))
                out.taking = [await self._view(session, o) for o in rows.scalars()]
            communities = rules.reviewed_communities(person)
            if communities:
                out.is_reviewer = True
                rows = await session.execute(base.where(
                    ServiceOrder.community_id.in_(communities),
                    ServiceOrder.state.in_([OrderState.NEW.value, OrderState.RETURNED.value])))
                out.to_review = [await self._view(session, o) for o in rows.scalars()]
            cadre_of = person.actor.units(Role.COMMUNITY_CADRE)
            if cadre_of:
                rows = await session.execute(base.where(
                    ServiceOrder.community_id.in_(cadre_of),
                    ServiceOrder.state.in_([s.value for s in SERVING_STATES])))
                out.serving = [await self._view(session, o) for o in rows.scalars()]
            out.contact = {v.id for v in (*out.taking, *out.to_review, *out.serving) if writes(person, v)}
            return out


def received(view: OrderView) -> OrderNotice:
    """The resident's acknowledgement of a new order: queued in the outbox with the order,
    so a crash right after it is stored still tells them it arrived."""
    return OrderNotice(view.requester_telegram_id, K.RECEIVED, view)
