"""The outbox: every message the workflow decides to send, written in the same transaction
as the change that causes it, so a crash between the commit and the send loses nothing.

* Who queues: the workflow (tickets, service orders, 联手说事, hand-overs) calls `put` (or
  `queue_notices` for ticket notices) inside its transaction. Each row has a unique `key`
  saying what it is for and for whom ("ticket:12:accepted:v3:chat:720101"): replaying the
  same command queues nothing twice (INSERT … ON CONFLICT DO NOTHING).
* Who sends: the handler that ran the command sends exactly the rows it queued, right
  after the commit (they are queued already claimed by it, so nobody else races it), and
  marks each one sent as soon as Telegram answers, with the message's id. The sweep
  (bot.jobs.outbox) sends whatever is left: rows never claimed (queued where nothing can
  send, like `gridbot org import`), rows whose send failed, and rows whose claim is older
  than the lease (the process died mid-send). Only that one in-flight message can arrive
  twice. A claim is a lease on a living sender: while a row waits in this process's queue
  (Telegram's pacing, a burst), `holding` keeps it and `renew` extends its claim, so only a
  sender that died lets its rows go to another.
* Rows are plain data (chat, kind, ticket/order/matter id, note): rendering happens at
  send time, in handlers.views, in the reader's language.
"""
from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.upserts import upsert_insert
from storage import updates
from storage.models import OutboxMessage
from storage.write_lock import WriteLock
from tickets.views import Notice, NoticeKind, to_followers

LEASE = timedelta(minutes=1)


@dataclass(frozen=True)
class Row:
    """One message to queue: what it is (`kind`), about what, for whom, and its key."""

    key: str
    chat_id: int
    kind: str
    ticket_id: int | None = None
    order_id: int | None = None
    matter_id: int | None = None
    note: str | None = None
    actor_name: str = ""
    points: int = 0


def held(release: datetime | None, now: datetime) -> datetime | None:
    """`release` (a quiet-hours rule's answer for `now`) if it is still ahead: the rows of a
    resident broadcast then wait for it (`put(..., not_before=...)`); None: send now."""
    return release if release is not None and release > now else None


def ticket_key(ticket_id: int, kind: str, version: int, chat_id: int) -> str:
    return f"ticket:{ticket_id}:{kind}:v{version}:chat:{chat_id}"


async def put(session: AsyncSession, rows: Iterable[Row], now: datetime, *, claimed: bool = True,
              not_before: datetime | None = None) -> dict[str, int]:
    """Queue rows in the caller's transaction; a key already queued is skipped. Returns
    {key: id} of the rows queued now. `claimed`: the caller sends them itself right after
    the commit (the sweep leaves them alone for the lease); False for a process that
    cannot send. `not_before` (later than `now`): the rows wait, unsent by anyone, until
    then (a resident broadcast held through quiet hours, see `held`)."""
    unique: dict[str, Row] = {}
    for r in rows:
        if r.chat_id:  # 0/None: nobody to tell (a resident who deleted their data)
            unique.setdefault(r.key, r)
    if not unique:
        return {}
    wait = not_before is not None and not_before > now
    # A held row is queued as if claimed at its release time: the sweep takes it up once the
    # lease after that has run out, never before (no column of its own, no migration).
    claim_at = not_before if wait else (now if claimed else None)
    # `attempts` counts failed sends only (see `mark`): a claim whose sender died is no attempt.
    values = [{"key": r.key, "created_at": now, "chat_id": r.chat_id, "kind": r.kind, "ticket_id": r.ticket_id,
               "order_id": r.order_id, "matter_id": r.matter_id, "note": r.note,
               "actor_name": (r.actor_name or "")[:200], "points": r.points,
               "attempts": 0, "claimed_at": claim_at}
              for r in unique.values()]
    stmt = _upsert(session.get_bind().dialect.name)
    # The rows go as parameters, not in the statement: one statement for all of them, compiled
    # once and cached (a multi-row .values() is compiled anew for every call).
    return {key: id_ for id_, key in (await session.execute(stmt, values)).all()}


@lru_cache(maxsize=None)
def _upsert(dialect: str):
    return (upsert_insert(dialect)(OutboxMessage).on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxMessage.id, OutboxMessage.key))


async def queue_notices(session: AsyncSession, notices: Iterable[Notice], now: datetime,
                        tag: str = "") -> list[Notice]:
    """Ticket notices (and their copies for the ticket's followers) into the outbox; returns
    those queued now, each carrying its row's id. One queued before (a replay) is left out.
    `tag`: tells apart notices of a command that leaves the ticket's version as it was (催办)."""
    expanded = [n for n in to_followers(notices) if n.chat_id]
    keyed = [(ticket_key(n.ticket.id, n.kind.value, n.ticket.version, n.chat_id) + tag, n) for n in expanded]
    ids = await put(session, (Row(k, n.chat_id, n.kind.value, ticket_id=n.ticket.id, note=n.note,
                                  actor_name=n.actor_name or "") for k, n in keyed), now)
    out, seen = [], set()
    for k, n in keyed:
        if k in ids and k not in seen:
            seen.add(k)
            out.append(replace(n, outbox_id=ids[k]))
    return out


