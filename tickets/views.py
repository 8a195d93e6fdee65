"""Plain data the workflow hands out: what handlers render and the notifier sends."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Attachment, Resident, Ticket, TicketFollower, Unit
from storage.repositories import Residents, StaffRepo, Tickets, Units
from tickets.lifecycle import State
from tickets.policy import TicketScope


@dataclass(frozen=True)
class TicketView:
    id: int
    state: State
    text: str
    category: str
    keywords: tuple[str, ...]
    confidence: float
    urgent: bool
    request_kind: str
    grid_id: int
    grid_code: str
    grid_name: str
    community_id: int | None
    community_name: str
    assignee_id: int | None
    assignee_name: str | None
    assignee_telegram_id: int | None
    resident_telegram_id: int
    created_at: datetime
    accept_deadline: datetime | None
    resolve_deadline: datetime | None
    latitude: float | None = None
    longitude: float | None = None
    photos: tuple[str, ...] = ()
    resolution_photos: tuple[str, ...] = ()
    resolution_note: str | None = None
    return_reason: str | None = None
    reopen_reason: str | None = None  # the resident's words after 未解决/不满意: for its handler
    reopen_count: int = 0
    street_id: int | None = None
    resident_id: int = 0
    micro_grid_id: int | None = None
    anonymous: bool = False
    # The reporter, for staff: empty for an anonymous ticket. Kept out of repr so a
    # logged view never carries a phone number.
    resident_name: str = field(default="", repr=False)
    resident_phone: str | None = field(default=None, repr=False)
    # 吹哨: the department it went to; 合并: the ticket it was merged into.
    department_id: int | None = None
    department_name: str = ""
    department_accepted_at: datetime | None = None  # the department's 签收 (报到), while it has it
    merged_into_id: int | None = None
    # Residents who follow it (they reported the same thing): told what the reporter is told.
    follower_ids: tuple[int, ...] = ()
    follower_telegram_ids: tuple[int, ...] = field(default=(), repr=False)
    # The ticket's version after the change: part of an outbox key (tickets.outbox).
    version: int = 0

    @property
    def handler_name(self) -> str | None:
        """Who has it now: the department while it is escalated (吹哨), else the assignee."""
        if self.state == State.ESCALATED and self.department_name:
            return self.department_name
        return self.assignee_name

    @property
    def scope(self) -> TicketScope:
        return TicketScope(
            resident_id=self.resident_id,
            grid_id=self.grid_id,
            community_id=self.community_id,
            street_id=self.street_id,
            assignee_id=self.assignee_id,
            micro_grid_id=self.micro_grid_id,
            state=self.state.value,
            followers=frozenset(self.follower_ids),
            department_id=self.department_id,
            urgent=self.urgent,
        )


class NoticeKind(StrEnum):
    NEW_TASK = "new_task"              # to the assignee: a ticket to 签收
    REPORTED = "reported"              # to the reporter: 受理 (note: suggested categories, one a line)
    UNASSIGNED = "unassigned"          # to cadres: nobody could take it; reassign
    RETURNED = "returned"              # to cadres: a grid member returned it; reassign
    ACCEPTED = "accepted"              # to the resident
    RESOLVED = "resolved"              # to the resident: 回访 question
    RETURNED_RESIDENT = "returned_resident"
    REASSIGNED_RESIDENT = "reassigned_resident"
    REOPENED = "reopened"              # to the assignee: 重办
    REOPENED_RESIDENT = "reopened_resident"
    CLOSED = "closed"                  # to the assignee: the resident's rating
    CATEGORY_CHANGED = "category_changed"
    TAKEN_AWAY = "taken_away"          # to the former assignee after 转派
    # Cadre tools (handlers.views.cadre_cards renders them).
    DEPARTMENT_TASK = "department_task"          # to a department's contact: 吹哨报到
    ESCALATED_RESIDENT = "escalated_resident"
    ESCALATED_MEMBER = "escalated_member"        # to the grid member: a department took it
    DEPARTMENT_ACCEPTED = "department_accepted"  # to the resident
    DEPARTMENT_REOPENED = "department_reopened"  # to a department's contact: 重办 of what it resolved
    REMINDED = "reminded"                        # 催办, to whoever handles it
    MERGED_RESIDENT = "merged_resident"          # note: the ticket it went into
    MERGED_ASSIGNEE = "merged_assignee"
    # Closing without 办结 (tickets.closing): cards about it say so and lose their buttons.
    CANCELLED = "cancelled"                      # to its handler: the resident withdrew it (撤销)
    CANCELLED_FOLLOWER = "cancelled_follower"    # to whoever follows it: withdrawn by its reporter (no more)
    INVALID_RESIDENT = "invalid_resident"        # note: the reason it is 无效
    INVALID_STAFF = "invalid_staff"              # to its other handlers; note: the reason
    REOPEN_REASON = "reopen_reason"              # to the assignee of a 重办; note: the resident's reason
    # Follow-ups (tickets.followup): 补充 and 联系反映人.
    SUPPLEMENTED = "supplemented"          # to the handler: the reporter added material (note: encoded)
    RELAY_TO_RESIDENT = "relay_resident"   # a handler's message; actor_name: the role shown
    RELAY_TO_HANDLER = "relay_handler"     # the reporter's answer (never their name)
    PHONE_REQUESTED = "phone_requested"    # to the reporter: share a number (contact button)
    PHONE_SHARED = "phone_shared"          # to the handler: the number, read from the resident at send time


@dataclass(frozen=True)
class Notice:
    chat_id: int
    kind: NoticeKind
    ticket: TicketView
    note: str | None = None
    actor_name: str | None = None
    # The outbox row it was queued as (tickets.outbox); None: not queued, sent directly.
    outbox_id: int | None = None


# What the reporter is told, followers are told too (their 回访 buttons included).
RESIDENT_NOTICES = frozenset({
    NoticeKind.ACCEPTED, NoticeKind.RESOLVED, NoticeKind.RETURNED_RESIDENT, NoticeKind.REASSIGNED_RESIDENT,
    NoticeKind.REOPENED_RESIDENT, NoticeKind.ESCALATED_RESIDENT, NoticeKind.DEPARTMENT_ACCEPTED,
    NoticeKind.MERGED_RESIDENT, NoticeKind.INVALID_RESIDENT,
})


def to_followers(notices: Iterable[Notice]) -> list[Notice]:
    """The notices, each one for the reporter followed by a copy for every follower."""
    out: list[Notice] = []
    for n in notices:
        out.append(n)
        if n.kind in RESIDENT_NOTICES and n.chat_id == n.ticket.resident_telegram_id:
            out.extend(replace(n, chat_id=f) for f in n.ticket.follower_telegram_ids if f != n.chat_id)
    return out


@dataclass
class Outcome:
    ticket: TicketView
    notices: list[Notice] = field(default_factory=list)
    duplicate: bool = False
    # Top suggestions when the classifier was unsure: the resident picks one.
    suggestions: tuple[str, ...] = ()
    rating_round_open: bool = False
    # 未解决 or 不满意 reopened it (重办), to its grid member or to the department that resolved it.
    reopened: bool = False
    # A press replayed (a double tap, a redelivered update): it was done before, nothing changed now.
    replayed: bool = False


@dataclass(frozen=True)
class Place:
    id: int
    code: str
    name: str


class UnitCache:
    """A grid's community and street, kept for a short while: the tree changes rarely,
    and every ticket view needs it. Staff and permissions are never cached."""

    def __init__(self, ttl: timedelta = timedelta(seconds=60),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl.total_seconds()
        self.monotonic = monotonic  # a cache's age, not a time of the workflow
        self._chains: dict[int, tuple[float, dict[str, Place]]] = {}

    async def chain(self, session: AsyncSession, grid_id: int) -> dict[str, Place]:
        now = self.monotonic()
        hit = self._chains.get(grid_id)
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        chain = {k: Place(u.id, u.code, u.name) for k, u in (await Units(session).ancestors(grid_id)).items()}
        self._chains[grid_id] = (now, chain)
        return chain

    def forget(self) -> None:
        """The tree changed (an import, here or in another instance): read it afresh."""
        self._chains.clear()


async def build_view(
    session: AsyncSession, ticket: Ticket, units: UnitCache | None = None,
    attachments: Sequence[Attachment] | None = None, *, known: Sequence[object] = (),
    followers: Sequence[Any] | None = None,
) -> TicketView:
    """`known`: rows the caller already holds (the session's identity map is weak, so
    handing them back saves a query). `followers=()`: a ticket opened in this very
    transaction, which nobody can follow yet (intake, inside its write lock)."""
    held = {(type(o).__name__, getattr(o, "id", None)): o for o in known}
    chain = await (units or UnitCache()).chain(session, ticket.grid_id)
    grid = chain.get("grid") or chain.get("micro_grid")
    community = chain.get("community")
    street = chain.get("street")
    assignee = held.get(("Staff", ticket.assignee_id))
    if assignee is None and ticket.assignee_id:
        assignee = await StaffRepo(session).get(ticket.assignee_id)
    resident = held.get(("Resident", ticket.resident_id)) or await Residents(session).get(ticket.resident_id)
    if attachments is None:
        attachments = await Tickets(session).attachments(ticket.id)
    erased = resident is None or resident.erased_at is not None
    followers = followers if followers is not None else (await session.execute(
        select(TicketFollower.resident_id, Resident.telegram_id)
        .join(Resident, Resident.id == TicketFollower.resident_id)
        .where(TicketFollower.ticket_id == ticket.id, Resident.erased_at.is_(None))
        .order_by(TicketFollower.id)
    )).all()
    department = await session.get(Unit, ticket.department_id) if ticket.department_id else None
    hidden = erased or ticket.anonymous
    return TicketView(
        id=ticket.id,
        state=State(ticket.state),
        text=ticket.text,
        category=ticket.category,
        keywords=tuple(ticket.keywords or ()),
        confidence=ticket.confidence,
        urgent=ticket.urgent,
        request_kind=ticket.request_kind,
        grid_id=ticket.grid_id,
        grid_code=grid.code if grid else "",
        grid_name=grid.name if grid else "",
        community_id=community.id if community else None,
        community_name=community.name if community else "",
        street_id=street.id if street else None,
        assignee_id=ticket.assignee_id,
        assignee_name=assignee.name if assignee else None,
        assignee_telegram_id=assignee.telegram_id if assignee else None,
        resident_id=ticket.resident_id,
        # 0 once the resident deleted their data: nobody is told (see handlers.shared.delivery).
        resident_telegram_id=0 if erased else resident.telegram_id,
        created_at=ticket.created_at,
        accept_deadline=ticket.accept_deadline,
        resolve_deadline=ticket.resolve_deadline,
        latitude=ticket.latitude,
        longitude=ticket.longitude,
        photos=tuple(a.file_id for a in attachments if a.stage == "report" and a.kind == "photo"),
        # This round's 办结 only: a photo of a round the resident rejected is not the result.
        resolution_photos=tuple(
            a.file_id for a in attachments if a.stage == "resolution" and a.kind == "photo"
            and ticket.resolved_at is not None and a.created_at >= ticket.resolved_at
        ),
        resolution_note=ticket.resolution_note,
        return_reason=ticket.return_reason,
        reopen_reason=ticket.reopen_reason,
        reopen_count=ticket.reopen_count,
        micro_grid_id=ticket.micro_grid_id,
        anonymous=bool(ticket.anonymous),
        resident_name="" if hidden else resident.name,
        resident_phone=None if hidden else resident.phone,
        department_id=ticket.department_id,
        department_name=department.name if department else "",
        department_accepted_at=ticket.department_accepted_at,
        merged_into_id=ticket.merged_into_id,
        follower_ids=tuple(f.resident_id for f in followers),
        follower_telegram_ids=tuple(f.telegram_id for f in followers),
        version=ticket.version or 0,
    )
