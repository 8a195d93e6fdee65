"""Sending one reminder or digest and recording it at once (supervision.reminders and
supervision.digests share this).

Each send is recorded as soon as Telegram answers, in its ledger (reminder or digest
deliveries) and its outbox row: a crash after Telegram took it can send again only what
was not yet recorded, not a whole chunk. A failure counts one attempt on the outbox row
(tickets.outbox) and stays claimed: a later sweep tries again once the lease is over.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import updates
from tickets import outbox

log = logging.getLogger(__name__)


class SendResult(Protocol):
    ok: bool
    blocked: bool


async def send_and_record(session_factory: async_sessionmaker[AsyncSession], sending: Awaitable[SendResult],
                          *, ledger: Any, ledger_id: int | None, outbox_id: int | None, now: datetime,
                          report: Any, what: str) -> None:
    """Await `sending`, then record its outcome: the `ledger` model's row `ledger_id` when
    final (sent, blocked), the outbox row `outbox_id` always; `report` (with sent, blocked
    and failed counters) counts it. An exception in `sending` is logged with `what` and is
    a failure: one bad message never stops a sweep."""
    try:
        result: SendResult | None = await sending
    except Exception:  # noqa: BLE001 - one bad message must not stop the others
        log.exception("sending %s failed", what)
        result = None
    outcome, final = outbox.outcome_of(result.ok, result.blocked) if result is not None else ("failed", False)
    setattr(report, outcome, getattr(report, outcome) + 1)
    async with session_factory() as session, session.begin():
        updates.unrecorded(session)
        if final and ledger_id is not None:
            await session.execute(update(ledger), [{"id": ledger_id, "sent_at": now, "outcome": outcome}])
        if outbox_id is not None:
            await outbox.mark_in(session, outbox_id, outcome, now, final=final,
                                 telegram_message_id=getattr(result, "message_id", None))
