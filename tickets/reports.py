"""What the workflow is given: a resident's report, and the collaborators it needs from
outside (a classifier, a deadline policy, a clock). Plain data and protocols only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol


class Classifier(Protocol):
    def classify(self, text: str) -> Any: ...


class Deadlines(Protocol):
    """Computes (accept_deadline, resolve_deadline) for a ticket starting at `start`."""

    def __call__(self, start: datetime, category: str, urgent: bool) -> tuple[datetime, datetime]: ...


@dataclass(frozen=True)
class Report:
    telegram_id: int
    chat_id: int
    message_id: int
    text: str
    name: str = ""
    photos: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    # Where the shared location fell (organisation.gridmap); None: the resident's own grid.
    grid_id: int | None = None
    micro_grid_id: int | None = None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
