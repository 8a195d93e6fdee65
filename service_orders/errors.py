"""Why the service workflow refused. Handlers turn each into one polite sentence.

They derive from tickets.errors.WorkflowError (so a generic handler still catches them)
but not from its ticket-specific subclasses, whose messages name ticket states."""
from __future__ import annotations

from tickets.errors import WorkflowError


class OrderRefused(WorkflowError):
    """`reason` says why, in a word the handlers map to a sentence:

    not_found   no such order (or one the asker may not know of)
    not_allowed the presser's role or ownership does not allow it
    stale       the order moved on (another press won; a replayed button)
    taken       接单 lost the race: someone else took it
    own_order   a member tried to take their own order
    busy        /leave while holding orders
    bad_input   a value the workflow does not accept (a date in the past, an empty note)
    not_registered  a resident who has not chosen a grid yet
    rate_limited    more orders in an hour than `limit`
    """

    def __init__(self, reason: str, state: str | None = None, limit: int = 0) -> None:
        super().__init__(reason if state is None else f"{reason} ({state})")
        self.reason = reason
        self.state = state
        self.limit = limit


class RosterRefused(WorkflowError):
    """双报到: unknown / used / expired code, not allowed, not a member, pending."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MatterRefused(WorkflowError):
    """联手说事: not allowed, not found, stale, bad options, no recipients."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
