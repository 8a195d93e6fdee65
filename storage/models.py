"""The tables. Times are UTC (see storage.types.UTCDateTime)."""
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
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

# Named constraints let Alembic's batch mode rebuild SQLite tables.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """A node of the organisation: street 街道, community 社区, grid 网格, micro-grid, department."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # GeoJSON Polygon/MultiPolygon in WGS-84 (lon, lat), for grids and micro-grids:
    # a resident's shared location is routed to the grid that contains it.
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class Staff(Base):
    """One role of one person in one unit. A person may hold several rows."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("telegram_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    is_backup: Mapped[bool] = mapped_column(Boolean, default=False)
    # Categories this person takes; None means all.
    categories: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The building (微网格) within grid_id, when the resident joined through one.
    micro_grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Shared by the resident (a Telegram contact); shown in full only to their handler.
    phone: Mapped[str | None] = mapped_column(String(32))
    # New reports are anonymous: no name or phone shown to anyone.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set when the resident deleted their data: telegram_id no longer points at them.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # The same Telegram message delivered twice opens one ticket.
        UniqueConstraint("source_chat_id", "source_message_id"),
        Index("ix_tickets_state_accept_deadline", "state", "accept_deadline"),
        Index("ix_tickets_state_resolve_deadline", "state", "resolve_deadline"),
        # KPIs over a period (tickets.kpi) select by these times.
        Index("ix_tickets_dispatched_at", "dispatched_at"),
        Index("ix_tickets_original_resolve_deadline", "original_resolve_deadline"),
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


class Invite(Base):
    """A one-time code that makes whoever redeems it staff of a unit. Only a hash of the
    code is stored, so reading the database does not let anyone redeem it."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))  # the code's last characters, for lists
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    is_backup: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(BigInteger)  # None: the command line
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class AuditEntry(Base):
    """Every organisation, staff and admin action: who, what, which object, why, when.
    Ticket transitions have their own trail (ticket_events)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_kind: Mapped[str] = mapped_column(String(20))
    object_ref: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OutboxMessage(Base):
    """A ticket notice written by a process that cannot send (an import from the command
    line): the running bot delivers it. Claimed, sent, marked, like reminders."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "claimed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(24))  # a tickets.views.NoticeKind
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    note: Mapped[str | None] = mapped_column(Text)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(12))


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


class UserSetting(Base):
    """One person's preferences, whatever roles they hold (a resident may also be staff).

    `language` is a locale ("zh_CN", "en"). `chosen` is set by /lang; until then the
    language follows the person's Telegram client, so notices sent to them by the
    scheduler or by someone else's action come in the language they read the bot in.
    """

    __tablename__ = "user_settings"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
    chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# -- 五单 service loop, 双报到, 积分, 联手说事 (issue 7) ------------------------------------
# This section is appended (models.py grows append-only), hence the late import.
from sqlalchemy import Date  # noqa: E402
from datetime import date  # noqa: E402


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
