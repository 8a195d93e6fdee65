"""/stats: the KPIs of figures.kpi for a cadre's own units, by grid, community and category.

Every figure comes from figures.kpi's GROUP BY queries over the cadre's grids; nothing
here counts tickets itself.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from figures.kpi import DEFAULT_MIN_SAMPLES, Counts, figures, split, total
from organisation.jurisdiction import Jurisdiction, jurisdiction, require_cadre
from supervision.digests import Period
from tickets.actors import load_actor
from tickets.errors import NotFound


@dataclass(frozen=True)
class StatsReport:
    scope: str  # the unit asked about, or the cadre's units
    period: Period
    grids: tuple[tuple[str, Counts], ...]
    communities: tuple[tuple[str, Counts], ...]
    categories: tuple[tuple[str, Counts], ...]
    total: Counts
    min_samples: int = DEFAULT_MIN_SAMPLES  # below: 样本不足 (docs/kpi.md)


async def unit_figures(
    session: AsyncSession, grid_ids: list[int], period: Period, now: datetime
) -> tuple[dict[int, Counts], dict[str, Counts]]:
    """(counts per grid id, counts per category) for these grids; every grid has a row."""
    by_grid, by_category = split(await figures(session, period.start, period.end, now, by="both", grid_ids=grid_ids))
    return {g: by_grid.get(g, Counts()) for g in grid_ids}, {str(k): v for k, v in by_category.items()}


class CadreStats:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, admins=(),
                 clock: Callable[[], datetime], min_samples: int = DEFAULT_MIN_SAMPLES) -> None:
        self.sf = session_factory
        self.min_samples = min_samples
        self.admins = frozenset(admins)
        self.clock = clock

    async def report(self, telegram_id: int, period: Period, unit: str = "") -> StatsReport:
        """Raises NotAllowed for anyone but a cadre, NotFound for a unit outside their own."""
        async with self.sf() as session:
            actor = await load_actor(session, telegram_id, admins=self.admins)
            require_cadre(actor, "stats")
            where = await jurisdiction(session, actor)
            return await stats_report(session, where, period, self.clock(), unit, self.min_samples)


async def stats_report(session: AsyncSession, where: Jurisdiction, period: Period, now: datetime, unit: str = "",
                       min_samples: int = DEFAULT_MIN_SAMPLES) -> StatsReport:
    """/stats for the units of a jurisdiction (a cadre's, or everything for the command line);
    raises NotFound for a unit outside it."""
    if unit.strip():
        chosen = where.find(unit)
        if chosen is None:
            raise NotFound(unit)
        grids, scope = where.grids_under(chosen.id), chosen.name
    else:
        grids, scope = where.grids, "、".join(u.name for u in where.roots)
    ids = sorted(grids)
    by_grid, by_category = await unit_figures(session, ids, period, now)
    communities: dict[str, Counts] = {}
    for grid_id, counts in by_grid.items():
        community = where.community_of(grid_id)
        name = community.name if community else "—"
        communities[name] = communities.get(name, Counts()) + counts
    return StatsReport(
        scope=scope,
        period=period,
        grids=tuple((grids[g].name, by_grid[g]) for g in ids),
        communities=tuple(sorted(communities.items())),
        categories=tuple(sorted(by_category.items(), key=lambda kv: (-kv[1].created, kv[0]))),
        total=total(by_grid.values()),
        min_samples=min_samples,
    )
