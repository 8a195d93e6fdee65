"""What every service workflow shares: one transaction per command, queued behind the
ticket workflow's write lock on SQLite, and the person pressing loaded fresh."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import ServiceMember
from tickets.actors import load_actor
from tickets.policy import Actor


@dataclass(frozen=True)
class Membership:
    id: int
    community_id: int
    kind: str  # party_member / volunteer / branch_secretary
    status: str
    name: str


@dataclass(frozen=True)
class Person:
    """An Actor (resident, staff roles) and their 双报到 registrations."""

    actor: Actor
    memberships: tuple[Membership, ...] = ()

    @property
    def telegram_id(self) -> int:
        return self.actor.telegram_id

    @property
    def name(self) -> str:
        return self.actor.name

    def active(self) -> tuple[Membership, ...]:
        return tuple(m for m in self.memberships if m.status == "active")


# Quiet hours for broadcasts to residents and members: when one written at a moment may go
# out, or None to send now (bot.core.Core.quiet_release, from settings.quiet_hours).
QuietRule = Callable[[datetime], datetime | None]


def never_quiet(_: datetime) -> None:
    return None


MAX_ID = 2**62  # ids come from buttons: anything out of range is simply not found


def sane_id(value: int) -> bool:
    return isinstance(value, int) and 0 < value < MAX_ID


def membership(row: ServiceMember) -> Membership:
    return Membership(row.id, row.community_id, row.kind, row.status, row.name)


async def load_person(session: AsyncSession, telegram_id: int, name: str = "",
                      admins: Collection[int] = ()) -> Person:
    """The person as they are now: their staff roles, resident row and 双报到 registrations."""
    actor = await load_actor(session, telegram_id, name=name, admins=admins)
    rows = (await session.execute(
        select(ServiceMember).where(ServiceMember.telegram_id == telegram_id).order_by(ServiceMember.id)
    )).scalars().all()
    return Person(actor, tuple(membership(r) for r in rows))


class Workflow:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        write_lock: asyncio.Lock | None,
        clock: Callable[[], datetime],
        admins: Collection[int] = (),
    ) -> None:
        self.sf = session_factory
        # Shared with TicketService: SQLite has one writer, and queueing here is cheaper
        # than its busy-wait (None on PostgreSQL).
        self.write_lock = write_lock
        self.clock = clock
        self.admins = frozenset(admins)

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        """One session in one transaction, committed on leaving."""
        async with self.write_lock or nullcontext():
            async with self.sf() as session, session.begin():
                yield session

    async def person(self, session: AsyncSession, telegram_id: int, name: str = "") -> Person:
        return await load_person(session, telegram_id, name, self.admins)
