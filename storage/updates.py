"""Idempotent commands: a replayed Telegram update changes nothing twice.

Telegram sends an update again when the bot did not confirm it (a crash, a webhook answer
that came too late). Each update is known by its keys: "update:<update_id>", and for a
message also "message:<chat_id>:<message_id>" (the same message in another update).

* Before handling, `seen` looks the keys up: a known update is dropped, unanswered.
* While handling (`handling`, a context variable set by the bot's outer middleware), the
  first transaction that writes records the keys *in that same transaction*, just before
  its commit (`RecordingSession`): the command's effect and "this update was handled" are
  committed together, or neither is. Should the keys be there already (the same update
  handled meanwhile by another instance or task), the commit fails with `ReplayedUpdate`
  and the transaction rolls back: the replay changed nothing.
* An update whose handling wrote nothing (a look-up, a prompt) is recorded once handled
  (`record`), so a replay after that does not answer twice.

Transactions that are not the command's effect opt out with `unrecorded(session)`: dialog
state, language preferences, marking outbox rows sent, intake's group commit (which
records each report's keys itself, `record_in`).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Iterator

from sqlalchemy import delete, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.models import ProcessedUpdate
from storage.upserts import upsert_insert

UNRECORDED = "gridbot.unrecorded"
_WROTE = "gridbot.wrote"
_PENDING = "gridbot.pending"  # handlings recorded in the open transaction
KEEP = timedelta(days=7)  # Telegram keeps an unconfirmed update for 24 hours


class ReplayedUpdate(Exception):
    """The update was handled already: its transaction was rolled back, and nobody is told."""


@dataclass
class Handling:
    """The update being handled in this context: its keys, and whether they are stored."""

    keys: tuple[str, ...]
    now: datetime
    recorded: bool = False


_current: ContextVar[Handling | None] = ContextVar("gridbot_update", default=None)


def current() -> Handling | None:
    return _current.get()


@contextmanager
def handling(keys: Sequence[str], now: datetime) -> Iterator[Handling]:
    h = Handling(tuple(keys), now)
    token = _current.set(h)
    try:
        yield h
    finally:
        _current.reset(token)


def leave_unrecorded() -> None:
    """The update being handled is not recorded: its effect comes later, elsewhere (an
    album's photo, submitted with the others after a pause). A replay is handled again,
    and the workflow's own key (a report's chat and message) keeps it from acting twice."""
    h = _current.get()
    if h is not None:
        h.keys = ()


def keys_of(update_id: int | None, chat_id: int | None = None, message_id: int | None = None) -> list[str]:
    keys = [f"update:{update_id}"] if update_id is not None else []
    if chat_id is not None and message_id is not None:
        keys.append(f"message:{chat_id}:{message_id}")
    return keys


def unrecorded(session: AsyncSession | Session) -> None:
    """This transaction is not the command's effect: it does not record the update."""
    session.info[UNRECORDED] = True


async def seen(session: AsyncSession, keys: Iterable[str]) -> bool:
    keys = list(keys)
    if not keys:
        return False
    q = select(ProcessedUpdate.key).where(ProcessedUpdate.key.in_(keys)).limit(1)
    return (await session.execute(q)).first() is not None


@lru_cache(maxsize=None)
def _insert(dialect: str):
    # The keys go as parameters: one statement, compiled once (a multi-row .values() is not cached).
    return (upsert_insert(dialect)(ProcessedUpdate).on_conflict_do_nothing(index_elements=["key"])
            .returning(ProcessedUpdate.key))


def _rows(h: Handling) -> list[dict]:
    return [{"key": k, "handled_at": h.now} for k in h.keys]


async def record_in(session: AsyncSession, h: Handling | None) -> bool:
    """Store the update's keys in the caller's transaction; False if any was stored before.
    The handling counts as recorded once that transaction commits."""
    if h is None or h.recorded or not h.keys:
        return True
    stored = (await session.execute(_insert(session.get_bind().dialect.name), _rows(h))).scalars().all()
    session.info.setdefault(_PENDING, []).append(h)
    return len(stored) == len(h.keys)


async def record(session_factory: Any, h: Handling) -> None:
    """After a handling that wrote nothing: the update is handled (a transaction of its own)."""
    if h.recorded or not h.keys:
        return
    async with session_factory() as session, session.begin():
        unrecorded(session)
        await record_in(session, h)


async def forget_chat(session: AsyncSession, chat_id: int) -> None:
    """/privacy delete: the keys that name this chat go."""
    await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.key.startswith(f"message:{chat_id}:")))


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget updates older than KEEP: Telegram no longer redelivers them."""
    result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.handled_at < now - KEEP))
    return result.rowcount or 0


class RecordingSession(Session):
    """The sync side of every AsyncSession (storage.engine.create_session_factory): records
    the update being handled in the first transaction of its handling that writes."""


@event.listens_for(RecordingSession, "do_orm_execute")
def _wrote_by_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(RecordingSession, "after_flush")
def _wrote_by_flush(session: Session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(RecordingSession, "before_commit")
def _record_before_commit(session: Session) -> None:
    h = _current.get()
    if h is None or h.recorded or not h.keys or session.info.get(UNRECORDED) or any(p is h for p in session.info.get(_PENDING, ())):
        return
    # before_commit comes before the last flush: objects only added count as writes too.
    if not (session.info.get(_WROTE) or session.new or session.deleted
            or any(session.is_modified(o) for o in session.dirty)):
        return
    # Sync code inside AsyncSession's greenlet: execute() runs the statement on the connection.
    stored = session.execute(_insert(session.get_bind().dialect.name), _rows(h)).scalars().all()
    if len(stored) < len(h.keys):
        raise ReplayedUpdate(h.keys)
    session.info.setdefault(_PENDING, []).append(h)


@event.listens_for(RecordingSession, "after_commit")
def _recorded(session: Session) -> None:
    session.info.pop(_WROTE, None)
    for h in session.info.pop(_PENDING, ()):
        h.recorded = True


@event.listens_for(RecordingSession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WROTE, None)
    session.info.pop(_PENDING, None)
