"""XLSX and CSV files: the ticket export and the monthly bulletin's figures.

Times are shown in the configured zone (Excel has no time zones). Text a resident wrote
never becomes a formula: XLSX cells are typed as strings, CSV cells that a spreadsheet
would read as a formula get a leading apostrophe.
"""
from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import astuple
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from figures.bulletin import BulletinData
from figures.export import HEADINGS, ExportRow
from figures.kpi import KPIS, OVERDUE, Counts

TIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _local(value: Any, tz: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None)
    if isinstance(value, bool):
        return "是" if value else ""
    return value


def _sheet_rows(ws, rows: Iterable[Sequence[Any]], widths: dict[int, int] | None = None,
                percent: range = range(0)) -> None:
    """Rows into a write-only sheet; the first row in bold; columns in ``percent`` as 0.0%."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    for i, width in (widths or {}).items():
        ws.column_dimensions[_column(i)].width = width
    bold = Font(bold=True)
    for n, row in enumerate(rows):
        cells = []
        for i, value in enumerate(row):
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, datetime):
                cell.number_format = TIME_FORMAT
            elif isinstance(value, float):
                cell.number_format = PERCENT_FORMAT if i in percent else "0.0"
            if n == 0:
                cell.font = bold
            cells.append(cell)
        ws.append(cells)


def _column(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


PROGRESS_EVERY = 500  # rows written between two on_progress calls


def _counted(rows: Sequence[ExportRow], on_progress: Callable[[int, int], None] | None) -> Iterator[ExportRow]:
    """The rows, calling ``on_progress(done, len(rows))`` every PROGRESS_EVERY rows and at the end."""
    for n, row in enumerate(rows, 1):
        yield row
        if on_progress is not None and (n % PROGRESS_EVERY == 0 or n == len(rows)):
            on_progress(n, len(rows))


def tickets_xlsx(rows: Sequence[ExportRow], tz: ZoneInfo,
                 on_progress: Callable[[int, int], None] | None = None) -> bytes:
    """The tickets as a workbook; ``on_progress(done, total)`` as rows are written."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工单")
    ws.freeze_panes = "B2"
    widths = {i: 17 for i, h in enumerate(HEADINGS) if h.endswith(("时间", "时限"))}
    widths[len(HEADINGS) - 1] = 60
    body = ([_local(v, tz) for v in astuple(r)] for r in _counted(rows, on_progress))
    _sheet_rows(ws, itertools.chain([HEADINGS], body), widths)
    return _save(wb)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def tickets_csv(rows: Sequence[ExportRow], tz: ZoneInfo,
                on_progress: Callable[[int, int], None] | None = None) -> bytes:
    """The tickets as CSV (UTF-8 with a BOM); ``on_progress(done, total)`` as rows are written."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    for r in _counted(rows, on_progress):
        writer.writerow([_csv_cell(_local(v, tz)) for v in astuple(r)])
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


RATE_HEADINGS = tuple(k.name for k in KPIS)
# docs/kpi.md defines each count.
COUNT_FIELDS = (("新增", "created"), ("派单", "dispatched"), ("评判", "judged"), ("应签收", "accept_judged"),
                ("及时签收", "accepted_on_time"), ("应办结", "due"), ("按期办结", "resolved_on_time"),
                ("办结", "resolved"), ("重办", "reopens"), ("退回", "returns"), ("撤销", "cancelled"),
                ("合并", "merged"), ("无效", "invalid"), ("回访", "rated"), ("在办", "open_now"), (OVERDUE, "overdue_now"))
SHORT = "样本不足"


def _figures(c: Counts) -> list[Any]:
    return [*(c.rate(name) for name in RATE_HEADINGS), *(getattr(c, f) for _, f in COUNT_FIELDS)]


def bulletin_xlsx(data: BulletinData, tz: ZoneInfo) -> bytes:
    """Sheets: 网格排名 (every grid: rank, score, band, KPIs, counts), 类别, 说明."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    counts = [h for h, _ in COUNT_FIELDS]
    ws = wb.create_sheet("网格排名")
    ws.freeze_panes = "C2"
    rows: list[Sequence[Any]] = [("名次", "网格", "社区", "得分", "五色", "等级", *RATE_HEADINGS, *counts)]
    for rank, g in enumerate(data.grids, 1):
        rows.append((rank if g.score is not None else None, g.name, g.community, g.score,
                     g.band.name if g.band else (SHORT if g.short else ""), g.band.label if g.band else "",
                     *_figures(g.counts)))
    rows.append(("", "合计", "", None, "", "", *_figures(data.total)))
    _sheet_rows(ws, rows, {1: 24, 2: 14}, range(6, 6 + len(RATE_HEADINGS)))
    ws = wb.create_sheet("类别")
    _sheet_rows(ws, [("类别", *RATE_HEADINGS, *counts), *((name, *_figures(c)) for name, c in data.categories)],
                {0: 12}, range(1, 1 + len(RATE_HEADINGS)))
    ws = wb.create_sheet("说明")
    start = data.period.start.astimezone(tz)
    notes = [("一月一通报", f"{data.unit_name} {start.year}年{start.month}月"),
             ("得分", "各项指标加权平均（重办率按 1-重办率 计），每件超期工单扣分，满分100"),
             (SHORT, f"评判工单少于 {data.min_samples} 件的网格不评分、不评色"),
             ("口径", "各指标的分子、分母、时限与所属时段见 docs/kpi.md（指标口径）"),
             *((f"{b.name}（{b.label}）", f"得分 ≥ {b.min:g}") for b in data.bands)]
    _sheet_rows(ws, [("项目", "说明"), *notes], {0: 14, 1: 60})
    return _save(wb)
