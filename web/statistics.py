"""The figures page: /stats' KPIs (figures.stats) by community, grid and category for a
period, and the month's bulletin (一月一通报) as PNG charts and XLSX, as the bot sends them."""
from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from figures.kpi import KPIS, OVERDUE
from figures.periods import PeriodError, describe, month_period, parse_period
from handlers.shared.i18n import category_label
from tickets.errors import NotAllowed, NotFound
from web import texts
from web.console import console_of, message, page_context, signed_in, visitor_of

FILES = ("categories", "kpis", "ranking", "bulletin")
# 无效 beside the others, never inside a rate (figures.kpi): as /stats shows it in chat.
COUNTS = (("新增", "created"), ("办结", "resolutions"), ("在办", "open_now"), (OVERDUE, "overdue_now"),
          ("无效", "invalid"))


def _row(name: str, counts) -> dict:
    return {"name": name, "rates": [counts.rate(k.name) for k in KPIS],
            "counts": [getattr(counts, f) for _, f in COUNTS]}


@signed_in
async def figures_page(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    telegram_id = visitor_of(request).actor.telegram_id
    asked = request.query.get("period", "本月").strip()[:40]
    unit = request.query.get("unit", "").strip()[:60]
    stats = console.cadre.stats
    try:
        period, _ = parse_period(asked, stats.clock(), console.tz)
        report = await stats.report(telegram_id, period, unit)
    except PeriodError:
        return message(request, texts.BAD_PERIOD, 400)
    except NotFound:
        return message(request, texts.UNKNOWN_UNIT.format(unit=unit), 404)
    except NotAllowed:
        return message(request, texts.SIGNED_OUT, 403)
    local = period.start.astimezone(console.tz)
    return aiohttp_jinja2.render_template("figures.html", request, page_context(
        request, report=report, asked=asked, unit=unit, span=describe(period, console.tz),
        kpis=[k.name for k in KPIS], count_names=[n for n, _ in COUNTS],
        total=_row("合计", report.total),
        sections=[("社区", [_row(n, c) for n, c in report.communities]),
                  ("网格", [_row(n, c) for n, c in report.grids]),
                  ("类别", [_row(category_label(n), c) for n, c in report.categories])],
        month=f"{local:%Y-%m}", files=FILES))


@signed_in
async def bulletin_file(request: web.Request) -> web.StreamResponse:
    """One file of the month's bulletin for the cadre's first unit (?unit=N for another)."""
    console = console_of(request)
    name = request.match_info["name"]
    if name not in FILES:
        raise web.HTTPNotFound()
    try:
        period = month_period(request.query.get("month", "")[:7], console.tz)
    except PeriodError:
        return message(request, texts.BAD_PERIOD, 400)
    reports = console.cadre.reports
    try:
        data = await reports.bulletin_data(visitor_of(request).actor.telegram_id, period)
    except NotAllowed:
        return message(request, texts.SIGNED_OUT, 403)
    index = request.query.get("unit", "0")
    if not data or not index.isdigit() or int(index) >= len(data):
        raise web.HTTPNotFound()
    bundle = await reports.render(data[int(index)])
    for filename, body in bundle.files:
        if filename.startswith(name + "-"):
            kind = "image/png" if filename.endswith(".png") else \
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            disposition = "inline" if kind == "image/png" else "attachment"
            return web.Response(body=body, content_type=kind,
                                headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})
    raise web.HTTPNotFound()
