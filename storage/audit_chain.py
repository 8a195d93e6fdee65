"""The audit log's hash chain: the one canonical form its hashes are taken over, shared by
organisation.audit (appending, verifying) and migration 0013_audit_chain (hashing the rows
that existed before the chain).

Each audit_log row stores `prev_hash`, the `hash` of the row before it in id order
(GENESIS, 64 zeros, for the first row), and its own

    hash = sha256(canonical(fields, prev_hash)).hexdigest()

where canonical(...) is the UTF-8 encoding of

    json.dumps({"at": ..., "actor_telegram_id": ..., "actor_name": ..., "action": ...,
                "object_kind": ..., "object_ref": ..., "reason": ..., "data": ...,
                "prev_hash": ...},
               sort_keys=True, ensure_ascii=False, separators=(",", ":"))

with `at` in UTC as ISO 8601 with microseconds ("2026-11-23T01:00:00.000000+00:00"; a
naive value, as SQLite hands it back, is read as UTC), `actor_telegram_id` an integer or
null, `reason` a string or null, `data` the stored JSON value or null, the others strings.

The id is not hashed: the database assigns it on insert, and filling it in afterwards
would take the UPDATE the log refuses. The order is carried by the links instead.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
FIELDS = ("at", "actor_telegram_id", "actor_name", "action", "object_kind", "object_ref", "reason", "data")


def _utc(at: datetime) -> str:
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def canonical(fields: Mapping[str, Any], prev_hash: str) -> bytes:
    """The bytes a row's hash is taken over; `fields` holds every name in FIELDS."""
    doc = {name: fields[name] for name in FIELDS}
    doc["at"] = _utc(doc["at"])
    doc["prev_hash"] = prev_hash
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """64 hex digits: sha256 of canonical(fields, prev_hash)."""
    return hashlib.sha256(canonical(fields, prev_hash)).hexdigest()
