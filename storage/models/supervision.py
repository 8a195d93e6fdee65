"""督办: which reminder and digest went to whom (one row each, so none goes twice)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ReminderDelivery(Base):
    """One reminder step of one ticket to one person, for one round of the ticket.

    The round is the deadline the step counts from: 转派, 重办 and 改类 move the deadline
    and so open a new round; 退回 keeps it. A row is written (claimed) before the message
    goes out and marked sent after; the unique key is what keeps two sweeps, or a sweep
    after a crash, from telling anyone the same thing twice.
    """

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint("ticket_id", "step", "chat_id", "deadline"),
        # Claimed but unsent rows, oldest first: what a sweep retries after the lease.
        Index("ix_reminder_deliveries_pending", "sent_at", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # assignee / community / street: why this person is told.
    recipient_role: Mapped[str] = mapped_column(String(12))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # sent / blocked / failed / obsolete (the ticket moved on before a retry).
    outcome: Mapped[str | None] = mapped_column(String(12))


class DigestDelivery(Base):
    """One digest (每日待办, 每周一提醒, 半月一调度, 一月一通报) for one period to one person."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("kind", "period", "chat_id"),
        Index("ix_digest_deliveries_pending", "sent_at", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(12))
