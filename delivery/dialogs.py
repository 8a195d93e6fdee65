"""Dialog state (aiogram FSM) in the database, for a single instance without Redis.

aiogram's MemoryStorage forgets every dialog on a restart: a grid member half-way through
a 办结 note then has their note read as a resident's report. Here each key's state and
data are written through to `dialog_states` and read back once per process; reads after
that come from memory, so an update costs no query (aiogram asks for the state on every
update). Entries older than `ttl` are forgotten, as Redis would expire them.

Several instances share dialogs through Redis instead (settings.fsm_storage = redis://),
since each process here keeps its own read cache.
"""
from __future__ import annotations

import json
from contextlib import nullcontext
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import updates
from storage.upserts import upsert_insert
from storage.models import DialogState

SWEEP_EVERY = 500  # writes between two deletions of expired rows


def _blank(state: str | None, data: Mapping[str, Any]) -> bool:
    """No dialog: no state, and nothing but None in the data (location=None after a report)."""
    return not state and all(v is None for v in data.values())


def key_of(key: StorageKey) -> str:
    return ":".join(str(part) if part is not None else "" for part in (
        key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id, key.destiny))


class DatabaseDialogStorage(BaseStorage):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, ttl: timedelta = timedelta(days=1),
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 write_lock: Any = None) -> None:
        self.sf = session_factory
        self.write_lock = write_lock  # SQLite's one writer: queue with the workflow's writes, not in its busy-wait
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[str, tuple[str | None, dict[str, Any], datetime]] = {}
        self._writes = 0

    async def _load(self, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
        k = key_of(key)
        now = self.clock()
        hit = self._cache.get(k)
        if hit is None:
            async with self.sf() as session:
                row = await session.get(DialogState, k)
            hit = (row.state, dict(row.data or {}), row.updated_at) if row else (None, {}, now)
            self._cache[k] = hit
        state, data, at = hit
        if (state is not None or data) and now - at > self.ttl:
            return None, {}  # expired, as Redis would have
        return state, data

    async def _save(self, key: StorageKey, state: str | None, data: dict[str, Any]) -> None:
        k = key_of(key)
        now = self.clock()
        data = json.loads(json.dumps(data))  # what the database gives back: tuples become lists
        before = self._cache.get(k)
        self._cache[k] = (state, data, now)
        if _blank(state, data) and before is not None and _blank(before[0], before[1]):
            return  # nothing stored and nothing to store: every report clears its location like this
        async with self.write_lock or nullcontext(), self.sf() as session, session.begin():
            updates.unrecorded(session)  # a dialog step is not a command's effect
            if _blank(state, data):  # stored as nothing: reads give {} and .get() the same None
                await session.execute(delete(DialogState).where(DialogState.key == k))
            else:
                dialect = session.bind.dialect.name
                insert = upsert_insert(dialect)
                stmt = insert(DialogState).values(key=k, state=state, data=data, updated_at=now)
                await session.execute(stmt.on_conflict_do_update(
                    index_elements=[DialogState.key],
                    set_={"state": stmt.excluded.state, "data": stmt.excluded.data,
                          "updated_at": stmt.excluded.updated_at}))
            self._writes += 1
            if self._writes % SWEEP_EVERY == 0:
                await session.execute(delete(DialogState).where(DialogState.updated_at < now - self.ttl))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        _, data = await self._load(key)
        await self._save(key, state.state if isinstance(state, State) else state, data)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._load(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        state, _ = await self._load(key)
        await self._save(key, state, dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._load(key))[1])

    async def close(self) -> None:
        self._cache.clear()
