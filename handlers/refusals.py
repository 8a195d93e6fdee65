"""Workflow refusals as one polite sentence each."""
from __future__ import annotations

from handlers import texts as T
from tickets.errors import NotAllowed, NotFound, RateLimited, Stale, WorkflowError
from tickets.lifecycle import State


def refusal(exc: WorkflowError) -> str:
    if isinstance(exc, NotAllowed):
        return T.NOT_ALLOWED
    if isinstance(exc, Stale):
        return T.STALE.format(state=State(exc.state).label)
    if isinstance(exc, RateLimited):
        return T.RATE_LIMITED.format(per_hour=exc.per_hour)
    if isinstance(exc, NotFound):
        return T.BUTTON_EXPIRED
    return T.BUTTON_EXPIRED
