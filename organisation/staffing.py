"""Staff administration: invite, redeem, list, deactivate, move. Used by admins in chat
and by the command line; every change is audited and hands over open tickets.

Each method runs in one transaction of its own. The operator is judged by
policy.can_manage_staff on every call (in chat, loaded fresh from the database).
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from organisation import audit, invites
from organisation.audit import Operator
from organisation.handover import HandedOver, hand_over
from organisation.invites import InviteRefused, Issued, Redeemed
from storage.models import Staff, Unit
from storage.repositories import Units
from tickets.actors import load_actor
from tickets.errors import NotAllowed, NotFound
from tickets.policy import UNIT_KINDS, Role, can_manage_staff

REASON_LIMIT = 200

# What people may type for a role: (role, backup).
ROLE_WORDS: dict[str, tuple[Role, bool]] = {
    "grid_member": (Role.GRID_MEMBER, False), "member": (Role.GRID_MEMBER, False), "网格员": (Role.GRID_MEMBER, False),
    "backup": (Role.GRID_MEMBER, True), "备岗": (Role.GRID_MEMBER, True),
    "community_cadre": (Role.COMMUNITY_CADRE, False), "社区干部": (Role.COMMUNITY_CADRE, False),
    "street_cadre": (Role.STREET_CADRE, False), "街道干部": (Role.STREET_CADRE, False),
    "department": (Role.DEPARTMENT, False), "部门": (Role.DEPARTMENT, False), "部门联络人": (Role.DEPARTMENT, False),
}


def parse_role(word: str) -> tuple[Role, bool]:
    try:
        return ROLE_WORDS[word.strip().lower()]
    except KeyError:
        raise InviteRefused("role") from None


@dataclass(frozen=True)
class StaffLine:
    staff_id: int
    telegram_id: int
    name: str
    role: Role
    is_backup: bool
    unit_code: str
    unit_name: str
    unit_kind: str
    active: bool
    blocked: bool


@dataclass(frozen=True)
class StaffChange:
    staff: StaffLine
    handed_over: list[HandedOver]
    from_unit: str = ""


class BadReason(ValueError):
    pass


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise BadReason("a reason is required")
    if len(reason) > REASON_LIMIT:
        raise BadReason(f"a reason is at most {REASON_LIMIT} characters")
    return reason


def _line(row: Staff, unit: Unit) -> StaffLine:
    return StaffLine(row.id, row.telegram_id, row.name, Role(row.role), row.is_backup, unit.code, unit.name,
                     unit.kind, row.active, row.blocked_at is not None)


class Staffing:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, admins: Collection[int] = (),
                 invite_ttl: timedelta = timedelta(hours=72), lock: asyncio.Lock | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.sf = session_factory
        self.admins = frozenset(admins)
        self.invite_ttl = invite_ttl
        self.lock = lock
        self.clock = clock

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        async with self.lock or nullcontext():
            async with self.sf() as session, session.begin():
                yield session

    async def operator(self, telegram_id: int, name: str = "") -> Operator:
        """The person in chat, loaded now: a deactivated admin-staff row counts for nothing."""
        async with self.sf() as session:
            actor = await load_actor(session, telegram_id, name=name, admins=self.admins)
        return Operator(telegram_id, actor.name or name, can_manage_staff(actor))

    @staticmethod
    def _check(op: Operator, what: str) -> None:
        if not op.is_admin:
            raise NotAllowed(what, None)

    async def _unit(self, session: AsyncSession, code: str) -> Unit:
        unit = await Units(session).by_code(code.strip()[:64])
        if unit is None or not unit.active:
            raise NotFound(code)
        return unit

    # -- invitations ---------------------------------------------------------------

    async def invite(self, op: Operator, role: Role, is_backup: bool, unit_code: str,
                     ttl: timedelta | None = None) -> Issued:
        self._check(op, "invite")
        now = self.clock()
        async with self._tx() as session:
            unit = await self._unit(session, unit_code)
            issued = await invites.create(session, role=role, unit=unit, is_backup=is_backup, now=now,
                                          ttl=ttl or self.invite_ttl, created_by=op.telegram_id,
                                          created_by_name=op.name)
            await audit.record(session, op, "invite.create", "unit", unit.code, now,
                               data={"role": role.value, "backup": is_backup, "hint": issued.code[-4:],
                                     "expires_at": issued.expires_at.isoformat()})
        return issued

    async def redeem(self, telegram_id: int, code: str, name: str) -> Redeemed:
        now = self.clock()
        try:
            async with self._tx() as session:
                redeemed, invite = await invites.redeem(session, code.strip(), telegram_id, name, now)
                await audit.record(session, Operator(telegram_id, name[:200], False), "invite.redeem", "staff",
                                   redeemed.staff_id, now,
                                   data={"invite": invite.id, "role": redeemed.role.value, "unit": redeemed.unit_code,
                                         "backup": redeemed.is_backup})
        except InviteRefused as exc:
            if exc.reason in ("unknown", "used", "expired"):
                await self._audit_refusal(telegram_id, name, exc.reason, now)
            raise
        return redeemed

    async def _audit_refusal(self, telegram_id: int, name: str, reason: str, now: datetime) -> None:
        # Failed attempts are kept too: repeated guesses are worth seeing.
        async with self._tx() as session:
            await audit.record(session, Operator(telegram_id, name[:200], False), "invite.refused", "invite", "",
                               now, reason=reason)

    async def pending_invites(self, op: Operator) -> list[tuple[str, str, bool, str, datetime]]:
        """(role, unit code, backup, code hint, expires) of invitations not yet used."""
        self._check(op, "list")
        async with self.sf() as session:
            rows = await invites.pending(session, self.clock())
        return [(i.role, u.code, i.is_backup, i.hint, i.expires_at) for i, u in rows]

    # -- staff ---------------------------------------------------------------------------

    async def list_staff(self, op: Operator, unit_code: str | None = None, include_inactive: bool = False) -> list[StaffLine]:
        self._check(op, "list")
        async with self.sf() as session:
            q = select(Staff, Unit).join(Unit, Unit.id == Staff.unit_id).order_by(Unit.id, Staff.role, Staff.is_backup, Staff.id)
            if unit_code:
                unit = await self._unit(session, unit_code)
                q = q.where(Unit.id == unit.id)
            if not include_inactive:
                q = q.where(Staff.active.is_(True))
            return [_line(s, u) for s, u in (await session.execute(q)).all()]

    async def _staff(self, session: AsyncSession, staff_id: int) -> tuple[Staff, Unit]:
        row = await session.get(Staff, staff_id) if 0 < staff_id < 2**63 else None
        if row is None:
            raise NotFound(staff_id)
        return row, await session.get(Unit, row.unit_id)

    async def deactivate(self, op: Operator, staff_id: int, reason: str) -> StaffChange:
        self._check(op, "deactivate")
        reason = _reason(reason)
        now = self.clock()
        async with self._tx() as session:
            row, unit = await self._staff(session, staff_id)
            if not row.active:
                raise NotFound(staff_id)
            row.active = False
            await session.flush()
            moved = await hand_over(session, row, now, reason, old_unit_kind=unit.kind)
            await audit.record(session, op, "staff.deactivate", "staff", row.id, now, reason=reason,
                               data={"telegram_id": row.telegram_id, "role": row.role, "unit": unit.code,
                                     "handed_over": [h.ticket_id for h in moved]})
            return StaffChange(_line(row, unit), moved)

    async def move(self, op: Operator, staff_id: int, unit_code: str, reason: str) -> StaffChange:
        self._check(op, "move")
        reason = _reason(reason)
        now = self.clock()
        async with self._tx() as session:
            row, old = await self._staff(session, staff_id)
            target = await self._unit(session, unit_code)
            role = Role(row.role)
            if not row.active or target.id == old.id:
                raise NotFound(staff_id)
            if target.kind not in UNIT_KINDS.get(role, ()):
                raise InviteRefused("unit")
            there = (await session.execute(select(Staff).where(
                Staff.telegram_id == row.telegram_id, Staff.unit_id == target.id, Staff.role == row.role))).scalar_one_or_none()
            backup = row.is_backup and target.kind == "grid"
            if there is not None:
                # They held that place before: take that row up again, leave this one.
                if there.active:
                    raise InviteRefused("already")
                there.active, there.is_backup, there.name = True, backup, row.name
                row.active = False
                moved_row = there
            else:
                row.unit_id, row.is_backup = target.id, backup
                moved_row = row
            await session.flush()
            moved = await hand_over(session, row, now, reason, old_unit_kind=old.kind, keep_unit_id=target.id)
            await audit.record(session, op, "staff.move", "staff", moved_row.id, now, reason=reason,
                               data={"telegram_id": row.telegram_id, "role": row.role, "from": old.code,
                                     "to": target.code, "handed_over": [h.ticket_id for h in moved]})
            return StaffChange(_line(moved_row, target), moved, old.code)
