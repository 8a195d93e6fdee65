"""The monthly bulletin's charts (PNG, matplotlib's Agg canvas, no pyplot state):

* 各类事件数量: tickets reported by category;
* 网格指标: each grid's KPIs as a heat map (a street of 200 grids stays readable);
* 网格排名: grids ranked by score, each bar in its 五色 band's colour; grids with too few
  judged tickets (样本不足) are named under it, not drawn.

Counts sit on integer axes; a chart with nothing to draw says 本月无工单 in words instead
of empty axes; titles are the figure's (suptitle), above the heat map's column headers.

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
NO_TICKETS = "本月无工单"


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


def _quiet(data: BulletinData) -> bool:
    """Nothing to draw: no ticket reported, dispatched, judged or open in the unit."""
    return all(g.counts == Counts() for g in data.grids)


def _words(title: str, lines: list[str]):
    """A chart that has nothing to plot says so in words, without empty axes."""
    fig = _figure(8, 1.6 + 0.3 * len(lines))
    fig.suptitle(title)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, "\n".join(lines), ha="center", va="center", fontsize=12, transform=ax.transAxes)
    return fig


def _integer_axis(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def category_figure(data: BulletinData, tz: ZoneInfo):
    title = f"{data.unit_name} {_month(data, tz)} 各类事件数量（共 {data.total.created} 件）"
    rows = [(name, c.created) for name, c in data.categories if c.created]
    if not rows:
        return _words(title, [NO_TICKETS])
    rows.reverse()  # barh draws bottom up: the largest on top
    fig = _figure(8, 1.2 + 0.38 * len(rows))
    ax = fig.add_subplot()
    bars = ax.barh([n for n, _ in rows], [v for _, v in rows], color="#2e86c1")
    ax.bar_label(bars, padding=3)
    ax.set_xlim(0, max(v for _, v in rows) * 1.15 + 0.5)  # room for the labels
    _integer_axis(ax.xaxis)
    ax.set_xlabel("上报件数")
    fig.suptitle(title)
    return fig


def kpi_figure(data: BulletinData, tz: ZoneInfo):
    import numpy as np
    from matplotlib import colormaps

    by = "各网格指标" if len(data.grids) <= MAX_RANKED else "各社区指标（网格明细见表格）"
    title = f"{data.unit_name} {_month(data, tz)} {by}"
    rows = [(name, c) for name, c in _kpi_rows(data) if c != Counts()]  # quiet grids: no grey row
    if not rows:
        return _words(title, [NO_TICKETS])
    values = np.full((len(rows), len(RATE_NAMES)), np.nan)
    shade = values.copy()
    for i, (_, counts) in enumerate(rows):
        for j, name in enumerate(RATE_NAMES):
            rate = counts.rate(name)
            if rate is not None:
                values[i, j] = rate
                shade[i, j] = 1 - rate if name == "重办率" else rate  # green is good either way
    fig = _figure(9, 1.9 + 0.32 * len(values))
    ax = fig.add_subplot()
    cmap = colormaps["RdYlGn"].with_extremes(bad="#dddddd")
    ax.imshow(np.ma.masked_invalid(shade), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(RATE_NAMES)), [SHORT[n] for n in RATE_NAMES])
    ax.xaxis.tick_top()
    labels = [f"{name}（超期{c.overdue_now}）" for name, c in rows]
    ax.set_yticks(range(len(labels)), labels)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, "—" if math.isnan(v) else f"{v:.0%}", ha="center", va="center", fontsize=8)
    # The title above the figure, not the axes: the column headers sit on top of the axes.
    fig.suptitle(title)
    quiet = len(_kpi_rows(data)) - len(rows)
    if quiet:
        fig.supxlabel(f"另有 {quiet} 个{'网格' if len(data.grids) <= MAX_RANKED else '社区'}本月无工单，未列出",
                      fontsize=9)
    return fig


def _kpi_rows(data: BulletinData) -> list[tuple[str, Counts]]:
    """A row per grid; per community when there are too many grids to read."""
    if len(data.grids) <= MAX_RANKED:
        return [(g.name, g.counts) for g in data.grids]
    communities: dict[str, Counts] = {}
    for g in data.grids:
        communities[g.community] = communities.get(g.community, Counts()) + g.counts
    return sorted(communities.items())


def _short_note(data: BulletinData) -> str:
    names = [g.name for g in data.short]
    shown = "、".join(names[:8]) + (f" 等 {len(names)} 个" if len(names) > 8 else "")
    return f"样本不足（评判少于 {data.min_samples} 件，不评分）：{shown}"


def ranking_figure(data: BulletinData, tz: ZoneInfo):
    from matplotlib.patches import Patch

    scored = [g for g in data.grids if g.score is not None]
    title = f"{data.unit_name} {_month(data, tz)} 网格综合排名（五色）"
    if not scored:
        lines = [NO_TICKETS] if _quiet(data) else ["本月无可评分网格", *([_short_note(data)] if data.short else [])]
        return _words(title, lines)
    if len(scored) > MAX_RANKED:
        half = MAX_RANKED // 2
        scored = scored[:half] + scored[-half:]
        title += f"\n前{half}名与后{half}名，完整排名见表格"
    rows = list(reversed(scored))
    fig = _figure(8, 1.8 + 0.34 * len(rows))
    ax = fig.add_subplot()
    bars = ax.barh([g.name for g in rows], [g.score for g in rows],
                   color=[g.band.color if g.band else "#cccccc" for g in rows])
    ax.bar_label(bars, labels=[f"{g.score:g} {g.band.name if g.band else ''}" for g in rows], padding=3)
    ax.set_xlim(0, 110)
    ax.set_xlabel("得分")
    ax.legend(handles=[Patch(color=b.color, label=f"{b.name} {b.label} ≥{b.min:g}") for b in data.bands],
              loc="lower right", fontsize=8)
    fig.suptitle(title)
    if data.short:
        fig.supxlabel(_short_note(data), fontsize=9)
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
