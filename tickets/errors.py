"""Why the workflow refused: handlers turn each into a polite sentence."""
from __future__ import annotations


class WorkflowError(Exception):
    pass


class NotFound(WorkflowError):
    """No such ticket, grid or choice, or one the asker may not know of."""


class NotAllowed(WorkflowError):
    """The actor's role or ownership does not allow this action on this ticket."""

    def __init__(self, action, ticket_id) -> None:
        super().__init__(f"{action} on ticket {ticket_id} not allowed")
        self.action = action
        self.ticket_id = ticket_id


class Stale(WorkflowError):
    """The ticket moved on since the button was drawn (or a second press lost the race)."""

    def __init__(self, ticket_id, state) -> None:
        super().__init__(f"ticket {ticket_id} is {state}")
        self.ticket_id = ticket_id
        self.state = state


class ReporterGone(WorkflowError):
    """The reporter deleted their data (/privacy): nobody is left to contact."""

    def __init__(self, ticket_id) -> None:
        super().__init__(f"the reporter of ticket {ticket_id} deleted their data")
        self.ticket_id = ticket_id


class NotRegistered(WorkflowError):
    """A resident who has not chosen a grid yet."""


class RateLimited(WorkflowError):
    def __init__(self, per_hour: int) -> None:
        super().__init__(f"more than {per_hour} reports an hour")
        self.per_hour = per_hour
