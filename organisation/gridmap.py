"""Which grid a shared location falls in: the grids' boundaries, loaded once in a while.

Inside a micro-grid beats inside a grid; outside every boundary, the nearest grid within
`max_distance_m` is taken; farther than that, nobody is guessed and the resident is asked.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from organisation import geo
from storage.models import Unit


class Fit(StrEnum):
    INSIDE = "inside"
    NEAREST = "nearest"


@dataclass(frozen=True)
class Area:
    unit_id: int
    kind: str  # grid | micro_grid
    code: str
    name: str
    parent_id: int | None
    geometry: dict[str, Any]
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class Located:
    grid_id: int
    grid_code: str
    grid_name: str
    micro_grid_id: int | None
    fit: Fit
    distance_m: float = 0.0


class Atlas:
    """The boundaries of a moment. Pure: build it from areas and ask it."""

    def __init__(self, areas: list[Area]) -> None:
        self.areas = areas
        self._by_id = {a.unit_id: a for a in areas}
        self._grids: dict[int, tuple[str, str]] = {}

    @property
    def empty(self) -> bool:
        return not self.areas

    def with_grids(self, grids: dict[int, tuple[str, str]]) -> Atlas:
        """Code and name of every grid, for micro-grids whose parent has no boundary."""
        self._grids = grids
        return self

    def _located(self, area: Area, fit: Fit, distance: float = 0.0) -> Located | None:
        if area.kind == "micro_grid":
            if area.parent_id is None:
                return None
            code, name = self._grids.get(area.parent_id) or (
                (self._by_id[area.parent_id].code, self._by_id[area.parent_id].name)
                if area.parent_id in self._by_id else ("", ""))
            return Located(area.parent_id, code, name, area.unit_id, fit, distance)
        return Located(area.unit_id, area.code, area.name, None, fit, distance)

    def locate(self, lat: float, lon: float, max_distance_m: float) -> Located | None:
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return None
        inside = [a for a in self.areas if _in_bbox(a.bbox, lon, lat) and geo.contains(a.geometry, lon, lat)]
        # A micro-grid is the more precise answer; among equals, the lowest id (stable).
        inside.sort(key=lambda a: (a.kind != "micro_grid", a.unit_id))
        for area in inside:
            found = self._located(area, Fit.INSIDE)
            if found:
                return found
        best: tuple[float, Area] | None = None
        for area in self.areas:
            if area.kind != "grid" or not _near_bbox(area.bbox, lon, lat, max_distance_m):
                continue
            d = geo.distance_m(area.geometry, lon, lat)
            if d <= max_distance_m and (best is None or d < best[0]):
                best = (d, area)
        return self._located(best[1], Fit.NEAREST, best[0]) if best else None


def _in_bbox(box: tuple[float, float, float, float], lon: float, lat: float) -> bool:
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def _near_bbox(box: tuple[float, float, float, float], lon: float, lat: float, metres: float) -> bool:
    dlat = metres / geo.EARTH_M_PER_DEG_LAT
    dlon = metres / (geo.EARTH_M_PER_DEG_LON * max(math.cos(math.radians(lat)), 0.01))
    return box[0] - dlon <= lon <= box[2] + dlon and box[1] - dlat <= lat <= box[3] + dlat


async def load_atlas(session: AsyncSession) -> Atlas:
    rows = (await session.execute(
        select(Unit).where(Unit.active.is_(True), Unit.kind.in_(("grid", "micro_grid")))
    )).scalars().all()
    areas = [
        Area(u.id, u.kind, u.code, u.name, u.parent_id, u.boundary, geo.bbox(u.boundary))
        for u in rows if u.boundary
    ]
    return Atlas(areas).with_grids({u.id: (u.code, u.name) for u in rows if u.kind == "grid"})


class GridMap:
    """An Atlas kept for `ttl` seconds: boundaries change with an import, rarely."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], max_distance_m: float = 500.0,
                 ttl: float = 60.0) -> None:
        self.sf = session_factory
        self.max_distance_m = max_distance_m
        self.ttl = ttl
        self._atlas: tuple[float, Atlas] | None = None

    async def atlas(self) -> Atlas:
        now = time.monotonic()
        if self._atlas is None or now - self._atlas[0] > self.ttl:
            async with self.sf() as session:
                self._atlas = (now, await load_atlas(session))
        return self._atlas[1]

    async def locate(self, lat: float, lon: float) -> Located | None:
        return (await self.atlas()).locate(lat, lon, self.max_distance_m)

    async def has_boundaries(self) -> bool:
        return not (await self.atlas()).empty