def queue(session: AsyncSession, chat_id: int | None, kind: NoticeKind, ticket_id: int, now: datetime,
          note: str | None = None, actor_name: str = "", *, version: int | None = None) -> None:
    """A ticket notice from a process that cannot send (a hand-over from the command line):
    left unclaimed for the running bot's sweep."""
    if not chat_id:
        return
    key = ticket_key(ticket_id, kind.value, version, chat_id) if version is not None else None
    session.add(OutboxMessage(key=key, created_at=now, chat_id=chat_id, kind=kind.value, ticket_id=ticket_id,
                              note=note, actor_name=actor_name[:200], attempts=0, points=0))


# Kinds whose rows their own sweep sends (it knows how to render them, and when they
# stop being worth sending): 督办 reminders (supervision.reminders) and digests
# (supervision.digests). The general sweep leaves them alone.
OWN_SWEEP = ("reminder", "digest.")


async def claim(session_factory: async_sessionmaker[AsyncSession], now: datetime, *,
                lease: timedelta = LEASE, batch: int = 100,
                max_attempts: int = 5, lock: WriteLock | None = None) -> Sequence[OutboxMessage]:
    """Rows due for the sweep, claimed in one statement (two senders never take the same).
    `lock`: the workflow's write lock on SQLite, as for `mark`. Reminders and digests are
    left to their own sweeps (OWN_SWEEP)."""
    async with lock or nullcontext(), session_factory() as session, session.begin():
        updates.unrecorded(session)
        own = [OutboxMessage.kind.startswith(prefix) for prefix in OWN_SWEEP]
        return await claim_in(session, now, ~or_(*own), lease=lease, batch=batch, max_attempts=max_attempts)


async def claim_in(session: AsyncSession, now: datetime, *where: Any, lease: timedelta = LEASE, batch: int = 100,
                   max_attempts: int = 5) -> list[OutboxMessage]:
    """`claim` in the caller's transaction, of the rows matching `where` (a reminder sweep
    takes its own kind's stale rows this way, in its claim's transaction)."""
    # One statement: on SQLite a read before the write could lose the writer's race.
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < max_attempts,
               or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at <= now - lease), *where)
        .order_by(OutboxMessage.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    # No attempt counted here: a row whose senders kept dying (killed mid-send, again and
    # again under load) was given up after five claims and lost. `mark` counts failures.
    claimed = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(claimed_at=now)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed.scalars().all(), key=lambda m: m.id)


async def mark(session_factory: async_sessionmaker[AsyncSession], message_id: int, outcome: str,
               now: datetime, *, final: bool, telegram_message_id: int | None = None,
               poll_id: str | None = None, lock: WriteLock | None = None) -> None:
    """`final`: sent, or not worth trying again (blocked, obsolete); otherwise (a failed
    send) the row counts one more attempt and keeps its claim, and a sweep tries again once
    the lease is over (a back-off, up to max_attempts failed sends).

    Group commit, as intake's: marks arriving while a batch is written wait and go in the
    next one (one executemany UPDATE, one commit); each caller returns once its own is
    committed. `lock`: the workflow's write lock on SQLite (TicketService.write_lock), taken
    in its short lane (storage.write_lock): a message Telegram took and a crash could
    send again waits the shortest time for its mark.
    Without both, each report's mark met the intake's open transactions in SQLite's
    busy-wait, which sleeps in steps of up to 100 ms: seconds of p99 at 16 reports in
    flight, and "database is locked" past 5 s."""
    values = _mark_values(outcome, now, final, telegram_message_id, poll_id)
    values["id"] = message_id
    batch = _MarkBatch.of(session_factory)
    future = asyncio.get_running_loop().create_future()
    batch.pending.append((values, future))
    async with batch.lock:
        while not future.done():
            items, batch.pending = batch.pending, []
            try:
                async with _short_lane(lock), session_factory() as session, session.begin():
                    updates.unrecorded(session)  # the send of a command's effect, not the effect
                    finals = [v for v, _ in items if v["sent_at"] is not None]
                    if finals:
                        await session.execute(update(OutboxMessage), finals)  # by primary key
                    for v, _ in items:
                        if v["sent_at"] is None:  # a failed send: counted one by one
                            await _write_mark(session, v["id"], {k: x for k, x in v.items() if k != "id"})
            except Exception as exc:  # noqa: BLE001 - handed to every caller in the batch
                for _, f in items:
                    if not f.done():
                        f.set_exception(exc)
            else:
                for _, f in items:
                    if not f.done():
                        f.set_result(None)
    await future


