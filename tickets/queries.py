"""Read-only lists: a resident's tickets, a grid member's tasks, a cadre's open tickets."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import Residents, Tickets, Units
from tickets.actors import load_actor
from tickets.lifecycle import ASSIGNEE_STATES, OPEN_STATES, State
from tickets.policy import Actor, Role
from tickets.views import TicketView, build_view


class TicketQueries:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], admins=()) -> None:
        self.sf = session_factory
        self.admins = frozenset(admins)

    async def actor(self, telegram_id: int, name: str = "") -> Actor:
        async with self.sf() as session:
            return await load_actor(session, telegram_id, name=name, admins=self.admins)

    async def resident_grid(self, telegram_id: int) -> tuple[str, str] | None:
        async with self.sf() as session:
            resident = await Residents(session).by_telegram_id(telegram_id)
            if resident is None or resident.grid_id is None:
                return None
            grid = await Units(session).get(resident.grid_id)
            return (grid.code, grid.name) if grid else None

    async def my_tickets(self, telegram_id: int, limit: int = 20) -> list[TicketView]:
        async with self.sf() as session:
            resident = await Residents(session).by_telegram_id(telegram_id)
            if resident is None:
                return []
            rows = await Tickets(session).of_resident(resident.id, limit)
            return [await build_view(session, t) for t in rows]

    async def changed_since(self, telegram_id: int, since: datetime) -> TicketView | None:
        """The resident's ticket that changed last, if at or after `since` (UTC): what a short
        "谢谢" or "好的" right after it answers. None when nothing of theirs moved since."""
        async with self.sf() as session:
            resident = await Residents(session).by_telegram_id(telegram_id)
            if resident is None:
                return None
            rows = [t for t in await Tickets(session).of_resident(resident.id, 5)
                    if t.updated_at is not None and t.updated_at >= since]
            if not rows:
                return None
            return await build_view(session, max(rows, key=lambda t: (t.updated_at, t.id)))

    async def tasks(self, telegram_id: int, limit: int = 30) -> list[TicketView]:
        """Open work for a grid member; for a cadre, every open ticket of their communities;
        for a department's contact, what is escalated (吹哨) to their department now."""
        async with self.sf() as session:
            actor = await load_actor(session, telegram_id, admins=self.admins)
            tickets = Tickets(session)
            rows = list(await tickets.open_for_assignees(actor.staff_ids(), ASSIGNEE_STATES, limit))
            departments = actor.units(Role.DEPARTMENT)
            if departments:
                seen = {t.id for t in rows}
                more = await tickets.with_departments(departments, State.ESCALATED.value, limit)
                rows.extend(t for t in more if t.id not in seen)
            grids: set[int] = set()
            units = Units(session)
            for community_id in actor.units(Role.COMMUNITY_CADRE):
                grids.update(g.id for g in await units.children(community_id, "grid"))
            for grid_id in actor.units(Role.GRID_MEMBER):
                grids.add(grid_id)  # a backup sees the grid's open tickets too
            if grids:
                seen = {t.id for t in rows}
                more = await tickets.in_grids(grids, OPEN_STATES, limit)
                rows.extend(t for t in more if t.id not in seen)
            return [await build_view(session, t) for t in rows[:limit]]

    async def communities(self) -> list[tuple[int, str]]:
        async with self.sf() as session:
            return [(u.id, u.name) for u in await Units(session).of_kind("community")]

    async def grids(self, community_id: int) -> list[tuple[int, str]]:
        """(grid id, name) of a community's grids, in the organisation's order."""
        async with self.sf() as session:
            return [(g.id, g.name) for g in await Units(session).children(community_id, "grid")]

    async def grid_code(self, grid_id: int) -> str | None:
        """The code of an active grid, or None (a stale or forged button)."""
        async with self.sf() as session:
            unit = await Units(session).get(grid_id)
            return unit.code if unit is not None and unit.kind == "grid" and unit.active else None

    async def has_organisation(self) -> bool:
        async with self.sf() as session:
            return await Units(session).count() > 0
