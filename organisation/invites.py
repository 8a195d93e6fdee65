"""One-time staff invitations: an admin names a role and a unit, the new staff member
redeems the code with /start <code>. Codes expire and work once.

Codes start with INVITE_PREFIX, which unit codes may not (organisation.imports.spec checks), so
/start tells an invitation from a grid's QR code. Only a SHA-256 of the code is stored.
Redeeming claims the invitation with one conditional UPDATE, the transaction's first
statement: of two people redeeming at once exactly one gets it, on SQLite and
PostgreSQL alike.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invite, Staff, Unit
from tickets.errors import WorkflowError
from tickets.policy import UNIT_KINDS, Role

INVITE_PREFIX = "inv_"
# Deep-link payloads allow A-Z a-z 0-9 _ - and 64 characters.
INVITE_PATTERN = re.compile(r"^inv_[A-Za-z0-9_-]{16,40}$")


def join_link(bot_username: str | None, grid_code: str) -> str:
    """The t.me deep link a resident opens to join grid ``grid_code`` (what its QR code holds)."""
    return f"https://t.me/{bot_username or '<bot_username>'}?start={grid_code}"


class InviteRefused(WorkflowError):
    """Why an invitation cannot be made or redeemed: unknown, used, expired, unit, role."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Issued:
    code: str
    role: Role
    is_backup: bool
    unit_code: str
    unit_name: str
    expires_at: datetime


@dataclass(frozen=True)
class Redeemed:
    staff_id: int
    role: Role
    is_backup: bool
    unit_code: str
    unit_name: str
    created_by: int | None  # the admin to tell, None for the command line


def looks_like_invite(text: str) -> bool:
    return text.lower().startswith(INVITE_PREFIX)


def new_code() -> str:
    return INVITE_PREFIX + secrets.token_urlsafe(15)  # 120 bits, 20 characters


def digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


async def create(session: AsyncSession, *, role: Role, unit: Unit, is_backup: bool, now: datetime,
                 ttl: timedelta, created_by: int | None, created_by_name: str) -> Issued:
    if role not in UNIT_KINDS:
        raise InviteRefused("role")
    if unit.kind not in UNIT_KINDS[role] or not unit.active:
        raise InviteRefused("unit")
    if is_backup and (role != Role.GRID_MEMBER or unit.kind != "grid"):
        raise InviteRefused("role")
    code = new_code()
    session.add(Invite(code_hash=digest(code), hint=code[-4:], role=role.value, unit_id=unit.id,
                       is_backup=is_backup, created_by=created_by, created_by_name=created_by_name[:200],
                       created_at=now, expires_at=now + ttl))
    await session.flush()
    return Issued(code, role, is_backup, unit.code, unit.name, now + ttl)


async def redeem(session: AsyncSession, code: str, telegram_id: int, name: str, now: datetime) -> tuple[Redeemed, Invite]:
    """Claim the invitation and make (or reactivate) the staff row. Raises InviteRefused;
    the caller's rollback then leaves the invitation as it was."""
    if not INVITE_PATTERN.match(code):
        raise InviteRefused("unknown")
    h = digest(code)
    claimed = (await session.execute(
        update(Invite)
        .where(Invite.code_hash == h, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by=telegram_id)
        .returning(Invite.id)
        .execution_options(synchronize_session=False)
    )).scalar_one_or_none()
    if claimed is None:
        invite = (await session.execute(select(Invite).where(Invite.code_hash == h))).scalar_one_or_none()
        if invite is None:
            raise InviteRefused("unknown")
        raise InviteRefused("used" if invite.used_at is not None else "expired")
    invite = await session.get(Invite, claimed)
    await session.refresh(invite)
    unit = await session.get(Unit, invite.unit_id)
    role = Role(invite.role)
    if unit is None or not unit.active or unit.kind not in UNIT_KINDS.get(role, ()):
        raise InviteRefused("unit")
    row = (await session.execute(select(Staff).where(
        Staff.telegram_id == telegram_id, Staff.unit_id == unit.id, Staff.role == role.value))).scalar_one_or_none()
    if row is None:
        row = Staff(telegram_id=telegram_id, name=(name.strip() or str(telegram_id))[:100], role=role.value,
                    unit_id=unit.id, is_backup=invite.is_backup, active=True)
        session.add(row)
    else:
        row.active, row.is_backup, row.blocked_at = True, invite.is_backup, None
    await session.flush()
    invite.staff_id = row.id
    return Redeemed(row.id, role, invite.is_backup, unit.code, unit.name, invite.created_by), invite


async def pending(session: AsyncSession, now: datetime) -> list[tuple[Invite, Unit]]:
    q = (select(Invite, Unit).join(Unit, Unit.id == Invite.unit_id)
         .where(Invite.used_at.is_(None), Invite.expires_at > now).order_by(Invite.id))
    return [(i, u) for i, u in (await session.execute(q)).all()]
