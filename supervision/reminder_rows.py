"""The 督办 reminders' rows in the outbox (tickets.outbox, kind "reminder"): their key, and
the claim again of those a crash or a failed send left unsent (supervision.reminders)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage
from storage.models import ReminderDelivery as RD
from tickets import outbox

KIND = "reminder"


@dataclass(frozen=True)
class StaleRow:
    """A reminder row of the outbox claimed again, with its ledger row's step and round."""

    id: int  # the ledger row (reminder_deliveries)
    outbox_id: int
    ticket_id: int
    step: str
    chat_id: int
    recipient_role: str
    deadline: datetime
    attempts: int

    def _asdict(self) -> dict[str, Any]:
        return {"id": self.id, "outbox_id": self.outbox_id, "ticket_id": self.ticket_id, "step": self.step,
                "chat_id": self.chat_id, "recipient_role": self.recipient_role, "deadline": self.deadline}


def reminder_key(ticket_id: int, step: str, deadline: datetime, chat_id: int) -> str:
    """What the reminder is for (the ticket, the step, the round) and for whom."""
    return f"reminder:{ticket_id}:{step}:{deadline:%Y%m%dT%H%M%S}:chat:{chat_id}"


async def reclaim_stale(session: AsyncSession, now: datetime, batch: int, lease: timedelta,
                         max_attempts: int) -> list[StaleRow]:
    # One more than max_attempts: a row past them is claimed once more, to be given up.
    rows = await outbox.claim_in(session, now, OutboxMessage.kind == KIND, lease=lease, batch=batch,
                                 max_attempts=max_attempts + 1)
    if not rows:
        return []
    ledger = {r.id: r for r in (await session.execute(
        select(RD).where(RD.id.in_([int(m.note) for m in rows if (m.note or "").isdigit()])))).scalars()}
    out = []
    for m in rows:
        d = ledger.get(int(m.note)) if (m.note or "").isdigit() else None
        if d is None:
            await outbox.mark_in(session, m.id, "obsolete", now, final=True)
            continue
        out.append(StaleRow(d.id, m.id, d.ticket_id, d.step, d.chat_id, d.recipient_role, d.deadline, m.attempts))
    return out