class _Held:
    """Row ids this process has claimed and not yet recorded (one per session factory)."""

    _all: WeakKeyDictionary[Any, _Held] = WeakKeyDictionary()

    def __init__(self) -> None:
        self.ids: Counter[int] = Counter()

    @classmethod
    def of(cls, session_factory: Any) -> _Held:
        held = cls._all.get(session_factory)
        if held is None:
            held = cls._all[session_factory] = cls()
        return held


@contextmanager
def holding(session_factory: Any, ids: Iterable[int | None]) -> Iterator[None]:
    """While the block runs, `renew` keeps these rows' claims alive: they are being sent
    here, however long they wait for their turn."""
    held = _Held.of(session_factory)
    mine = [i for i in ids if i is not None]
    held.ids.update(mine)
    try:
        yield
    finally:
        held.ids.subtract(mine)
        for i in mine:
            if held.ids[i] <= 0:
                del held.ids[i]


async def renew(session_factory: async_sessionmaker[AsyncSession], now: datetime, *,
                lock: WriteLock | None = None) -> int:
    """Extend to `now` the claims of the rows this process holds (`holding`) and has not
    recorded; returns how many. Run well within the lease (bot.jobs.outbox)."""
    ids = sorted(_Held.of(session_factory).ids)
    if not ids:
        return 0
    renewed = 0
    async with _short_lane(lock), session_factory() as session, session.begin():
        updates.unrecorded(session)
        for start in range(0, len(ids), 500):
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids[start:start + 500]), OutboxMessage.sent_at.is_(None),
                       OutboxMessage.claimed_at.is_not(None), OutboxMessage.claimed_at <= now)
                .values(claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            renewed += result.rowcount or 0
    return renewed


def _short_lane(lock: WriteLock | None) -> Any:
    return lock.urgent() if lock is not None else nullcontext()


class _MarkBatch:
    """The marks waiting for one session factory's next commit (one per event loop)."""

    _all: WeakKeyDictionary[Any, _MarkBatch] = WeakKeyDictionary()

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.lock = asyncio.Lock()
        self.pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []

    @classmethod
    def of(cls, session_factory: Any) -> _MarkBatch:
        batch = cls._all.get(session_factory)
        if batch is None or batch.loop is not asyncio.get_running_loop():
            batch = cls._all[session_factory] = cls()
        return batch


def outcome_of(ok: bool, blocked: bool) -> tuple[str, bool]:
    """(outcome, final) of a send for `mark`: sent and blocked are final, else failed."""
    if ok:
        return "sent", True
    return ("blocked", True) if blocked else ("failed", False)


def _mark_values(outcome: str, now: datetime, final: bool, telegram_message_id: int | None,
                 poll_id: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {"outcome": outcome, "sent_at": now if final else None}
    if telegram_message_id is not None:
        values["message_id"] = telegram_message_id
    if poll_id is not None:
        values["poll_id"] = poll_id
    return values


async def mark_in(session: AsyncSession, message_id: int, outcome: str, now: datetime, *, final: bool,
                  telegram_message_id: int | None = None, poll_id: str | None = None) -> None:
    """`mark`, in the caller's transaction (with what the send changes, like a poll's id)."""
    await _write_mark(session, message_id, _mark_values(outcome, now, final, telegram_message_id, poll_id))


async def _write_mark(session: AsyncSession, message_id: int, values: dict[str, Any]) -> None:
    if values["sent_at"] is None:  # not final: a failed send, one more attempt
        values = {**values, "attempts": OutboxMessage.attempts + 1}
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class SentCard:
    """A message Telegram took, as queued: enough to draw it again and edit it in place."""

    message_id: int
    kind: str
    note: str | None
    actor_name: str


async def sent_cards(session_factory: async_sessionmaker[AsyncSession], ticket_id: int, chat_id: int,
                     kinds: Iterable[str]) -> list[SentCard]:
    """The messages of these kinds about a ticket that reached this chat, oldest first:
    the cards to bring up to date once it is closed or its 重办 has a reason."""
    async with session_factory() as session:
        q = (select(OutboxMessage.message_id, OutboxMessage.kind, OutboxMessage.note, OutboxMessage.actor_name)
             .where(OutboxMessage.ticket_id == ticket_id, OutboxMessage.chat_id == chat_id,
                    OutboxMessage.kind.in_(list(kinds)), OutboxMessage.message_id.is_not(None),
                    OutboxMessage.outcome == "sent")
             .order_by(OutboxMessage.id))
        return [SentCard(m, k, n, a or "") for m, k, n, a in (await session.execute(q)).all()]


async def rows(session: AsyncSession, ids: Sequence[int]) -> Sequence[OutboxMessage]:
    q = select(OutboxMessage).where(OutboxMessage.id.in_(list(ids))).order_by(OutboxMessage.id)
    return (await session.execute(q)).scalars().all()


async def pending(session: AsyncSession) -> Sequence[OutboxMessage]:
    q = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
    return (await session.execute(q)).scalars().all()
