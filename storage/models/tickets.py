"""The complaint loop: tickets, their events, attachments, ratings, followers, and the
outbox of notices decided with them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # The same Telegram message delivered twice opens one ticket.
        UniqueConstraint("source_chat_id", "source_message_id"),
        Index("ix_tickets_state_accept_deadline", "state", "accept_deadline"),
        Index("ix_tickets_state_resolve_deadline", "state", "resolve_deadline"),
        # KPIs over a period (figures.kpi) select by these times.
        Index("ix_tickets_dispatched_at", "dispatched_at"),
        Index("ix_tickets_original_resolve_deadline", "original_resolve_deadline"),
        # The duplicate check on every report: a grid's newest tickets, newest first (issue 17).
        Index("ix_tickets_grid_id_created_at", "grid_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(50), index=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    request_kind: Mapped[str] = mapped_column(String(10), default="投诉")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    source_chat_id: Mapped[int] = mapped_column(BigInteger)
    source_message_id: Mapped[int] = mapped_column(BigInteger)
    # The resident's 微网格 when routed there (grid_id stays the 网格 above it).
    micro_grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Reported anonymously: the resident's name and phone are shown to nobody.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 吹哨报到: the department (a Unit of kind "department") the ticket was escalated to.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # 已合并: the ticket this one was merged into (its reporter follows that one).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accept_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deadlines of the ticket's first dispatch: 按期办结率 is judged against them.
    original_resolve_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 吹哨: when it went to the department, and when the department's contact 签收'd it
    # (kept apart from accepted_at, which 及时签收率 judges the grid member by).
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    department_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resolution_note: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(Text)
    # Why the resident said 未解决 or 不满意, for the handler of the 重办 (None: not said yet).
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # When the reminder sweep should next look at this ticket (None: nothing pending).
    # Indexed so that a sweep costs what is due, not what is stored.
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Bumped by every transition: a conditional UPDATE on it refuses stale buttons.
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketEvent(Base):
    """Every change of a ticket: who, when, from, to, why. The history is these rows."""

    __tablename__ = "ticket_events"
    # KPIs count 办结/重办/退回 events in a period.
    __table_args__ = (Index("ix_ticket_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(12))
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    file_id: Mapped[str] = mapped_column(String(255))
    stage: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Rating(Base):
    """The resident's 回访 answer for one round (a reopened ticket is rated again)."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("ticket_id", "round"), Index("ix_ratings_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    solved: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[str | None] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """One message the workflow decided to send, written in the transaction of the change
    that caused it (tickets.outbox): a ticket's notice, a service order's notice, a
    联手说事 poll. The handler that ran the command sends it at once; the sweep sends what
    a crash left behind. `key` (what it is for, and for whom) makes queueing idempotent;
    `message_id`/`poll_id` record what Telegram answered, for later edits and answers."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "claimed_at"),
                      UniqueConstraint("key", name="uq_outbox_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200))  # NULL only on rows from before 0008
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(40))  # a NoticeKind; "order.<kind>"; "order.new"; "matter.poll"
    # Indexed: a ticket closed (撤销, 无效) looks up the cards sent about it, to edit them.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(Integer)
    matter_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    points: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(12))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    poll_id: Mapped[str | None] = mapped_column(String(64))


class TicketFollower(Base):
    """A resident who reported the same thing (or whose ticket was merged into this one):
    they get the ticket's notices and may answer its 回访."""

    __tablename__ = "ticket_followers"
    __table_args__ = (UniqueConstraint("ticket_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    via: Mapped[str] = mapped_column(String(12), default="follow")  # follow / merge


class AlertCard(Base):
    """A card sent to several people for one ticket (a 紧急求助 to its handler, backup and
    cadres): kept so that when one of them acts, the others' cards say who took it."""

    __tablename__ = "alert_cards"
    __table_args__ = (UniqueConstraint("ticket_id", "chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # edited to say who took it
