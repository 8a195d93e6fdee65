"""Workflow refusals as one polite sentence each."""
from __future__ import annotations

from handlers.shared.i18n import T, state_label
from tickets.errors import NotAllowed, NotFound, RateLimited, ReporterGone, Stale, WorkflowError


def refusal(exc: WorkflowError) -> str:
    if isinstance(exc, NotAllowed):
        return T.NOT_ALLOWED
    if isinstance(exc, ReporterGone):
        return T.REPORTER_GONE.format(id=exc.ticket_id)
    if isinstance(exc, Stale):
        return T.STALE.format(state=state_label(exc.state))
    if isinstance(exc, RateLimited):
        return T.RATE_LIMITED.format(per_hour=exc.per_hour)
    if isinstance(exc, NotFound):
        return T.BUTTON_EXPIRED
    return T.BUTTON_EXPIRED
