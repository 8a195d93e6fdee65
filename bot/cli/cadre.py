"""`gridbot export tickets` and `gridbot bulletin`: the cadres' files from the command line."""
from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.cli.common import settings_from
from bot.cli.progress import Bar, quiet_option


def _day(_ctx, _param, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-01") from None


async def _with_reports(settings, work):
    from bot.cadre import build_reports
    from storage.engine import create_engine, create_session_factory
    from tickets.reports import utcnow

    engine = create_engine(settings.database.url)
    try:
        return await work(build_reports(settings, create_session_factory(engine), clock=utcnow))
    finally:
        await engine.dispose()


@click.group("export")
def export_group() -> None:
    """Export data for spreadsheets."""


@export_group.command("tickets")
@click.option("--from", "first", required=True, callback=_day, help="First day (local), e.g. 2026-11-01.")
@click.option("--to", "last", required=True, callback=_day, help="Last day (local, included).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: tickets-FROM-TO.xlsx|csv here).")
@quiet_option
@click.pass_context
def export_tickets(ctx: click.Context, first: date, last: date, fmt: str, out: str | None, quiet: bool) -> None:
    """Tickets reported from --from to --to: times (local), state, category, grid, assignee, rating."""
    from figures.periods import PeriodError, dates_period

    settings = settings_from(ctx)
    try:
        period = dates_period(first, last, ZoneInfo(settings.timezone))
    except PeriodError as exc:
        raise click.BadParameter(str(exc)) from None
    with Bar("exporting", quiet=quiet, unit="ticket") as bar:
        count, body = asyncio.run(_with_reports(settings, lambda r: r.export(None, period, fmt, bar)))
    path = Path(out or f"tickets-{first}-{last}.{fmt}")
    path.write_bytes(body)
    click.echo(f"{count} tickets written to {path}")


@click.command("bulletin")
@click.option("--month", required=True, help="The month, e.g. 2026-10.")
@click.option("--out", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder for the PNG charts and the XLSX.")
@click.option("--unit", help="A street or community code (default: every street).")
@quiet_option
@click.pass_context
def bulletin_command(ctx: click.Context, month: str, out: str, unit: str | None, quiet: bool) -> None:
    """一月一通报: charts (PNG) and figures (XLSX) for a month, per street or for --unit."""
    from figures.periods import PeriodError, month_period

    settings = settings_from(ctx)
    try:
        period = month_period(month, ZoneInfo(settings.timezone))
    except PeriodError as exc:
        raise click.BadParameter(str(exc)) from None

    async def work(reports):
        units = None
        if unit:
            found = await reports.unit(unit)
            if found is None or found.kind not in ("street", "community"):
                raise click.ClickException(f"no street or community with code {unit!r}")
            units = [found]
        return await reports.bulletin(None, period, units, bar)

    with Bar("bulletin", quiet=quiet, unit="step") as bar:
        bundles = asyncio.run(_with_reports(settings, work))
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for bundle in bundles:
        unit_name = bundle.data.unit_name.replace("/", "_").replace(" ", "_")
        for name, body in bundle.files:
            path = folder / f"{unit_name}-{name}"
            path.write_bytes(body)
            click.echo(str(path))
    if not bundles:
        click.echo("no organisation yet: nothing to report")
