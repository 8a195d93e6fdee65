"""`gridbot stats [--from DATE --to DATE] [--unit CODE] [--json]`: /stats on the command
line, for every unit (or one), from the same figures (figures.stats, figures.kpi) and, as
text, the same rendering as the chat command."""
from __future__ import annotations

import asyncio
import html
import json
import re
from dataclasses import asdict
from datetime import date
from zoneinfo import ZoneInfo

import click

from bot.cli.common import settings_from


def _day(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-01") from None


def _figures(c, min_samples: int) -> dict:
    return {"kpis": c.kpis(), "counts": asdict(c), "samples_enough": c.enough(min_samples)}


def as_json(report) -> dict:
    least = report.min_samples
    return {
        "scope": report.scope,
        "period": {"key": report.period.key, "start": report.period.start.isoformat(),
                   "end": report.period.end.isoformat()},
        "min_samples": least,
        "total": _figures(report.total, least),
        "communities": {name: _figures(c, least) for name, c in report.communities},
        "grids": {name: _figures(c, least) for name, c in report.grids},
        "categories": {name: _figures(c, least) for name, c in report.categories},
    }


def as_text(report, tz: ZoneInfo) -> str:
    """The chat's /stats messages, without their HTML."""
    from handlers.views.cadre_cards import stats_messages

    return "\n".join(html.unescape(re.sub(r"</?b>", "", m)) for m in stats_messages(report, tz))


async def _report(settings, period, unit: str):
    from bot.cadre import EVERYONE
    from figures.stats import stats_report
    from organisation.jurisdiction import jurisdiction
    from storage.engine import create_engine, create_session_factory
    from tickets.reports import utcnow

    engine = create_engine(settings.database.url)
    try:
        async with create_session_factory(engine)() as session:
            where = await jurisdiction(session, EVERYONE)
            return await stats_report(session, where, period, utcnow(), unit, settings.cadre.min_samples)
    finally:
        await engine.dispose()


@click.command("stats")
@click.option("--from", "first", callback=_day, help="First day (local), e.g. 2026-11-01 (default: this month).")
@click.option("--to", "last", callback=_day, help="Last day (local, included).")
@click.option("--unit", default="", help="A street, community or grid code or name (default: every unit).")
@click.option("--json", "as_json_", is_flag=True, help="Print JSON: every KPI and count (docs/kpi.md).")
@click.pass_context
def stats_command(ctx: click.Context, first: date | None, last: date | None, unit: str, as_json_: bool) -> None:
    """/stats: the KPIs by community, grid and category for a period (docs/kpi.md)."""
    from figures.periods import PeriodError, dates_period, named_period
    from tickets.errors import NotFound
    from tickets.reports import utcnow

    settings = settings_from(ctx)
    tz = ZoneInfo(settings.timezone)
    if (first is None) != (last is None):
        raise click.BadParameter("give both --from and --to, or neither (this month)")
    try:
        period = dates_period(first, last, tz) if first else named_period("本月", utcnow(), tz)
    except PeriodError as exc:
        raise click.BadParameter(str(exc)) from None
    try:
        report = asyncio.run(_report(settings, period, unit))
    except NotFound:
        raise click.ClickException(f"no unit {unit!r}") from None
    if as_json_:
        click.echo(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    else:
        click.echo(as_text(report, tz))
