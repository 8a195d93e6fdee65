"""The monthly bulletin's charts (PNG, matplotlib's Agg canvas, no pyplot state):

* 各类事件数量: tickets reported by category;
* 网格指标: each grid's KPIs as a heat map (a street of 200 grids stays readable);
* 网格排名: grids ranked by score, each bar in its 五色 band's colour.

Labels are drawn in Noto Sans CJK SC (documents.fonts, shipped by the mplfonts package) so
Chinese shows as characters on a fresh install. matplotlib's settings and font cache are
process-wide: one chart is drawn at a time.
"""
from __future__ import annotations

import io
import math
import threading
from contextlib import contextmanager
from functools import lru_cache
from zoneinfo import ZoneInfo

from documents.fonts import cjk_font_path
from figures.bulletin import BulletinData
from figures.kpi import KPIS, Counts

_LOCK = threading.Lock()
RATE_NAMES = tuple(k.name for k in KPIS if k.name != "满意率（仅满意）")
SHORT = {"及时签收率": "及时签收", "按期办结率": "按期办结", "解决率": "解决", "满意率": "满意", "重办率": "重办"}
# More grids than this: the ranking shows the best and worst 20 and the heat map communities;
# the XLSX has every grid.
MAX_RANKED = 40
DPI = 120


@lru_cache(maxsize=1)
def _font_name() -> str:
    from matplotlib.font_manager import FontProperties, fontManager

    path = str(cjk_font_path())
    fontManager.addfont(path)
    return FontProperties(fname=path).get_name()


@contextmanager
def style():
    """The CJK font and a plain look, under the lock, for building and saving figures."""
    from matplotlib import rc_context

    with _LOCK, rc_context({"font.family": "sans-serif", "font.sans-serif": [_font_name()],
                            "axes.unicode_minus": False, "axes.spines.top": False,
                            "axes.spines.right": False}):
        yield


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _month(data: BulletinData, tz: ZoneInfo) -> str:
    start = data.period.start.astimezone(tz)
    return f"{start.year}年{start.month}月"


def category_figure(data: BulletinData, tz: ZoneInfo):
    rows = [(name, c.created) for name, c in data.categories if c.created] or [("无", 0)]
    rows.reverse()  # barh draws bottom up: the largest on top
    fig = _figure(8, 1.2 + 0.38 * len(rows))
    ax = fig.add_subplot()
    bars = ax.barh([n for n, _ in rows], [v for _, v in rows], color="#2e86c1")
    ax.bar_label(bars, padding=3)
    ax.set_xlabel("上报件数")
    ax.set_title(f"{data.unit_name} {_month(data, tz)} 各类事件数量（共 {data.total.created} 件）")
    return fig


def kpi_figure(data: BulletinData, tz: ZoneInfo):
    import numpy as np
    from matplotlib import colormaps

    rows = _kpi_rows(data)
    values = np.full((max(len(rows), 1), len(RATE_NAMES)), np.nan)
    shade = values.copy()
    for i, (_, counts) in enumerate(rows):
        for j, name in enumerate(RATE_NAMES):
            rate = counts.rate(name)
            if rate is not None:
                values[i, j] = rate
                shade[i, j] = 1 - rate if name == "重办率" else rate  # green is good either way
    fig = _figure(9, 1.6 + 0.32 * len(values))
    ax = fig.add_subplot()
    cmap = colormaps["RdYlGn"].with_extremes(bad="#dddddd")
    ax.imshow(np.ma.masked_invalid(shade), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(RATE_NAMES)), [SHORT[n] for n in RATE_NAMES])
    ax.xaxis.tick_top()
    labels = [f"{name}（超期{c.overdue_now}）" for name, c in rows] or ["无网格"]
    ax.set_yticks(range(len(labels)), labels)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, "—" if math.isnan(v) else f"{v:.0%}", ha="center", va="center", fontsize=8)
    by = "各网格指标" if len(data.grids) <= MAX_RANKED else "各社区指标（网格明细见表格）"
    ax.set_title(f"{data.unit_name} {_month(data, tz)} {by}")
    return fig


def _kpi_rows(data: BulletinData) -> list[tuple[str, Counts]]:
    """A row per grid; per community when there are too many grids to read."""
    if len(data.grids) <= MAX_RANKED:
        return [(g.name, g.counts) for g in data.grids]
    communities: dict[str, Counts] = {}
    for g in data.grids:
        communities[g.community] = communities.get(g.community, Counts()) + g.counts
    return sorted(communities.items())


def ranking_figure(data: BulletinData, tz: ZoneInfo):
    from matplotlib.patches import Patch

    scored = [g for g in data.grids if g.score is not None]
    title = f"{data.unit_name} {_month(data, tz)} 网格综合排名（五色）"
    if len(scored) > MAX_RANKED:
        half = MAX_RANKED // 2
        scored = scored[:half] + scored[-half:]
        title += f"\n前{half}名与后{half}名，完整排名见表格"
    rows = list(reversed(scored))
    fig = _figure(8, 1.8 + 0.34 * max(len(rows), 1))
    ax = fig.add_subplot()
    if rows:
        bars = ax.barh([g.name for g in rows], [g.score for g in rows],
                       color=[g.band.color if g.band else "#cccccc" for g in rows])
        ax.bar_label(bars, labels=[f"{g.score:g} {g.band.name if g.band else ''}" for g in rows], padding=3)
    else:
        ax.text(0.5, 0.5, "本月无可评分网格", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(0, 110)
    ax.set_xlabel("得分")
    ax.legend(handles=[Patch(color=b.color, label=f"{b.name} {b.label} ≥{b.min:g}") for b in data.bands],
              loc="lower right", fontsize=8)
    ax.set_title(title)
    return fig


def bulletin_figures(data: BulletinData, tz: ZoneInfo) -> list[tuple[str, object]]:
    """(file name, Figure); call inside ``style()`` (bulletin_charts does)."""
    key = data.period.key
    return [(f"categories-{key}.png", category_figure(data, tz)),
            (f"kpis-{key}.png", kpi_figure(data, tz)),
            (f"ranking-{key}.png", ranking_figure(data, tz))]



def bulletin_charts(data: BulletinData, tz: ZoneInfo) -> list[tuple[str, bytes]]:
    """The three charts as PNG files (blocking: call it in a worker thread)."""
    out = []
    with style():
        for name, fig in bulletin_figures(data, tz):
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
            out.append((name, buf.getvalue()))
    return out
