"""一月一通报: a unit's month in figures (figures.kpi), each grid scored and put in a 五色 band.

A grid's score (0-100) is the weighted mean of its KPIs (重办率 counts as 1 - rate; a KPI
with nothing to divide by drops out and the others carry its weight), less points for each
ticket overdue now, capped. Fewer judged tickets than min_samples (样本不足, a quiet month
included): no score, no band, ranked last.
Weights, penalty and bands come from config (bot.settings.CadreSettings).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from figures.kpi import DEFAULT_MIN_SAMPLES, Counts, total
from figures.stats import unit_figures
from organisation.jurisdiction import CADRE_ROLES, Jurisdiction
from storage.models import Staff, Unit
from supervision.digests import Period

LOWER_IS_BETTER = frozenset({"重办率"})


@dataclass(frozen=True)
class Band:
    name: str  # 红
    label: str  # 优秀
    min: float
    color: str


@dataclass(frozen=True)
class Scoring:
    weights: Mapping[str, float]
    bands: tuple[Band, ...]  # any order; the highest band a score reaches wins
    overdue_penalty: float = 2.0
    overdue_cap: float = 20.0
    min_samples: int = DEFAULT_MIN_SAMPLES

    def score(self, counts: Counts) -> float | None:
        """None for a grid with too few judged tickets (样本不足) or no KPI at all."""
        if not counts.enough(self.min_samples):
            return None
        parts = []
        for name, weight in self.weights.items():
            rate = counts.rate(name)
            if rate is None or weight <= 0:
                continue
            parts.append((weight, 1 - rate if name in LOWER_IS_BETTER else rate))
        if not parts:
            return None
        mean = sum(w * v for w, v in parts) / sum(w for w, _ in parts)
        penalty = min(self.overdue_cap, self.overdue_penalty * counts.overdue_now)
        return round(max(0.0, 100 * mean - penalty), 1)

    def band(self, score: float | None) -> Band | None:
        if score is None:
            return None
        reached = [b for b in self.bands if score >= b.min]
        return max(reached, key=lambda b: b.min) if reached else None


@dataclass(frozen=True)
class GridRow:
    grid_id: int
    name: str
    community: str
    counts: Counts
    score: float | None
    band: Band | None
    short: bool = False  # 样本不足: some tickets, but fewer judged than Scoring.min_samples


@dataclass(frozen=True)
class BulletinData:
    unit_id: int
    unit_name: str
    period: Period
    grids: tuple[GridRow, ...]  # ranked, best first; unscored last
    categories: tuple[tuple[str, Counts], ...]  # most reported first
    total: Counts
    bands: tuple[Band, ...] = field(default=())  # highest first, for legends
    min_samples: int = DEFAULT_MIN_SAMPLES

    @property
    def short(self) -> tuple[GridRow, ...]:
        """Grids with tickets but too few judged to score (样本不足)."""
        return tuple(g for g in self.grids if g.short)


async def gather(
    session: AsyncSession, where: Jurisdiction, unit: Unit, period: Period, now: datetime, scoring: Scoring
) -> BulletinData:
    grids = where.grids_under(unit.id)
    ids = sorted(grids)
    by_grid, by_category = await unit_figures(session, ids, period, now)
    rows = []
    for grid_id in ids:
        counts = by_grid[grid_id]
        score = scoring.score(counts)
        community = where.community_of(grid_id)
        rows.append(GridRow(grid_id, grids[grid_id].name, community.name if community else "", counts, score,
                            scoring.band(score), counts != Counts() and not counts.enough(scoring.min_samples)))
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.name))
    categories = sorted(by_category.items(), key=lambda kv: (-kv[1].created, kv[0]))
    return BulletinData(unit.id, unit.name, period, tuple(rows), tuple(categories), total(by_grid.values()),
                        tuple(sorted(scoring.bands, key=lambda b: -b.min)), scoring.min_samples)


async def cadre_units(session: AsyncSession) -> list[tuple[Unit, tuple[int, ...]]]:
    """Every community and street with active cadres, and their chats: who gets a bulletin."""
    rows = (await session.execute(
        select(Unit, Staff.telegram_id).join(Staff, Staff.unit_id == Unit.id)
        .where(Staff.active.is_(True), Staff.role.in_([r.value for r in CADRE_ROLES]), Unit.active.is_(True))
        .order_by(Unit.id, Staff.telegram_id)
    )).all()
    found: dict[int, tuple[Unit, list[int]]] = {}
    for unit, chat in rows:
        found.setdefault(unit.id, (unit, []))[1].append(chat)
    return [(unit, tuple(dict.fromkeys(chats))) for unit, chats in found.values()]
