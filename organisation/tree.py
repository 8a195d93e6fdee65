"""The organisation above many grids at once: one query per level, not per ticket."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Unit

# grid id -> {kind: unit} for the grid and every unit above it (as Units.ancestors).
OrgChains = dict[int, dict[str, Unit]]

_MAX_DEPTH = 8  # street > community > grid > micro-grid, with room; stops a parent cycle


async def load_chains(session: AsyncSession, grid_ids: Iterable[int]) -> OrgChains:
    grid_ids = list(grid_ids)
    units: dict[int, Unit] = {}
    wanted = set(grid_ids)
    for _ in range(_MAX_DEPTH):
        wanted -= units.keys()
        if not wanted:
            break
        found = (await session.execute(select(Unit).where(Unit.id.in_(wanted)))).scalars().all()
        units.update((u.id, u) for u in found)
        wanted = {u.parent_id for u in found if u.parent_id is not None}
    chains: OrgChains = {}
    for grid_id in grid_ids:
        chain: dict[str, Unit] = {}
        current = units.get(grid_id)
        while current is not None and current.kind not in chain:
            chain[current.kind] = current
            current = units.get(current.parent_id) if current.parent_id else None
        chains[grid_id] = chain
    return chains
