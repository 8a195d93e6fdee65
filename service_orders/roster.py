"""双报到: party members and volunteers register to a community, by an invitation code
from its cadre (or branch secretary) or by a request the cadre approves, and may leave.

Codes are stored as hashes (organisation.invites.digest, the staff invitations' hash). They
are a separate table from staff invitations on purpose: redeeming one of those makes a
staff member who sees residents' tickets; a registration here never does. A code works
for up to `max_uses` people until it expires: a cadre shares one in the branch's group.
Each use is claimed by one conditional UPDATE, so the last use cannot be taken twice.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select, update

from organisation.invites import digest
from service_orders import rules
from service_orders.base import Membership, Workflow, membership, sane_id
from service_orders.errors import RosterRefused
from service_orders.states import OrderState
from service_orders.views import reviewers
from storage.models import Resident, ServiceInvite, ServiceMember, ServiceOrder, Staff, Unit
from storage.repositories import Units

CODE_PREFIX = "svc_"
CODE_PATTERN = re.compile(r"^svc_[A-Za-z0-9_-]{16,40}$")
REQUEST_KINDS = (rules.PARTY_MEMBER, rules.VOLUNTEER)  # a secretary is appointed, never asked for


def looks_like_code(text: str) -> bool:
    return text.lower().startswith(CODE_PREFIX)


@dataclass(frozen=True)
class InviteIssued:
    code: str
    kind: str
    community_id: int
    community_name: str
    expires_at: datetime
    max_uses: int


@dataclass(frozen=True)
class Joined:
    membership: Membership
    community_name: str
    already: bool = False
    tell: tuple[int, ...] = ()  # reviewers to tell


@dataclass(frozen=True)
class JoinRequest:
    member_id: int
    name: str
    kind: str
    community_id: int
    community_name: str
    reviewers: tuple[int, ...]


@dataclass(frozen=True)
class Decision:
    member_id: int
    telegram_id: int
    name: str
    kind: str
    community_name: str
    approved: bool


class Roster(Workflow):
    def __init__(self, *args: Any, invite_ttl: timedelta = timedelta(days=14), invite_uses: int = 200,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invite_ttl = invite_ttl
        self.invite_uses = invite_uses

    async def _community(self, session, community_id: int) -> Unit:
        unit = await session.get(Unit, community_id) if sane_id(community_id) else None
        if unit is None or unit.kind != "community" or not unit.active:
            raise RosterRefused("not_found")
        return unit

    async def invite(self, telegram_id: int, kind: str, community_code: str | None = None) -> InviteIssued:
        """A code for `kind` to the community named by its code, or to the one community
        the person reviews when none is named."""
        now = self.clock()
        async with self._tx() as session:
            person = await self.person(session, telegram_id)
            if community_code:
                unit = await Units(session).by_code(community_code)
                if unit is None or unit.kind != "community" or not unit.active:
                    raise RosterRefused("not_found")
            else:
                mine = sorted(rules.reviewed_communities(person))
                if len(mine) != 1:
                    raise RosterRefused("need_scope" if mine else "not_allowed")
                unit = await self._community(session, mine[0])
            if not rules.can_invite(person, unit.id, kind):
                raise RosterRefused("not_allowed")
            code = CODE_PREFIX + secrets.token_urlsafe(15)  # 120 bits, 20 characters
            session.add(ServiceInvite(
                code_hash=digest(code), hint=code[-4:], community_id=unit.id, kind=kind, created_by=telegram_id,
                created_by_name=person.name[:200], created_at=now, expires_at=now + self.invite_ttl,
                max_uses=self.invite_uses, uses=0))
            return InviteIssued(code, kind, unit.id, unit.name, now + self.invite_ttl, self.invite_uses)

    async def redeem(self, telegram_id: int, name: str, code: str) -> Joined:
        now = self.clock()
        code = code.strip()
        if not CODE_PATTERN.match(code):
            raise RosterRefused("unknown")
        async with self._tx() as session:
            invite = (await session.execute(
                select(ServiceInvite).where(ServiceInvite.code_hash == digest(code)))).scalar_one_or_none()
            if invite is None:
                raise RosterRefused("unknown")
            row = await self._row(session, telegram_id, invite.community_id)
            unit = await self._community(session, invite.community_id)
            if row is not None and row.status == "active" and row.kind == invite.kind:
                return Joined(membership(row), unit.name, already=True)
            claimed = await session.execute(
                update(ServiceInvite)
                .where(ServiceInvite.id == invite.id, ServiceInvite.uses < ServiceInvite.max_uses,
                       ServiceInvite.expires_at > now)
                .values(uses=ServiceInvite.uses + 1)
                .execution_options(synchronize_session=False))
            if claimed.rowcount != 1:
                await session.refresh(invite)
                raise RosterRefused("expired" if invite.expires_at <= now else "used")
            row = await self._activate(session, row, telegram_id, name, invite.community_id, invite.kind, "invite",
                                       invite.created_by, now)
            tell = tuple(t for t in await reviewers(session, unit.id) if t != telegram_id)
            return Joined(membership(row), unit.name, tell=tell)

    async def _row(self, session, telegram_id: int, community_id: int) -> ServiceMember | None:
        return (await session.execute(select(ServiceMember).where(
            ServiceMember.telegram_id == telegram_id, ServiceMember.community_id == community_id))).scalar_one_or_none()

    async def _activate(self, session, row, telegram_id, name, community_id, kind, via, decided_by, now) -> ServiceMember:
        if row is None:
            row = ServiceMember(telegram_id=telegram_id, community_id=community_id, created_at=now, version=0)
            session.add(row)
        row.name = (name.strip() or str(telegram_id))[:100]
        row.kind, row.status, row.via, row.joined_at, row.left_at, row.decided_by = kind, "active", via, now, None, decided_by
        row.version = (row.version or 0) + 1
        await session.flush()
        return row

    async def request_options(self, telegram_id: int) -> list[tuple[int, str]]:
        """Communities to ask to join: the resident's own first, then the others."""
        async with self.sf() as session:
            units = Units(session)
            own = None
            resident = (await session.execute(select(Resident).where(Resident.telegram_id == telegram_id))).scalar_one_or_none()
            if resident is not None and resident.grid_id is not None:
                own = (await units.ancestors(resident.grid_id)).get("community")
            rows = [(u.id, u.name) for u in await units.of_kind("community")]
            if own is not None:
                rows.sort(key=lambda r: r[0] != own.id)
            return rows

    async def request(self, telegram_id: int, name: str, community_id: int, kind: str) -> JoinRequest:
        if kind not in REQUEST_KINDS:
            raise RosterRefused("not_allowed")
        now = self.clock()
        async with self._tx() as session:
            unit = await self._community(session, community_id)
            row = await self._row(session, telegram_id, community_id)
            if row is not None and row.status == "active":
                raise RosterRefused("already")
            if row is None:
                row = ServiceMember(telegram_id=telegram_id, community_id=community_id, created_at=now, version=0)
                session.add(row)
            row.name, row.kind, row.status, row.via = (name.strip() or str(telegram_id))[:100], kind, "pending", "request"
            row.version = (row.version or 0) + 1
            await session.flush()
            tell = tuple(t for t in await reviewers(session, unit.id) if t != telegram_id)
            return JoinRequest(row.id, row.name, kind, unit.id, unit.name, tell)

    async def decide(self, telegram_id: int, member_id: int, approve: bool) -> Decision:
        now = self.clock()
        async with self._tx() as session:
            person = await self.person(session, telegram_id)
            row = await session.get(ServiceMember, member_id) if sane_id(member_id) else None
            if row is None:
                raise RosterRefused("not_found")
            if not rules.can_invite(person, row.community_id, row.kind):
                raise RosterRefused("not_allowed")
            result = await session.execute(
                update(ServiceMember)
                .where(ServiceMember.id == row.id, ServiceMember.status == "pending", ServiceMember.version == row.version)
                .values(status="active" if approve else "declined", joined_at=now if approve else None,
                        decided_by=telegram_id, version=ServiceMember.version + 1)
                .execution_options(synchronize_session=False))
            if result.rowcount != 1:
                raise RosterRefused("stale")
            unit = await session.get(Unit, row.community_id)
            return Decision(row.id, row.telegram_id, row.name, row.kind, unit.name if unit else "", approve)

    async def leave(self, telegram_id: int) -> list[str]:
        """Leave every community one is registered to; refused while holding orders."""
        now = self.clock()
        async with self._tx() as session:
            rows = (await session.execute(select(ServiceMember).where(
                ServiceMember.telegram_id == telegram_id, ServiceMember.status.in_(("active", "pending"))))).scalars().all()
            if not rows:
                raise RosterRefused("not_member")
            busy = (await session.execute(select(func.count(ServiceOrder.id)).where(
                ServiceOrder.taker_id.in_([r.id for r in rows]), ServiceOrder.state == OrderState.TAKEN.value))).scalar_one()
            if busy:
                raise RosterRefused("busy")
            names = []
            for row in rows:
                row.status, row.left_at, row.version = "left", now, row.version + 1
                unit = await session.get(Unit, row.community_id)
                names.append(unit.name if unit else "")
            return names

    async def staff_or_volunteer(self, telegram_id: int) -> bool:
        """Active staff, or anyone on the roster (as memberships() would list): one query, on
        every resident's message before it may become a report."""
        q = select(or_(
            exists().where(Staff.telegram_id == telegram_id, Staff.active.is_(True)),
            exists().where(ServiceMember.telegram_id == telegram_id)))
        async with self.sf() as session:
            return bool((await session.execute(q)).scalar())

    async def memberships(self, telegram_id: int) -> list[tuple[Membership, str]]:
        async with self.sf() as session:
            person = await self.person(session, telegram_id)
            out = []
            for m in person.memberships:
                unit = await session.get(Unit, m.community_id)
                out.append((m, unit.name if unit else ""))
            return out
