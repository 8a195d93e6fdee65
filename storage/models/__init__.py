"""The tables, one module per part of the job. Times are UTC (see storage.types.UTCDateTime).

Every model is importable from here (`from storage.models import Ticket`), so Alembic and
callers need not know which module holds a table.
"""
from __future__ import annotations

from storage.models.base import NAMING, Base
from storage.models.dialogs import DialogState
from storage.models.leases import CacheStamp, Lease
from storage.models.organisation import (
    AuditEntry,
    Invite,
    Resident,
    Staff,
    Unit,
    UserSetting,
)
from storage.models.services import (
    Matter,
    MatterPoll,
    MatterVote,
    PointEntry,
    ServiceInvite,
    ServiceMember,
    ServiceOrder,
    ServiceOrderEvent,
)
from storage.models.supervision import DigestDelivery, ReminderDelivery
from storage.models.tickets import (
    AlertCard,
    Attachment,
    OutboxMessage,
    Rating,
    Ticket,
    TicketEvent,
    TicketFollower,
)
from storage.models.updates import ProcessedUpdate
from storage.models.web import WebLink, WebSession

__all__ = [
    "NAMING", "AlertCard", "AuditEntry", "Attachment", "Base", "CacheStamp", "DialogState", "DigestDelivery",
    "Invite", "Lease", "Matter", "MatterPoll", "MatterVote", "OutboxMessage", "PointEntry", "ProcessedUpdate",
    "Rating",
    "ReminderDelivery", "Resident", "ServiceInvite", "ServiceMember", "ServiceOrder", "ServiceOrderEvent",
    "Staff", "Ticket", "TicketEvent", "TicketFollower", "Unit", "UserSetting", "WebLink", "WebSession",
]
