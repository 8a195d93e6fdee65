"""Coordination between instances through the database.

A lease: one holder at a time for a name, until it expires. `acquire` takes a free or
expired lease or renews one's own, in one transaction (an UPDATE guarded by its WHERE,
else an INSERT guarded by the primary key), so two instances cannot both hold it.

Cache stamps: a counter per cache; a writer bumps it, every instance polls it and drops
its cache when it moved.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CacheStamp, Lease

Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def acquire(sessions: Sessions, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """True if `holder` holds the lease until now + ttl (taken or renewed)."""
    expires = now + ttl
    async with sessions() as session:
        async with session.begin():
            result = await session.execute(
                update(Lease)
                .where(Lease.name == name, (Lease.holder == holder) | (Lease.expires_at < now))
                .values(holder=holder, expires_at=expires)
            )
            if result.rowcount:
                return True
            if await session.get(Lease, name) is not None:
                return False  # someone else's, still valid
        try:
            async with session.begin():
                session.add(Lease(name=name, holder=holder, expires_at=expires))
            return True
        except IntegrityError:  # another instance inserted it first
            return False


async def release(sessions: Sessions, name: str, holder: str) -> None:
    """Give the lease up (on a clean shutdown), so another instance takes over at once."""
    async with sessions() as session, session.begin():
        await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


async def holder_of(sessions: Sessions, name: str, now: datetime) -> str | None:
    async with sessions() as session:
        lease = await session.get(Lease, name)
        return lease.holder if lease is not None and lease.expires_at >= now else None


async def bump(sessions: Sessions, name: str) -> None:
    """Tell every instance that the cache `name` is stale."""
    async with sessions() as session:
        async with session.begin():
            result = await session.execute(
                update(CacheStamp).where(CacheStamp.name == name).values(version=CacheStamp.version + 1))
            if result.rowcount:
                return
        try:
            async with session.begin():
                session.add(CacheStamp(name=name, version=1))
        except IntegrityError:
            async with session.begin():
                await session.execute(
                    update(CacheStamp).where(CacheStamp.name == name).values(version=CacheStamp.version + 1))


async def stamps(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        return {n: v for n, v in (await session.execute(select(CacheStamp.name, CacheStamp.version))).all()}
