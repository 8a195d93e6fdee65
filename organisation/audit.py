"""The audit log: every organisation, staff and admin action, with who, what and why.

Rows are added in the caller's transaction, so an action and its audit line are stored
together or not at all. No phone numbers or invite codes go in here.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry

REASON_LIMIT = 500


@dataclass(frozen=True)
class Operator:
    """Who acts on the organisation: an admin in chat, or the command line (telegram_id None)."""

    telegram_id: int | None
    name: str
    is_admin: bool

    @classmethod
    def command_line(cls, user: str = "") -> Operator:
        return cls(None, f"cli:{user}" if user else "cli", True)


async def record(
    session: AsyncSession, operator: Operator | None, action: str, object_kind: str, object_ref: Any,
    now: datetime, *, reason: str | None = None, data: dict[str, Any] | None = None,
) -> None:
    session.add(AuditEntry(
        at=now,
        actor_telegram_id=operator.telegram_id if operator else None,
        actor_name=(operator.name if operator else "")[:200],
        action=action[:40],
        object_kind=object_kind[:20],
        object_ref=str(object_ref)[:100],
        reason=reason[:REASON_LIMIT] if reason else None,
        data=data,
    ))


async def recent(session: AsyncSession, limit: int = 50, action: str | None = None) -> Sequence[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        q = q.where(AuditEntry.action == action)
    return (await session.execute(q)).scalars().all()
