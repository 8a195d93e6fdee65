"""Grid boundaries: ray casting, holes, multipolygons, edges, distances, GCJ-02, the atlas."""
from __future__ import annotations

import math
import random

import pytest

from organisation import geo
from organisation.gridmap import Area, Atlas, Fit

SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
# A "C" shape: concave, so a naive convex test would get its mouth wrong.
C_SHAPE = [[0, 0], [3, 0], [3, 1], [1, 1], [1, 2], [3, 2], [3, 3], [0, 3]]


@pytest.mark.parametrize("x, y, inside", [
    (0.5, 0.5, True), (1.5, 0.5, False), (-0.1, 0.5, False), (0.5, 1.0001, False),
    (0.0, 0.5, True),   # on an edge: inside
    (1.0, 1.0, True),   # on a vertex: inside
    (0.5, 0.0, True),
])
def test_square(x, y, inside):
    assert geo.in_ring(x, y, SQUARE) is inside


@pytest.mark.parametrize("x, y, inside", [
    (0.5, 1.5, True), (2.0, 1.5, False), (2.0, 0.5, True), (2.0, 2.5, True),
    (2.0, 1.0, True),  # on the mouth's lower edge
    (3.5, 1.5, False),
    (0.5, 1.0, True),  # the ray passes through vertex (1, 1)
    (-1, 1.0, False),  # left of everything, ray through two vertices
])
def test_concave_polygon(x, y, inside):
    assert geo.in_ring(x, y, C_SHAPE) is inside


def test_rays_through_vertices_are_counted_once():
    diamond = [[0, -1], [1, 0], [0, 1], [-1, 0]]
    assert geo.in_ring(-0.5, 0, diamond)  # the ray leaves through vertex (1, 0)
    assert not geo.in_ring(-1.5, 0, diamond)  # the ray passes through both side vertices
    assert not geo.in_ring(0, 1.5, diamond)


def test_agrees_with_a_brute_force_grid_count_on_random_points():
    # An L made of two unit squares: inside iff inside one of them (half-open squares
    # kept off the boundary so both tests agree exactly).
    l_shape = [[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]]
    rnd = random.Random(5)
    for _ in range(2000):
        x, y = rnd.uniform(-0.5, 2.5), rnd.uniform(-0.5, 2.5)
        if min(abs(x - v) for v in (0, 1, 2)) < 1e-9 or min(abs(y - v) for v in (0, 1, 2)) < 1e-9:
            continue
        expected = (0 < x < 2 and 0 < y < 1) or (0 < x < 1 and 0 < y < 2)
        assert geo.in_ring(x, y, l_shape) is expected, (x, y)


def test_holes_and_multipolygons():
    donut = geo.normalise({"type": "Polygon", "coordinates": [
        [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]]})
    assert geo.contains(donut, 0.5, 0.5)
    assert not geo.contains(donut, 2, 2)  # in the hole (a courtyard of another grid)
    assert geo.contains(donut, 1, 2)  # on the hole's edge: still the outer grid's
    multi = geo.normalise({"type": "MultiPolygon", "coordinates": [[SQUARE], [[[5, 5], [6, 5], [6, 6], [5, 6]]]]})
    assert geo.contains(multi, 5.5, 5.5) and geo.contains(multi, 0.5, 0.5) and not geo.contains(multi, 3, 3)


def test_distance_in_metres():
    # 0.001° of latitude is about 110.6 m.
    box = geo.normalise([[120.0, 30.0], [120.001, 30.0], [120.001, 30.001], [120.0, 30.001]])
    assert geo.distance_m(box, 120.0005, 30.0005) == 0
    d = geo.distance_m(box, 120.0005, 30.002)
    assert 105 < d < 116
    corner = geo.distance_m(box, 120.002, 30.002)
    assert math.isclose(corner, math.hypot(0.001 * 111_320 * math.cos(math.radians(30.002)), 0.001 * 110_574), rel_tol=0.01)


@pytest.mark.parametrize("bad, words", [
    ({"type": "Point", "coordinates": [1, 2]}, "Polygon"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}, "at least 3"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0], [1, 0]]]}, "distinct"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, "a"], [1, 1]]]}, "longitude"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1]]]}, "on Earth"),
    ({"type": "Polygon"}, "missing"),
    ("nonsense", "GeoJSON"),
])
def test_bad_geometries_are_refused_with_a_reason(bad, words):
    with pytest.raises(geo.GeometryError, match=words):
        geo.normalise(bad)


def test_gcj02_round_trip_and_offset():
    lon, lat = 121.4737, 31.2304  # Shanghai
    glon, glat = geo.wgs84_to_gcj02(lon, lat)
    offset = math.hypot((glon - lon) * 111_320 * math.cos(math.radians(lat)), (glat - lat) * 110_574)
    assert 300 < offset < 800  # the well-known few hundred metres
    back = geo.gcj02_to_wgs84(glon, glat)
    assert abs(back[0] - lon) < 1e-7 and abs(back[1] - lat) < 1e-7
    assert geo.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)  # outside China: unchanged


def _area(uid, kind, ring, parent=None, code=None):
    g = geo.normalise(ring)
    return Area(uid, kind, code or f"U{uid}", f"单位{uid}", parent, g, geo.bbox(g))


def test_atlas_prefers_micro_grids_then_grids_then_the_nearest_within_reach():
    grid = _area(1, "grid", [[120.0, 30.0], [120.01, 30.0], [120.01, 30.01], [120.0, 30.01]])
    other = _area(2, "grid", [[120.02, 30.0], [120.03, 30.0], [120.03, 30.01], [120.02, 30.01]])
    micro = _area(3, "micro_grid", [[120.001, 30.001], [120.002, 30.001], [120.002, 30.002], [120.001, 30.002]], parent=1)
    atlas = Atlas([grid, other, micro])
    found = atlas.locate(30.0015, 120.0015, 300)
    assert (found.grid_id, found.micro_grid_id, found.fit) == (1, 3, Fit.INSIDE)
    assert atlas.locate(30.005, 120.025, 300).grid_id == 2
    near = atlas.locate(30.005, 120.0115, 300)  # ~160 m east of grid 1
    assert near.grid_id == 1 and near.fit == Fit.NEAREST and 100 < near.distance_m < 200
    assert atlas.locate(30.5, 120.5, 300) is None
    assert atlas.locate(float("nan"), 120.0, 300) is None
