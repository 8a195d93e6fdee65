"""派单: who handles a ticket of this grid and category, and who supervises it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Staff
from storage.repositories import StaffRepo, Units
from tickets.policy import Role


@dataclass(frozen=True)
class Route:
    assignee: Staff | None
    backup: Staff | None


def _takes(staff: Staff, category: str) -> bool:
    return not staff.categories or category in staff.categories


def pick(members: Sequence[Staff], category: str) -> Route:
    """The grid's primary member who takes this category, else any member; a backup beside.
    Someone the bot cannot reach (blocked_at set) comes last: the card would never arrive."""
    # Reachable first, then staff marked for this category, then primaries before backups, then by id.
    ranked = sorted(members, key=lambda s: (s.blocked_at is not None, not _takes(s, category), s.is_backup, s.id))
    assignee = ranked[0] if ranked else None
    backup = next((s for s in ranked[1:] if s.is_backup), None)
    return Route(assignee=assignee, backup=backup)


async def route(session: AsyncSession, grid_id: int, category: str) -> Route:
    return pick(await StaffRepo(session).in_unit(grid_id, Role.GRID_MEMBER), category)


async def supervisors(session: AsyncSession, grid_id: int) -> list[Staff]:
    """Community cadres of the grid's community; the street's cadres if it has none."""
    chain = await Units(session).ancestors(grid_id)
    staff = StaffRepo(session)
    if "community" in chain:
        cadres = await staff.in_unit(chain["community"].id, Role.COMMUNITY_CADRE)
        if cadres:
            return list(cadres)
    if "street" in chain:
        return list(await staff.in_unit(chain["street"].id, Role.STREET_CADRE))
    return []


async def reassign_candidates(session: AsyncSession, grid_id: int) -> list[tuple[Staff, str]]:
    """Grid members of the ticket's community, with their grid's name, for 转派 buttons."""
    units = Units(session)
    chain = await units.ancestors(grid_id)
    community = chain.get("community")
    grids = await units.children(community.id, "grid") if community else [chain["grid"]]
    names = {g.id: g.name for g in grids}
    members = await StaffRepo(session).in_units(names, Role.GRID_MEMBER)
    return [(m, names[m.unit_id]) for m in members]


async def holders(session: AsyncSession, state: str, grid_id: int, assignee_telegram_id: int | None,
                  department_id: int | None) -> list[int]:
    """Chat ids of those holding a ticket in this state, whose cards carry its buttons: the
    cadres while nobody is assigned (待派单, 已退回), else the assignee, and the department's
    contacts while it is 已吹哨. Each once, in that order."""
    if state in ("new", "returned"):
        return [c.telegram_id for c in await supervisors(session, grid_id)]
    chats = [assignee_telegram_id] if assignee_telegram_id else []
    if state == "escalated" and department_id:
        chats += [s.telegram_id for s in await StaffRepo(session).in_unit(department_id, Role.DEPARTMENT)]
    return list(dict.fromkeys(chats))
