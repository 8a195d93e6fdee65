"""The audit log: every organisation, staff and admin action, with who, what and why.

Rows are added in the caller's transaction, so an action and its audit line are stored
together or not at all. No phone numbers or invite codes go in here, and residents appear
only by their internal id (privacy.erase adds a row of its own and never edits old ones):
the log is append-only, so nothing in it could be erased later.

Append-only twice over. The database refuses UPDATE and DELETE on audit_log (triggers,
migration 0013_audit_chain), and the rows form a hash chain (storage.audit_chain gives the
exact form hashed), so an edit or a gap made by someone who dropped the triggers is found
by `verify` (`gridbot org audit --verify`).

Limits: deleting the newest rows leaves a shorter chain that still verifies; `verify`
returns the head hash so that an operator can note it and compare later.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncScalarResult, AsyncSession

from storage.audit_chain import FIELDS, GENESIS, chain_hash
from storage.models import AuditEntry

REASON_LIMIT = 500
# pg_advisory_xact_lock key serialising appends ("audt" in ASCII): two transactions
# appending at once would otherwise both link to the same head and fork the chain.
CHAIN_LOCK_KEY = 0x61756474


@dataclass(frozen=True)
class Operator:
    """Who acts on the organisation: an admin in chat, or the command line (telegram_id None)."""

    telegram_id: int | None
    name: str
    is_admin: bool

    @classmethod
    def command_line(cls, user: str = "") -> Operator:
        return cls(None, f"cli:{user}" if user else "cli", True)


def row_hash(row: AuditEntry) -> str:
    """sha256 hex of the row's canonical form, from its stored fields and prev_hash."""
    return chain_hash({name: getattr(row, name) for name in FIELDS}, row.prev_hash)


async def _head(session: AsyncSession) -> str:
    """The newest row's hash, with the right to append after it until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    else:
        # A statement that writes nothing, to take SQLite's one write lock before reading the
        # head (the driver would run a bare SELECT outside the transaction); no row, no trigger.
        await session.execute(text("DELETE FROM audit_log WHERE 0 = 1"))
    last = (await session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))).scalar()
    return last or GENESIS


async def record(
    session: AsyncSession, operator: Operator | None, action: str, object_kind: str, object_ref: Any,
    now: datetime, *, reason: str | None = None, data: dict[str, Any] | None = None,
) -> None:
    """Append one row, linked to the newest. On PostgreSQL this takes a transaction-level
    lock: other appenders wait until the caller's transaction ends."""
    entry = AuditEntry(
        at=now,
        actor_telegram_id=operator.telegram_id if operator else None,
        actor_name=(operator.name if operator else "")[:200],
        action=action[:40],
        object_kind=object_kind[:20],
        object_ref=str(object_ref)[:100],
        reason=reason[:REASON_LIMIT] if reason else None,
        # As it reads back from the JSON column (tuples become lists, keys strings), so the
        # hash taken now is the hash verify recomputes.
        data=json.loads(json.dumps(data)) if data is not None else None,
        prev_hash=await _head(session),
    )
    entry.hash = row_hash(entry)
    session.add(entry)
    await session.flush()  # the next record() in this transaction must link to this row


async def recent(session: AsyncSession, limit: int = 50, action: str | None = None) -> Sequence[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        q = q.where(AuditEntry.action == action)
    return (await session.execute(q)).scalars().all()


@dataclass(frozen=True)
class ChainCheck:
    """What `verify` found: `rows` checked; on a break, the first broken row's id, a `kind`
    ("edited", "gap" or "reordered") and a sentence saying why; `head` the last row's hash."""

    rows: int
    head: str = GENESIS
    broken_id: int | None = None
    kind: str = ""
    why: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


async def verify(session: AsyncSession) -> ChainCheck:
    """Recompute the chain in id order; stops at the first broken row."""
    hashes = {h: i for i, h in (await session.execute(select(AuditEntry.id, AuditEntry.hash))).all() if h}
    rows = await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=500))
    try:
        return await _walk(rows, hashes)
    finally:
        await rows.close()


async def _walk(rows: AsyncScalarResult[AuditEntry], hashes: dict[str, int]) -> ChainCheck:
    expected, before, count = GENESIS, None, 0
    async for row in rows:
        if not row.hash or row_hash(row) != row.hash:
            return ChainCheck(count, expected, row.id, "edited",
                              f"row {row.id} was edited: its contents no longer match its hash")
        if row.prev_hash != expected:
            linked = 0 if row.prev_hash == GENESIS else hashes.get(row.prev_hash)
            if linked is not None:
                where = "the start of the chain" if linked == 0 else f"row {linked}"
                return ChainCheck(count, expected, row.id, "reordered",
                                  f"row {row.id} follows {where}, not row {before or '(none)'}: rows were reordered, or the chain forked")
            lost = (f"a row between {before} and {row.id} was deleted (or row {before} was rewritten and "
                    f"re-hashed)" if before else "the rows before it were deleted")
            return ChainCheck(count, expected, row.id, "gap", f"row {row.id} links to a row that is not there: {lost}")
        expected, before, count = row.hash, row.id, count + 1
    return ChainCheck(count, expected)
