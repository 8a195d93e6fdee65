"""What the resident's, the members' and the reviewers' sides of the order workflow share:
loading an order, moving it by compare-and-set, its event rows, publishing it (with the
members' notice held through quiet hours), and who is told."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from service_orders import rules
from service_orders.base import Person, QuietRule, Workflow, sane_id
from service_orders.contact import may_write
from service_orders.errors import OrderRefused
from service_orders.states import OrderAction, OrderState, target_of
from service_orders.views import (
    Broadcast,
    OrderNotice,
    OrderNoticeKind,
    OrderOutcome,
    OrderView,
    build_order_view,
    community_members,
    reviewers,
)
from storage.models import ServiceOrder, ServiceOrderEvent
from tickets import outbox
from tickets.views import UnitCache


@dataclass(frozen=True)
class PointRules:
    order_done: int = 10
    satisfied_bonus: int = 5
    abandoned: int = -5


class OrderDesk(Workflow):
    def __init__(
        self, *args: Any, tz: ZoneInfo, quiet: QuietRule, units: UnitCache | None = None,
        points: PointRules = PointRules(), categories: Mapping[str, Sequence[str]] | None = None,
        auto_approve: Sequence[str] = (), at_home: Sequence[str] = rules.AT_HOME, **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz
        self.quiet = quiet
        self.units = units or UnitCache()
        self.rules = points
        self.categories = dict(categories or {})
        self.auto_approve = frozenset(auto_approve)
        self.at_home = frozenset(at_home)  # categories served at home (rules.at_home)

    async def _order(self, session: AsyncSession, order_id: int) -> ServiceOrder:
        order = await session.get(ServiceOrder, order_id) if sane_id(order_id) else None
        if order is None:
            raise OrderRefused("not_found")
        return order

    async def _view(self, session: AsyncSession, order: ServiceOrder) -> OrderView:
        return await build_order_view(session, order, self.units)

    async def _move(
        self, session: AsyncSession, order: ServiceOrder, action: OrderAction, person: Person | None,
        now: datetime, values: dict[str, Any], note: str | None = None, data: dict[str, Any] | None = None,
    ) -> None:
        """Compare-and-set on (state, version): of two concurrent presses exactly one moves it."""
        source = OrderState(order.state)
        target = target_of(action, source)
        if target is None:
            raise OrderRefused("stale", source.value)
        result = await session.execute(
            update(ServiceOrder)
            .where(ServiceOrder.id == order.id, ServiceOrder.state == source.value,
                   ServiceOrder.version == order.version)
            .values(state=target.value, version=ServiceOrder.version + 1, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            await session.refresh(order)
            raise OrderRefused("stale", order.state)
        await session.refresh(order)
        self._event(session, order.id, person, action, now, source, target, note, data)

    def _event(
        self, session: AsyncSession, order_id: int, person: Person | None, action: OrderAction, now: datetime,
        source: OrderState | None, target: OrderState | None, note: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> ServiceOrderEvent:
        event = ServiceOrderEvent(
            order_id=order_id, at=now, actor_telegram_id=person.telegram_id if person else None,
            actor_name=person.name if person else "", action=action.value,
            from_state=source.value if source else None, to_state=target.value if target else None,
            note=note, data=data,
        )
        session.add(event)
        return event

    def _publish_values(self, now: datetime) -> dict[str, Any]:
        """Columns for an order going (back) to 待接单: its members' notice goes out now, or
        when quiet hours end (queued in the outbox, held until then: see _queued)."""
        at = outbox.held(self.quiet(now), now) or now
        return {"published_at": now, "announce_at": at, "announced_at": at}

    async def _broadcast(self, session: AsyncSession, order: ServiceOrder, view: OrderView,
                         exclude: Sequence[int] = ()) -> Broadcast | None:
        """The members' notice, if it is due now (see _publish_values)."""
        if order.announced_at is None:
            return None
        skip = {view.requester_telegram_id, *exclude}
        members = await community_members(session, order.community_id)
        return Broadcast(view, tuple(dict.fromkeys(m.telegram_id for m in members if m.telegram_id not in skip)))

    async def _to_reviewers(self, session: AsyncSession, view: OrderView, kind: OrderNoticeKind,
                            note: str | None = None, actor: str | None = None, skip: int | None = None) -> list[OrderNotice]:
        """The community's cadres and branch secretaries; a cadre's card offers 联系点单人."""
        return [OrderNotice(chat_id, kind, view, note, actor,
                            contact=await may_write(session, chat_id, view, self.admins))
                for chat_id in await reviewers(session, view.community_id) if chat_id != skip]

    async def _queued(self, session: AsyncSession, order: ServiceOrder, outcome: OrderOutcome,
                      tag: str = "") -> OrderOutcome:
        """The outcome's notices and members' notice into the outbox, in the command's
        transaction, keyed by order, kind, version and chat: a replay queues nothing twice.
        `tag` tells apart the notices of commands that leave the version as it was (a relayed
        message: its event's id).
        The members' notice is a broadcast: in quiet hours its rows wait in the outbox for
        the sweep (outcome.held_until), and the caller sends none of them."""
        now, v = self.clock(), order.version
        keyed = [(f"order:{n.order.id}:{n.kind.value}:v{v}:chat:{n.chat_id}{tag}", n)
                 for n in outcome.notices if n.chat_id]
        b = outcome.broadcast
        to_members = [(f"order:{b.order.id}:new:v{v}:chat:{c}", c) for c in b.chat_ids if c] if b else []
        ids = await outbox.put(session, [
            outbox.Row(k, n.chat_id, f"order.{n.kind.value}", order_id=n.order.id, note=n.note,
                       actor_name=n.actor_name or "", points=n.points) for k, n in keyed], now)
        release = outbox.held(order.announce_at, now) if b is not None else None
        ids |= await outbox.put(session, [outbox.Row(k, c, "order.new", order_id=b.order.id) for k, c in to_members],
                                now, not_before=release)
        seen: set[str] = set()
        outcome.notices = [replace(n, outbox_id=ids[k]) for k, n in keyed
                           if k in ids and not (k in seen or seen.add(k))]
        if b is not None and release is not None:
            outcome.broadcast, outcome.held_until = None, release
        elif b is not None:
            fresh = [(k, c) for k, c in dict(to_members).items() if k in ids]
            outcome.broadcast = replace(b, chat_ids=tuple(c for _, c in fresh), outbox_ids=tuple(ids[k] for k, _ in fresh))
        return outcome

    @staticmethod
    def _to_resident(view: OrderView, kind: OrderNoticeKind, note: str | None = None,
                     actor: str | None = None) -> list[OrderNotice]:
        # 0: the resident erased their data; nobody to tell.
        return [OrderNotice(view.requester_telegram_id, kind, view, note, actor)] if view.requester_telegram_id else []
