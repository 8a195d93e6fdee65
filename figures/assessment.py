"""五色考核: each grid member's month as a score and a colour band.

score = (1 - points_share) x KPI score + points_share x points score, where
* KPI score: the weighted mean of the grid's KPIs for the month (figures.kpi; 重办率
  counted as 1 - rate; a KPI with nothing to divide by drops out), times 100, less a
  penalty per ticket overdue now (capped);
* points score: the month's 积分 as a share of points_target (capped at 100).
A month with fewer judged tickets than min_samples (docs/kpi.md) has no score and no band
(样本不足, or 本月无工单 when the grid handled none), whatever the points.

The weights, the overdue penalty and the bands are the cadre tools' own ([cadre] in the
settings), so a district has one set of 五色 bands for grids and grid members alike.
`month_rows` is what the monthly bulletin reads.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from figures.kpi import DEFAULT_MIN_SAMPLES, Counts, figures
from organisation.tree import load_chains
from service_orders.base import Workflow
from service_orders.points import month_points
from storage.models import Staff, Unit
from tickets.policy import Role

INVERTED = frozenset({"重办率"})  # lower is better


@dataclass(frozen=True)
class Band:
    name: str   # 红
    label: str  # 优秀
    min: float
    color: str = "#999999"


@dataclass(frozen=True)
class ScoreRules:
    weights: Mapping[str, float]
    bands: Sequence[Band]  # any order; the highest min reached wins
    overdue_penalty: float = 2.0
    overdue_penalty_cap: float = 20.0
    points_share: float = 0.2
    points_target: int = 40
    min_samples: int = DEFAULT_MIN_SAMPLES


@dataclass(frozen=True)
class WuseRow:
    staff_id: int
    telegram_id: int
    name: str
    grid_id: int
    grid_name: str
    community_id: int | None
    community_name: str
    kpis: dict[str, float | int | None] = field(default_factory=dict)
    kpi_score: float | None = None
    points: int = 0
    score: float | None = None
    band: Band | None = None
    handled: int = 0  # tickets of the grid dispatched in the month (吹哨'd later included)
    judged: int = 0  # of the month's tickets, those a KPI judged (docs/kpi.md); < min_samples: 样本不足


def kpi_score(counts: Counts, rules: ScoreRules) -> float | None:
    if not counts.enough(rules.min_samples):
        return None  # 样本不足
    total = weight = 0.0
    for name, w in rules.weights.items():
        rate = counts.rate(name)
        if rate is None or w <= 0:
            continue
        total += w * ((1 - rate) if name in INVERTED else rate)
        weight += w
    if not weight:
        return None
    penalty = min(rules.overdue_penalty_cap, rules.overdue_penalty * counts.overdue_now)
    return max(0.0, 100.0 * total / weight - penalty)


def blend(kpi: float | None, points: int, rules: ScoreRules) -> float | None:
    if kpi is None:
        return None
    share = rules.points_share
    return (1 - share) * kpi + share * 100.0 * min(max(points, 0) / rules.points_target, 1.0)


def band_of(score: float | None, bands: Sequence[Band]) -> Band | None:
    if score is None:
        return None
    return next((b for b in sorted(bands, key=lambda b: -b.min) if score >= b.min), None)


async def month_rows(
    session: AsyncSession, start: datetime, end: datetime, now: datetime, rules: ScoreRules,
    community_ids: Collection[int] | None = None,
) -> list[WuseRow]:
    """One row per active primary grid member (backups are assessed through the grid's
    own member), best score first; those without a score last."""
    q = (select(Staff, Unit).join(Unit, Unit.id == Staff.unit_id)
         .where(Staff.role == Role.GRID_MEMBER.value, Staff.active.is_(True), Staff.is_backup.is_(False),
                Unit.kind == "grid", Unit.active.is_(True)))
    pairs = (await session.execute(q.order_by(Staff.id))).all()
    chains = await load_chains(session, {u.id for _, u in pairs})
    if community_ids is not None:
        wanted = set(community_ids)
        pairs = [(s, u) for s, u in pairs if (c := chains[u.id].get("community")) is not None and c.id in wanted]
    if not pairs:
        return []
    counts = await figures(session, start, end, now, grid_ids={u.id for _, u in pairs})
    points = await month_points(session, {s.telegram_id for s, _ in pairs}, start, end, group="grid")
    rows = []
    for staff, grid in pairs:
        c = counts.get(grid.id, Counts())
        community = chains[grid.id].get("community")
        kpi = kpi_score(c, rules)
        p = points.get(staff.telegram_id, 0)
        score = blend(kpi, p, rules)
        rows.append(WuseRow(staff.id, staff.telegram_id, staff.name, grid.id, grid.name,
                            community.id if community else None, community.name if community else "",
                            c.kpis(), kpi, p, score, band_of(score, rules.bands), c.dispatched, c.judged))
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.community_name, r.grid_name))
    return rows


class Assessment(Workflow):
    def __init__(self, *args: Any, rules: ScoreRules, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules

    async def for_viewer(self, telegram_id: int, start: datetime, end: datetime) -> list[WuseRow] | None:
        """The rows a cadre may see (their communities, or their street's); None for others."""
        async with self.sf() as session:
            person = await self.person(session, telegram_id)
            actor = person.actor
            if actor.is_admin:
                scope = None
            else:
                scope = set(actor.units(Role.COMMUNITY_CADRE))
                for street_id in actor.units(Role.STREET_CADRE):
                    q = select(Unit.id).where(Unit.parent_id == street_id, Unit.kind == "community")
                    scope.update((await session.execute(q)).scalars())
                if not scope:
                    return None
            return await month_rows(session, start, end, self.clock(), self.rules, scope)


def month_bounds(year: int, month: int, tz) -> tuple[datetime, datetime]:
    """[first instant of the local month, first instant of the next) in UTC."""
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
