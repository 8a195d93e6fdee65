"""Ticket notices written where nothing can be sent (an import from the command line):
the running bot claims them, sends them and marks them, as the reminder sweep does.

A row is claimed (claimed_at, attempts) in one statement before it is sent, so two bots,
or a bot and a retry, never send it twice; one claimed but never marked is retried after
the lease, up to `max_attempts`.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import OutboxMessage
from tickets.views import NoticeKind


def queue(session: AsyncSession, chat_id: int | None, kind: NoticeKind, ticket_id: int, now: datetime,
          note: str | None = None, actor_name: str = "") -> None:
    if not chat_id:
        return  # nobody to tell (a resident who deleted their data)
    session.add(OutboxMessage(created_at=now, chat_id=chat_id, kind=kind.value, ticket_id=ticket_id,
                              note=note, actor_name=actor_name[:200], attempts=0))


async def claim(session_factory: async_sessionmaker[AsyncSession], now: datetime, *,
                lease: timedelta = timedelta(minutes=5), batch: int = 100,
                max_attempts: int = 5) -> Sequence[OutboxMessage]:
    async with session_factory() as session, session.begin():
        # One statement: on SQLite a read before the write could lose the writer's race.
        due = (
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < max_attempts,
                   or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at <= now - lease))
            .order_by(OutboxMessage.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        claimed = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        return sorted(claimed.scalars().all(), key=lambda m: m.id)


async def mark(session_factory: async_sessionmaker[AsyncSession], message_id: int, outcome: str,
               now: datetime, *, final: bool) -> None:
    """`final`: sent, or not worth trying again (blocked); otherwise left for a retry."""
    async with session_factory() as session, session.begin():
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id)
            .values(outcome=outcome, sent_at=now if final else None)
            .execution_options(synchronize_session=False)
        )


async def pending(session: AsyncSession) -> Sequence[OutboxMessage]:
    q = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
    return (await session.execute(q)).scalars().all()
