"""辖区: the units and grids a cadre oversees (their communities or street, and all below).

The organisation is small (hundreds of units), so it is read whole and walked in Python:
one query, whatever the depth.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Unit
from tickets.errors import NotAllowed
from tickets.policy import Actor, Role

CADRE_ROLES = (Role.COMMUNITY_CADRE, Role.STREET_CADRE)
# Units a cadre may name in /stats; grids hold the tickets.
NAMEABLE = ("street", "community", "grid")


def is_cadre(actor: Actor) -> bool:
    return actor.is_admin or any(actor.has_role(r) for r in CADRE_ROLES)


def require_cadre(actor: Actor, what: str) -> None:
    if not is_cadre(actor):
        raise NotAllowed(what, None)


@dataclass(frozen=True)
class Jurisdiction:
    roots: tuple[Unit, ...]  # the cadre's own units (every street, for an admin)
    units: dict[int, Unit]  # the roots and every active unit below them
    children: dict[int, tuple[int, ...]]

    @property
    def grids(self) -> dict[int, Unit]:
        return {i: u for i, u in self.units.items() if u.kind == "grid"}

    def grids_under(self, unit_id: int) -> dict[int, Unit]:
        found: dict[int, Unit] = {}
        todo = [unit_id]
        while todo:
            unit = self.units.get(todo.pop())
            if unit is None:
                continue
            if unit.kind == "grid":
                found[unit.id] = unit
            todo.extend(self.children.get(unit.id, ()))
        return found

    def find(self, text: str) -> Unit | None:
        """A street, community or grid of this jurisdiction by code or exact name."""
        text = text.strip()
        for unit in self.units.values():
            if unit.kind in NAMEABLE and text in (unit.code, unit.name):
                return unit
        return None

    def community_of(self, grid_id: int) -> Unit | None:
        unit = self.units.get(grid_id)
        while unit is not None and unit.kind != "community":
            unit = self.units.get(unit.parent_id) if unit.parent_id else None
        return unit


async def jurisdiction(session: AsyncSession, actor: Actor) -> Jurisdiction:
    """What the actor oversees as a community or street cadre (an admin: everything)."""
    rows = (await session.execute(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id))).scalars().all()
    by_id = {u.id: u for u in rows}
    children: dict[int, list[int]] = {}
    for u in rows:
        if u.parent_id is not None:
            children.setdefault(u.parent_id, []).append(u.id)
    if actor.is_admin:
        roots = [u for u in rows if u.parent_id is None]
    else:
        own = {unit_id for role in CADRE_ROLES for unit_id in actor.units(role)}
        roots = [by_id[i] for i in sorted(own) if i in by_id]
    return Jurisdiction(tuple(roots), _below(roots, by_id, children),
                        {k: tuple(v) for k, v in children.items()})


def _below(roots: Iterable[Unit], by_id: dict[int, Unit], children: dict[int, list[int]]) -> dict[int, Unit]:
    found: dict[int, Unit] = {}
    todo = [u.id for u in roots]
    while todo:
        unit_id = todo.pop()
        if unit_id in found or unit_id not in by_id:
            continue  # found: a cycle or a unit under two roots
        found[unit_id] = by_id[unit_id]
        todo.extend(children.get(unit_id, ()))
    return found
