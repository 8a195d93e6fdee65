"""Staff corrections of categories (改类), as training examples for the classifier."""
from __future__ import annotations

import zlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Ticket, TicketEvent
from tickets.lifecycle import Action


async def corrections(session: AsyncSession) -> list[tuple[str, str]]:
    """(ticket text, corrected category): the last correction of each ticket wins."""
    q = (
        select(Ticket.id, Ticket.text, TicketEvent.data)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.action == Action.RECATEGORIZE.value)
        .order_by(TicketEvent.id)
    )
    latest: dict[int, tuple[str, str]] = {}
    for ticket_id, text, data in await session.execute(q):
        to = (data or {}).get("to")
        if to and text:
            latest[ticket_id] = (text, to)
    return [latest[k] for k in sorted(latest)]


def split(rows: list[tuple[str, str]], heldout_share: float = 0.2) -> tuple[list, list]:
    """A stable split (by text hash): the same correction always lands on the same side."""
    train, held = [], []
    for row in rows:
        bucket = zlib.crc32(row[0].encode()) % 1000 / 1000
        (held if bucket < heldout_share else train).append(row)
    return train, held
