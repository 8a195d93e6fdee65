"""Queries and writes. Repositories add, flush and query; they never commit."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Attachment,
    Rating,
    Resident,
    Staff,
    Ticket,
    TicketEvent,
    Unit,
)
from storage.upserts import upsert_insert


class Units:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def by_code(self, code: str) -> Unit | None:
        return (await self.s.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()

    async def get(self, unit_id: int) -> Unit | None:
        return await self.s.get(Unit, unit_id)

    async def children(self, parent_id: int | None, kind: str | None = None) -> Sequence[Unit]:
        q = select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)
        q = q.where(Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id)
        if kind:
            q = q.where(Unit.kind == kind)
        return (await self.s.execute(q)).scalars().all()

    async def of_kind(self, kind: str) -> Sequence[Unit]:
        q = select(Unit).where(Unit.kind == kind, Unit.active.is_(True)).order_by(Unit.id)
        return (await self.s.execute(q)).scalars().all()

    async def all(self) -> Sequence[Unit]:
        return (await self.s.execute(select(Unit).order_by(Unit.id))).scalars().all()

    async def count(self) -> int:
        return (await self.s.execute(select(func.count(Unit.id)))).scalar_one()

    async def ancestors(self, unit_id: int) -> dict[str, Unit]:
        """The unit and those above it, by kind (grid, community, street)."""
        found: dict[str, Unit] = {}
        current = await self.get(unit_id)
        while current is not None and current.kind not in found:
            found[current.kind] = current
            current = await self.get(current.parent_id) if current.parent_id else None
        return found


class StaffRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def roles_of(self, telegram_id: int) -> Sequence[Staff]:
        q = select(Staff).where(Staff.telegram_id == telegram_id, Staff.active.is_(True))
        return (await self.s.execute(q.order_by(Staff.id))).scalars().all()

    async def get(self, staff_id: int) -> Staff | None:
        return await self.s.get(Staff, staff_id)

    async def in_unit(self, unit_id: int, role: str) -> Sequence[Staff]:
        q = (
            select(Staff)
            .where(Staff.unit_id == unit_id, Staff.role == role, Staff.active.is_(True))
            .order_by(Staff.is_backup, Staff.id)
        )
        return (await self.s.execute(q)).scalars().all()

    async def in_units(self, unit_ids: Iterable[int], role: str) -> Sequence[Staff]:
        q = (
            select(Staff)
            .where(Staff.unit_id.in_(list(unit_ids)), Staff.role == role, Staff.active.is_(True))
            .order_by(Staff.unit_id, Staff.is_backup, Staff.id)
        )
        return (await self.s.execute(q)).scalars().all()

    async def find(self, telegram_id: int, unit_id: int, role: str) -> Staff | None:
        q = select(Staff).where(
            Staff.telegram_id == telegram_id, Staff.unit_id == unit_id, Staff.role == role
        )
        return (await self.s.execute(q)).scalar_one_or_none()

    async def all(self) -> Sequence[Staff]:
        return (await self.s.execute(select(Staff).order_by(Staff.id))).scalars().all()


class Residents:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def by_telegram_id(self, telegram_id: int) -> Resident | None:
        q = select(Resident).where(Resident.telegram_id == telegram_id)
        return (await self.s.execute(q)).scalar_one_or_none()

    async def get(self, resident_id: int) -> Resident | None:
        return await self.s.get(Resident, resident_id)

    async def add(self, resident: Resident) -> Resident:
        self.s.add(resident)
        await self.s.flush()
        return resident

    async def upsert(self, telegram_id: int, created_at: datetime, **values: Any) -> tuple[Resident, bool]:
        """The resident with this Telegram id, created with `values` if there is none:
        (resident, created). INSERT ... ON CONFLICT DO NOTHING, then a SELECT, so two first
        messages of one new person at once both find the same row (no unique violation)."""
        dialect = self.s.get_bind().dialect.name
        insert = upsert_insert(dialect)
        stmt = (insert(Resident).values(telegram_id=telegram_id, created_at=created_at, **values)
                .on_conflict_do_nothing(index_elements=["telegram_id"]).returning(Resident.id))
        created = (await self.s.execute(stmt)).scalar_one_or_none() is not None
        resident = (await self.s.execute(
            select(Resident).where(Resident.telegram_id == telegram_id).execution_options(populate_existing=True)
        )).scalar_one()
        return resident, created


class Tickets:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.s.get(Ticket, ticket_id)

    async def by_source(self, chat_id: int, message_id: int) -> Ticket | None:
        q = select(Ticket).where(
            Ticket.source_chat_id == chat_id, Ticket.source_message_id == message_id
        )
        return (await self.s.execute(q)).scalar_one_or_none()

    async def add(self, ticket: Ticket) -> Ticket:
        self.s.add(ticket)
        await self.s.flush()
        return ticket

    async def move(self, ticket: Ticket, expected_state: str, values: dict[str, Any]) -> bool:
        """Compare-and-set on (state, version): of two concurrent presses exactly one wins."""
        result = await self.s.execute(
            update(Ticket)
            .where(
                Ticket.id == ticket.id,
                Ticket.state == expected_state,
                Ticket.version == ticket.version,
            )
            .values(version=Ticket.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        await self.s.refresh(ticket)
        return True

    async def of_resident(self, resident_id: int, limit: int = 20) -> Sequence[Ticket]:
        q = (
            select(Ticket)
            .where(Ticket.resident_id == resident_id)
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        return (await self.s.execute(q)).scalars().all()

    async def open_for_assignees(
        self, staff_ids: Iterable[int], states: Iterable[str], limit: int = 30
    ) -> Sequence[Ticket]:
        q = (
            select(Ticket)
            .where(Ticket.assignee_id.in_(list(staff_ids)), Ticket.state.in_(list(states)))
            .order_by(Ticket.resolve_deadline, Ticket.id)
            .limit(limit)
        )
        return (await self.s.execute(q)).scalars().all()

    async def in_grids(
        self, grid_ids: Iterable[int], states: Iterable[str], limit: int = 30
    ) -> Sequence[Ticket]:
        q = (
            select(Ticket)
            .where(Ticket.grid_id.in_(list(grid_ids)), Ticket.state.in_(list(states)))
            .order_by(Ticket.resolve_deadline, Ticket.id)
            .limit(limit)
        )
        return (await self.s.execute(q)).scalars().all()

    async def with_departments(self, department_ids: Iterable[int], state: str, limit: int = 30) -> Sequence[Ticket]:
        """Tickets escalated (吹哨) to these departments and now in `state`, soonest deadline first."""
        q = (
            select(Ticket)
            .where(Ticket.department_id.in_(list(department_ids)), Ticket.state == state)
            .order_by(Ticket.resolve_deadline, Ticket.id)
            .limit(limit)
        )
        return (await self.s.execute(q)).scalars().all()

    async def add_event(self, event: TicketEvent) -> None:
        self.s.add(event)

    async def events(self, ticket_id: int) -> Sequence[TicketEvent]:
        q = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        return (await self.s.execute(q)).scalars().all()

    async def add_attachment(self, attachment: Attachment) -> None:
        self.s.add(attachment)

    async def attachments(self, ticket_id: int) -> Sequence[Attachment]:
        q = select(Attachment).where(Attachment.ticket_id == ticket_id).order_by(Attachment.id)
        return (await self.s.execute(q)).scalars().all()

    async def add_rating(self, rating: Rating) -> None:
        self.s.add(rating)
        await self.s.flush()

    async def rating(self, ticket_id: int, round_: int) -> Rating | None:
        q = select(Rating).where(Rating.ticket_id == ticket_id, Rating.round == round_)
        return (await self.s.execute(q)).scalar_one_or_none()

    async def count_since(self, resident_id: int, since: datetime) -> int:
        q = select(func.count(Ticket.id)).where(
            Ticket.resident_id == resident_id, Ticket.created_at >= since
        )
        return (await self.s.execute(q)).scalar_one()
