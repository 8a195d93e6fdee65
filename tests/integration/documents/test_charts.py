"""The bulletin's charts against the figures they draw: bar lengths, tick labels, heat-map
cells, titles clear of the column headers, and an empty month in words. Each chart is kept
as a PNG under tests/artifacts/charts/ (gitignored) to compare by eye when charts change."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from matplotlib.colors import to_hex
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from documents.charts import NO_TICKETS, RATE_NAMES, bulletin_figures, style
from figures.bulletin import Band, BulletinData, GridRow, Scoring
from figures.kpi import Counts, total
from supervision.digests import Period

TZ = ZoneInfo("Asia/Shanghai")
SH = timezone(timedelta(hours=8))
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "charts"
BANDS = (Band("红", "优秀", 90, "#c0392b"), Band("橙", "良好", 80, "#e67e22"), Band("黄", "合格", 70, "#f1c40f"),
         Band("蓝", "待提升", 60, "#2e86c1"), Band("灰", "不合格", 0, "#7f8c8d"))
SCORING = Scoring({"及时签收率": 20, "按期办结率": 30, "解决率": 20, "满意率": 20, "重办率": 10}, BANDS)
PERIOD = Period("2026-11", datetime(2026, 11, 1, tzinfo=SH), datetime(2026, 12, 1, tzinfo=SH))


def counts(n: int, late: int = 0, unsolved: int = 0, overdue: int = 0) -> Counts:
    return Counts(created=n, dispatched=n, accept_judged=n, accepted_on_time=n - late, due=n,
                  resolved_on_time=n - late, judged=n, resolved=n, resolved_tickets=n, reopened_tickets=unsolved,
                  rated=n, solved=n - unsolved, satisfaction_rated=n, satisfied=n - unsolved - 1, basically=1,
                  overdue_now=overdue, open_now=overdue)


def data(grids: dict[str, Counts], categories: dict[str, int]) -> BulletinData:
    rows = []
    for name, c in grids.items():
        score = SCORING.score(c)
        rows.append(GridRow(len(rows) + 1, name, "梧桐社区", c, score, SCORING.band(score),
                            c != Counts() and not c.enough(SCORING.min_samples)))
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.name))
    cats = tuple((k, Counts(created=v)) for k, v in sorted(categories.items(), key=lambda kv: -kv[1]))
    return BulletinData(1, "梧桐社区", PERIOD, tuple(rows), cats, total(grids.values()), BANDS, SCORING.min_samples)


FULL = data({"梧桐一网格": counts(12, late=1), "梧桐二网格": counts(8, late=3, unsolved=2, overdue=2),
             "梧桐三网格": counts(6, late=2, unsolved=1), "梧桐四网格": counts(2), "梧桐五网格": Counts()},
            {"市容环境": 14, "噪音扰民": 9, "停车交通": 4, "消防安全": 1})
SMALL = data({"梧桐一网格": counts(1)}, {"市容环境": 1})
EMPTY = data({"梧桐一网格": Counts(), "梧桐二网格": Counts()}, {})


def draw(d: BulletinData, label: str) -> dict[str, object]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = {}
    with style():
        for name, fig in bulletin_figures(d, TZ):
            kind = name.split("-")[0]
            fig.savefig(ARTIFACTS / f"{label}-{kind}.png")  # draws it, so extents are known
            out[kind] = fig
    return out


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def ticks(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


@pytest.fixture(scope="module")
def full():
    return draw(FULL, "full")


def test_category_bars_are_the_counts_on_an_integer_axis(full):
    ax = full["categories"].axes[0]
    drawn = {label: bar.get_width() for label, bar in zip(ticks(ax.yaxis), bars(ax))}
    assert drawn == {"消防安全": 1, "停车交通": 4, "噪音扰民": 9, "市容环境": 14}
    assert all(t.isdigit() for t in ticks(ax.xaxis))
    small = draw(SMALL, "small")["categories"].axes[0]
    assert ticks(small.xaxis) and all(t.isdigit() for t in ticks(small.xaxis))  # no 0.2 件


def test_heat_map_cells_are_the_rates_and_the_title_clears_the_headers(full):
    fig = full["kpis"]
    ax = fig.axes[0]
    [image] = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    cells = image.get_array()
    names = [label.split("（")[0] for label in ticks(ax.yaxis)]
    assert "梧桐五网格" not in names  # quiet: named under the chart, not a grey row
    by_name = {g.name: g.counts for g in FULL.grids}
    for i, name in enumerate(names):
        for j, kpi in enumerate(RATE_NAMES):
            rate = by_name[name].rate(kpi)
            assert cells[i, j] == pytest.approx(1 - rate if kpi == "重办率" else rate)
    assert "另有 1 个网格本月无工单，未列出" in texts(fig)
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    for label in ax.xaxis.get_ticklabels():
        assert not title.overlaps(label.get_window_extent(renderer)), label.get_text()
        assert title.y0 >= label.get_window_extent(renderer).y1


def test_ranking_bars_are_the_scores_in_band_colours_and_name_the_short_grids(full):
    fig = full["ranking"]
    ax = fig.axes[0]
    scored = [g for g in FULL.grids if g.score is not None]
    drawn = dict(zip(ticks(ax.yaxis), bars(ax)))
    assert {n: b.get_width() for n, b in drawn.items()} == {g.name: g.score for g in scored}
    assert {n: to_hex(b.get_facecolor()) for n, b in drawn.items()} == {g.name: g.band.color for g in scored}
    assert "样本不足（评判少于 5 件，不评分）：梧桐四网格" in texts(fig)


def test_an_empty_month_says_so_in_words():
    charts = draw(EMPTY, "empty")
    for kind, fig in charts.items():
        assert NO_TICKETS in texts(fig), kind
        assert all(not ax.axison for ax in fig.axes), kind  # no -0.04..0.04 axis, no 0-1 axis
        assert not any(bars(ax) for ax in fig.axes) and not any(ax.images for ax in fig.axes), kind
