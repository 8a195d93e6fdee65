"""五单: service members (双报到) and their invitations, service orders and their events,
the 积分 ledger, 联手说事 matters with their polls and votes."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ServiceMember(Base):
    """A party member (党员) or volunteer (志愿者) registered to a community: 双报到.

    Not staff: a registration lets one take service orders, never see residents' tickets.
    A branch secretary (支部书记) also reviews the community's orders (议单)."""

    __tablename__ = "service_members"
    __table_args__ = (UniqueConstraint("telegram_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(100))
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # party_member / volunteer / branch_secretary
    status: Mapped[str] = mapped_column(String(10))  # pending / active / left / declined
    via: Mapped[str] = mapped_column(String(10))  # invite / request
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)  # who approved or declined
    version: Mapped[int] = mapped_column(Integer, default=0)


class ServiceInvite(Base):
    """A code a cadre hands out for 双报到: good for `max_uses` people until it expires.
    Only a hash is stored (as for staff invitations)."""

    __tablename__ = "service_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)


class ServiceOrder(Base):
    """A resident's request for help (微心愿), through 点单 → 议单 → 派单 → 接单 → 评单."""

    __tablename__ = "service_orders"
    __table_args__ = (
        # The same Telegram message delivered twice opens one order.
        UniqueConstraint("source_chat_id", "source_message_id"),
        Index("ix_service_orders_community_id_state", "community_id", "state"),
        # Held notices (quiet hours) waiting for the sweep.
        Index("ix_service_orders_state_announce_at", "state", "announce_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(50))
    needed: Mapped[str] = mapped_column(String(10))  # today / tomorrow / week / any / date
    needed_on: Mapped[date | None] = mapped_column(Date)  # local date it is needed by
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    source_chat_id: Mapped[int] = mapped_column(BigInteger)
    source_message_id: Mapped[int] = mapped_column(BigInteger)
    auto_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("service_orders.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The new-order notice to members: due at announce_at (after quiet hours), sent once.
    announce_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taker_id: Mapped[int | None] = mapped_column(ForeignKey("service_members.id"), index=True)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(12))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returns: Mapped[int] = mapped_column(Integer, default=0)  # 不满意 → back to 议单


class ServiceOrderEvent(Base):
    """Every change of a service order: who, when, from, to, why."""

    __tablename__ = "service_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PointEntry(Base):
    """积分 ledger, append-only: every row has a reason, and a unique key naming the order
    or ticket event it is for, so nothing is ever awarded twice."""

    __tablename__ = "points_ledger"
    __table_args__ = (Index("ix_points_ledger_community_id_at", "community_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))  # party_member / volunteer / branch_secretary / grid_member
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(24))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("service_orders.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Matter(Base):
    """联手说事: a question a cadre puts to the residents of a grid or community as a poll."""

    __tablename__ = "matters"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(10))  # draft / open / closed / cancelled
    version: Mapped[int] = mapped_column(Integer, default=0)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # None: the whole community
    question: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]] = mapped_column(JSON)
    hours: Mapped[float] = mapped_column(Float)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MatterPoll(Base):
    """One poll message sent to one resident: maps Telegram's poll id back to the matter."""

    __tablename__ = "matter_polls"
    __table_args__ = (UniqueConstraint("matter_id", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    poll_id: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MatterVote(Base):
    """A resident's current answer (a changed vote replaces it; a retracted one empties it)."""

    __tablename__ = "matter_votes"
    __table_args__ = (UniqueConstraint("matter_id", "telegram_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    option_ids: Mapped[list[int]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
