"""Plain data the service workflow hands out: handlers render it, the notifier sends it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service_orders.states import OrderState
from storage.models import Resident, ServiceMember, ServiceOrder
from storage.repositories import StaffRepo
from tickets.policy import Role
from tickets.views import UnitCache


@dataclass(frozen=True)
class OrderView:
    id: int
    state: OrderState
    text: str
    category: str
    needed: str
    needed_on: date | None
    community_id: int
    community_name: str
    grid_id: int
    grid_name: str
    resident_id: int
    requester_telegram_id: int  # 0 once the resident erased their data: nobody is told
    created_at: datetime
    auto_approved: bool = False
    taker_id: int | None = None
    taker_telegram_id: int | None = None
    taker_name: str | None = None
    taken_at: datetime | None = None
    done_note: str | None = None
    decline_reason: str | None = None
    rating: str | None = None
    merged_into_id: int | None = None
    ticket_id: int | None = None
    returns: int = 0
    # For the one who took it (to reach the resident): empty when anonymous or erased.
    requester_name: str = field(default="", repr=False)
    requester_phone: str | None = field(default=None, repr=False)


class OrderNoticeKind(StrEnum):
    RECEIVED = "received"              # to the resident: the order is in (its acknowledgement)
    REVIEW = "review"                  # to reviewers: a new (or returned) order to 议单
    AUTO_PUBLISHED = "auto_published"  # to reviewers: FYI, approved by its category
    PUBLISHED = "published"            # to the resident
    DECLINED = "declined"              # to the resident, with the reason
    MERGED = "merged"                  # to the resident: follows another order now
    CONVERTED = "converted"            # to the resident: a complaint ticket was opened
    TAKEN = "taken"                    # to the resident: who took it
    TAKEN_DETAIL = "taken_detail"      # to the taker: how to reach the resident; 完成/放弃
    DONE = "done"                      # to the resident: 评单 buttons
    DONE_REVIEWER = "done_reviewer"    # to reviewers: FYI
    RATED = "rated"                    # to the taker: the rating, points
    RETURNED = "returned"              # to reviewers: 不满意, review again
    ABANDONED = "abandoned"            # to the resident: waiting for someone else
    ABANDONED_REVIEWER = "abandoned_reviewer"
    CANCELLED = "cancelled"            # to the taker/reviewers: the resident withdrew it
    # 联系点单人 (service_orders.contact): the resident is never named to the other side,
    # who is shown by role and the name the bot knows.
    RELAY = "relay"                    # to the resident: a message, with 回复
    RELAY_REPLY = "relay_reply"        # to the one who wrote: the resident's answer
    PHONE_REQUEST = "phone_request"    # to the resident: Telegram's contact button
    PHONE_SHARED = "phone_shared"      # to the taker: the number, read from the resident at send time


# The reviewers' cards about an open order: a cadre of its community may 联系点单人 from
# them (OrderNotice.contact), a branch secretary may not.
REVIEWER_CARDS = frozenset({
    OrderNoticeKind.REVIEW, OrderNoticeKind.RETURNED, OrderNoticeKind.AUTO_PUBLISHED,
    OrderNoticeKind.DONE_REVIEWER, OrderNoticeKind.ABANDONED_REVIEWER,
})


@dataclass(frozen=True)
class OrderNotice:
    chat_id: int
    kind: OrderNoticeKind
    order: OrderView
    note: str | None = None
    actor_name: str | None = None
    points: int = 0
    outbox_id: int | None = None  # its outbox row (tickets.outbox); None: not queued
    # The reader may write to the resident from this card (service_orders.contact.may_write),
    # decided when it is drawn: by the workflow, or by the outbox sweep at send time.
    contact: bool = False


@dataclass(frozen=True)
class Broadcast:
    """The new-order notice to the community's members (each gets a 接单 button)."""

    order: OrderView
    chat_ids: tuple[int, ...]
    outbox_ids: tuple[int, ...] = ()  # one outbox row per chat (tickets.outbox), when queued


@dataclass
class OrderOutcome:
    order: OrderView
    notices: list[OrderNotice] = field(default_factory=list)
    broadcast: Broadcast | None = None
    duplicate: bool = False
    held_until: datetime | None = None  # the members' notice waits for quiet hours to end
    points: int = 0  # awarded to (or taken from) the presser by this command
    contact: bool = False  # the presser may 联系点单人 from the card they pressed (contact.may_write)
    ticket_outcome: object | None = None  # tickets.views.Outcome when turned into a ticket
    addressee: object | None = None  # service_orders.contact.Addressee: who hears a resident's answer


async def build_order_view(session: AsyncSession, order: ServiceOrder, units: UnitCache) -> OrderView:
    chain = await units.chain(session, order.grid_id)
    grid, community = chain.get("grid"), chain.get("community")
    resident = await session.get(Resident, order.resident_id)
    taker = await session.get(ServiceMember, order.taker_id) if order.taker_id else None
    erased = resident is None or resident.erased_at is not None
    hidden = erased or bool(getattr(resident, "anonymous", False))
    return OrderView(
        id=order.id, state=OrderState(order.state), text=order.text, category=order.category,
        needed=order.needed, needed_on=order.needed_on, community_id=order.community_id,
        community_name=community.name if community else "", grid_id=order.grid_id,
        grid_name=grid.name if grid else "", resident_id=order.resident_id,
        requester_telegram_id=0 if erased else resident.telegram_id, created_at=order.created_at,
        auto_approved=order.auto_approved, taker_id=order.taker_id,
        taker_telegram_id=taker.telegram_id if taker else None, taker_name=taker.name if taker else None,
        taken_at=order.taken_at, done_note=order.done_note, decline_reason=order.decline_reason,
        rating=order.rating, merged_into_id=order.merged_into_id, ticket_id=order.ticket_id,
        returns=order.returns,
        requester_name="" if hidden else resident.name,
        requester_phone=None if hidden else resident.phone,
    )


async def community_members(session: AsyncSession, community_id: int, exclude: int | None = None) -> list[ServiceMember]:
    """Active members who may 接单 in the community (the requester left out)."""
    q = select(ServiceMember).where(ServiceMember.community_id == community_id, ServiceMember.status == "active")
    rows = (await session.execute(q.order_by(ServiceMember.id))).scalars().all()
    return [m for m in rows if m.telegram_id != exclude]


async def reviewers(session: AsyncSession, community_id: int) -> list[int]:
    """Telegram ids of who 议单 in the community: its cadres and branch secretaries."""
    ids = [s.telegram_id for s in await StaffRepo(session).in_unit(community_id, Role.COMMUNITY_CADRE)]
    q = select(ServiceMember.telegram_id).where(
        ServiceMember.community_id == community_id, ServiceMember.status == "active",
        ServiceMember.kind == "branch_secretary")
    ids += list((await session.execute(q)).scalars())
    return list(dict.fromkeys(ids))
