"""吹哨报到: a cadre escalates a ticket to a functional department of the street; the
department's contact 签收 (报到) and 办结 it.

The departments are units of kind "department" under the ticket's street, each with its
contacts (staff with role "department"); the category's default department (the
taxonomy's `department`, matched by unit name) is offered first. Once escalated, the
ticket's 办结 deadline follows the department's SLA from the moment of 吹哨.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Staff, Unit
from storage.repositories import StaffRepo, Tickets
from supervision.ladder import review_at
from tickets import outbox
from tickets.errors import NotAllowed, Stale
from tickets.lifecycle import Action, State, TransitionError, target_of, window_data
from tickets.policy import Role, handles_as_department
from tickets.views import Notice, NoticeKind, Outcome, TicketView, build_view

if TYPE_CHECKING:
    from tickets.service import TicketService

# (accept_deadline, resolve_deadline) for a department given a ticket at `start`.
DepartmentDeadlines = Callable[[datetime, bool], tuple[datetime, datetime]]


@dataclass(frozen=True)
class Department:
    unit_id: int
    name: str
    default: bool  # the category's own department


async def street_departments(session: AsyncSession, street_id: int | None, default_name: str | None) -> list[Department]:
    """The street's departments that have someone to receive a ticket, the default first."""
    if street_id is None:
        return []
    staffed = select(Staff.unit_id).where(Staff.role == Role.DEPARTMENT, Staff.active.is_(True))
    units = (await session.execute(
        select(Unit).where(Unit.parent_id == street_id, Unit.kind == "department", Unit.active.is_(True),
                           Unit.id.in_(staffed)).order_by(Unit.id)
    )).scalars().all()
    found = [Department(u.id, u.name, bool(default_name) and u.name == default_name) for u in units]
    return sorted(found, key=lambda d: not d.default)


class Escalations:
    def __init__(self, service: TicketService, deadlines: DepartmentDeadlines,
                 default_department: Callable[[str], str | None]) -> None:
        self.svc = service
        self.deadlines = deadlines
        self.default_department = default_department

    async def _options(self, session: AsyncSession, view: TicketView) -> list[Department]:
        return await street_departments(session, view.street_id, self.default_department(view.category))

    async def departments(self, telegram_id: int, ticket_id: int) -> tuple[TicketView, list[Department]]:
        """What the 吹哨 buttons offer; refuses before the menu if the cadre may not escalate."""
        svc = self.svc
        async with svc.sf() as session:
            actor = await svc.actor(session, telegram_id)
            _, view = await svc._load(session, ticket_id)
            svc._guard(actor, Action.ESCALATE, view)
            try:
                target_of(Action.ESCALATE, view.state)
            except TransitionError as exc:
                raise Stale(ticket_id, view.state) from exc
            return view, await self._options(session, view)

    async def escalate(self, telegram_id: int, ticket_id: int, department_id: int) -> Outcome:
        svc, now = self.svc, self.svc.clock()
        async with svc._tx() as session:
            actor = await svc.actor(session, telegram_id)
            ticket, view = await svc._load(session, ticket_id)
            svc._guard(actor, Action.ESCALATE, view)
            # The button's unit id is checked against the street's own departments.
            department = {d.unit_id: d for d in await self._options(session, view)}.get(department_id)
            if department is None:
                raise NotAllowed(Action.ESCALATE, ticket_id)
            _, resolve_by = self.deadlines(now, ticket.urgent)
            await svc._move(
                session, ticket, Action.ESCALATE, actor, now,
                {"department_id": department.unit_id, "escalated_at": now, "department_accepted_at": None,
                 "resolve_deadline": resolve_by, "escalation_level": 0,
                 "next_check_at": review_at(State.ESCALATED, now)},
                data={"department_id": department.unit_id, "department": department.name,
                      **window_data(resolve_deadline=resolve_by)},
            )
            view = await build_view(session, ticket, svc.units)
            contacts = await StaffRepo(session).in_unit(department.unit_id, Role.DEPARTMENT)
            notices = [Notice(c.telegram_id, NoticeKind.DEPARTMENT_TASK, view, None, actor.name) for c in contacts]
            notices.append(Notice(view.resident_telegram_id, NoticeKind.ESCALATED_RESIDENT, view))
            if view.assignee_telegram_id and view.assignee_telegram_id != telegram_id:
                notices.append(Notice(view.assignee_telegram_id, NoticeKind.ESCALATED_MEMBER, view, None, actor.name))
            notices = await outbox.queue_notices(session, notices, now)
        return Outcome(view, notices)

    async def accept(self, telegram_id: int, ticket_id: int) -> Outcome:
        """The department's 签收 (报到): recorded; the ticket stays 已吹哨 until 办结."""
        svc, now = self.svc, self.svc.clock()
        async with svc._tx() as session:
            actor = await svc.actor(session, telegram_id)
            ticket, view = await svc._load(session, ticket_id)
            if not handles_as_department(actor, view.scope):
                if view.state != State.ESCALATED and view.department_id in actor.units(Role.DEPARTMENT):
                    raise Stale(ticket_id, view.state)  # theirs once, moved on since
                raise NotAllowed(Action.ACCEPT, ticket_id)
            values = {"department_accepted_at": now, "updated_at": now}
            if ticket.first_contact_at is None:
                values["first_contact_at"] = now
            if ticket.department_accepted_at is not None or not await Tickets(session).move(
                ticket, State.ESCALATED.value, values
            ):
                raise Stale(ticket_id, view.state)
            await svc._event(session, ticket_id, actor, Action.ACCEPT, now, State.ESCALATED, State.ESCALATED,
                             data={"department_id": view.department_id, "department": view.department_name})
            view = await build_view(session, ticket, svc.units)
            notices = await outbox.queue_notices(session, [Notice(
                view.resident_telegram_id, NoticeKind.DEPARTMENT_ACCEPTED, view, None, view.department_name)], now)
        return Outcome(view, notices)
