"""The organisation and its people: units, staff, residents, invitations, the audit log,
each person's settings."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


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
    Ticket transitions have their own trail (ticket_events).

    Append-only in the database (triggers refuse UPDATE, DELETE and, on PostgreSQL,
    TRUNCATE) and hash-chained: `hash` is sha256 of the row's fields and `prev_hash`,
    the hash of the row before it (organisation.audit gives the canonical form).
    """

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
    prev_hash: Mapped[str] = mapped_column(String(64))  # 64 hex digits; zeros for the first row
    hash: Mapped[str] = mapped_column(String(64), unique=True)


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
