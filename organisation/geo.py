"""Grid boundaries: GeoJSON polygons, point-in-polygon and distance. Pure, no database.

Coordinates are GeoJSON's (longitude, latitude) in WGS-84, which is what Telegram sends.
Chinese web maps (高德, 腾讯) draw in GCJ-02, several hundred metres off: boundaries drawn
there are converted on import (``to_wgs84``) so that a resident's location lands inside.
A grid is a few hundred metres across, so distances use a flat projection around the
point: the error is far below a building's width.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

Ring = Sequence[Sequence[float]]  # [[lon, lat], ...], closed or not
EARTH_M_PER_DEG_LAT = 110_574.0
EARTH_M_PER_DEG_LON = 111_320.0
MAX_VERTICES = 5_000  # per geometry: a grid outline needs tens; this bounds a bad file


class GeometryError(ValueError):
    pass


# -- validation ------------------------------------------------------------------------


def _ring(raw: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(raw, (list, tuple)) or len(raw) < 3:
        raise GeometryError(f"{where}: a ring needs at least 3 [lon, lat] points")
    points = []
    for i, point in enumerate(raw):
        if (not isinstance(point, (list, tuple)) or len(point) < 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point[:2])):
            raise GeometryError(f"{where}[{i}]: expected [longitude, latitude], got {point!r:.60}")
        lon, lat = float(point[0]), float(point[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or math.isnan(lon) or math.isnan(lat):
            raise GeometryError(f"{where}[{i}]: [{lon}, {lat}] is not a [longitude, latitude] on Earth")
        points.append((lon, lat))
    if points[0] == points[-1]:
        points.pop()
    if len(set(points)) < 3:
        raise GeometryError(f"{where}: a ring needs at least 3 distinct points")
    return points


def normalise(geometry: Any, where: str = "geometry") -> dict[str, Any]:
    """A checked GeoJSON Polygon or MultiPolygon (a bare ring [[lon, lat], ...] is taken as
    a Polygon). Rings come back open (first point not repeated) as plain lists."""
    if isinstance(geometry, list):
        geometry = {"type": "Polygon", "coordinates": [geometry]}
    if not isinstance(geometry, dict):
        raise GeometryError(f"{where}: expected a GeoJSON geometry object")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords if isinstance(coords, list) else None
    else:
        raise GeometryError(f"{where}: type must be Polygon or MultiPolygon, not {kind!r}")
    if not polygons or not all(isinstance(p, list) and p for p in polygons):
        raise GeometryError(f"{where}: coordinates are missing or empty")
    out = [[[list(pt) for pt in _ring(ring, f"{where}.coordinates")] for ring in polygon] for polygon in polygons]
    if sum(len(r) for p in out for r in p) > MAX_VERTICES:
        raise GeometryError(f"{where}: more than {MAX_VERTICES} points; simplify the outline")
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": out[0]}
    return {"type": "MultiPolygon", "coordinates": out}


def polygons(geometry: dict[str, Any]) -> list[list[Ring]]:
    """[polygon, ...], each [outer ring, hole, ...]."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


# -- point in polygon ------------------------------------------------------------------


def _on_segment(x: float, y: float, a: Sequence[float], b: Sequence[float], eps: float = 1e-12) -> bool:
    (ax, ay), (bx, by) = a[:2], b[:2]
    cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
    if abs(cross) > eps * max(1.0, abs(bx - ax) + abs(by - ay)):
        return False
    return min(ax, bx) - eps <= x <= max(ax, bx) + eps and min(ay, by) - eps <= y <= max(ay, by) + eps


def in_ring(x: float, y: float, ring: Ring) -> bool:
    """Ray casting (even-odd rule). A point on the outline counts as inside, so a
    resident standing on the line between two grids is never in neither."""
    inside = False
    n = len(ring)
    for i in range(n):
        a, b = ring[i], ring[(i + 1) % n]
        if _on_segment(x, y, a, b):
            return True
        (ax, ay), (bx, by) = a[:2], b[:2]
        # Half-open rule on y: a ray through a vertex counts that vertex once.
        if (ay > y) != (by > y):
            cross_x = ax + (y - ay) * (bx - ax) / (by - ay)
            if x < cross_x:
                inside = not inside
    return inside


def contains(geometry: dict[str, Any], lon: float, lat: float) -> bool:
    for polygon in polygons(geometry):
        outer, holes = polygon[0], polygon[1:]
        if in_ring(lon, lat, outer) and not any(
            in_ring(lon, lat, hole) and not _on_ring(lon, lat, hole) for hole in holes
        ):
            return True
    return False


def _on_ring(x: float, y: float, ring: Ring) -> bool:
    return any(_on_segment(x, y, ring[i], ring[(i + 1) % len(ring)]) for i in range(len(ring)))


# -- distance --------------------------------------------------------------------------


def _to_metres(lon: float, lat: float, lon0: float, lat0: float) -> tuple[float, float]:
    return ((lon - lon0) * EARTH_M_PER_DEG_LON * math.cos(math.radians(lat0)), (lat - lat0) * EARTH_M_PER_DEG_LAT)


def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def distance_m(geometry: dict[str, Any], lon: float, lat: float) -> float:
    """Metres from the point to the geometry (0 inside)."""
    if contains(geometry, lon, lat):
        return 0.0
    best = math.inf
    for polygon in polygons(geometry):
        for ring in polygon:
            pts = [_to_metres(p[0], p[1], lon, lat) for p in ring]
            for i in range(len(pts)):
                (ax, ay), (bx, by) = pts[i], pts[(i + 1) % len(pts)]
                best = min(best, _segment_distance(0.0, 0.0, ax, ay, bx, by))
    return best


def bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat): a cheap first test before ray casting."""
    xs = [p[0] for polygon in polygons(geometry) for p in polygon[0]]
    ys = [p[1] for polygon in polygons(geometry) for p in polygon[0]]
    return min(xs), min(ys), max(xs), max(ys)


# -- GCJ-02 (the offset datum of Chinese web maps) ---------------------------------------

_A = 6378245.0  # Krasovsky 1940 semi-major axis, which GCJ-02 is defined on
_EE = 0.00669342162296594323


def _in_china(lon: float, lat: float) -> bool:
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _offset(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += common + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon += common + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = math.radians(lat)
    magic = 1 - _EE * math.sin(rad) ** 2
    dlat = dlat * 180.0 / ((_A * (1 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    dlon = dlon * 180.0 / (_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if not _in_china(lon, lat):
        return lon, lat
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Inverse by fixed-point iteration: converges to well under a centimetre."""
    if not _in_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(10):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (glon - lon), wlat - (glat - lat)
        if abs(glon - lon) < 1e-9 and abs(glat - lat) < 1e-9:
            break
    return wlon, wlat


def to_wgs84(geometry: dict[str, Any], crs: str) -> dict[str, Any]:
    """A normalised geometry in `crs` ("wgs84" or "gcj02") as WGS-84."""
    crs = crs.lower().replace("-", "")
    if crs == "wgs84":
        return geometry
    if crs != "gcj02":
        raise GeometryError(f"unknown coordinate system {crs!r}: use wgs84 or gcj02")
    converted = [[[list(gcj02_to_wgs84(p[0], p[1])) for p in ring] for ring in polygon] for polygon in polygons(geometry)]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": converted[0]}
    return {"type": "MultiPolygon", "coordinates": converted}
