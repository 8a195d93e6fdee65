"""`gridbot sla`: the deadlines a ticket reported at a given time would get.

For cadres checking a deadline ("reported on 12-31 at 09:00, when is 办结 due?") and for
scripts (``--json``). Uses the running bot's settings: time zone, office hours, ``[sla]``
and ``[calendar]``; no database.
"""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from bot.cli.common import settings_from

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_start(text: str, tz: ZoneInfo) -> datetime:
    """``2026-12-31 09:00`` (local wall time in ``tz``) or ISO 8601 with an offset."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a time like \"2026-12-31 09:00\"", param_hint="--start") from None
    return at.replace(tzinfo=tz) if at.tzinfo is None else at


def deadlines(settings, start: datetime, category: str | None, urgent: bool) -> dict:
    """The answer as a dict (the ``--json`` output); raises ValueError on a bad category or calendar."""
    from bot.workcalendar import build_calendar
    from supervision.sla import SlaPolicy
    from supervision.workdays import OFFICIAL_SOURCES, source_label

    tz = ZoneInfo(settings.timezone)
    policy = SlaPolicy.from_mapping(settings.sla.model_dump())
    if category is not None:
        known = _categories(settings) | set(policy.per_category)
        if category not in known:
            raise ValueError(f"unknown category {category!r}; known: {', '.join(sorted(known))}")
    calendar = build_calendar(settings)
    rule = policy.rule_for(category or "", urgent)
    accept, resolve = policy.deadlines(calendar, start, category or "", urgent)
    local = [t.astimezone(tz) for t in (start, accept, resolve)]
    years = range(min(t.year for t in local), max(t.year for t in local) + 1)
    return {
        "start": local[0].isoformat(),
        "timezone": settings.timezone,
        "category": category,
        "urgent": urgent,
        "accept_deadline": local[1].isoformat(),
        "resolve_deadline": local[2].isoformat(),
        "accept_rule": str(rule.accept),
        "resolve_rule": str(rule.resolve),
        "calendar": {
            str(y): {"source": (s := calendar.source(y)), "official": s in OFFICIAL_SOURCES,
                     "detail": source_label(s)}
            for y in years
        },
    }


def _categories(settings) -> set[str]:
    from nlp.taxonomy import load_taxonomy

    return set(load_taxonomy(settings.nlp.categories_file).names)


def _show(iso: str) -> str:
    at = datetime.fromisoformat(iso)
    return f"{at:%Y-%m-%d %H:%M} {_WEEKDAYS[at.weekday()]}"


@click.command("sla")
@click.option("--start", "start_text", metavar="TIME",
              help='Report time, local ("2026-12-31 09:00") or ISO 8601 with offset; default now.')
@click.option("--category", help="Event category (its own rule if [sla.categories] has one); default: the default rule.")
@click.option("--urgent", is_flag=True, help="An urgent ticket (clock time, not working time).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (ISO 8601 times with offset).")
@click.pass_context
def sla_command(ctx: click.Context, start_text: str | None, category: str | None, urgent: bool, as_json: bool) -> None:
    """The 签收 (accept) and 办结 (resolve) deadlines of a ticket reported at --start,
    in local time, and where each year's working days come from."""
    settings = settings_from(ctx)
    tz = ZoneInfo(settings.timezone)
    start = parse_start(start_text, tz) if start_text else datetime.now(tz)
    try:
        out = deadlines(settings, start, category, urgent)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    estimated = [y for y, info in out["calendar"].items() if not info["official"]]
    if estimated:
        click.echo(f"warning: no official holiday schedule for {', '.join(estimated)}: these deadlines may be wrong; "
                   "give the schedule in [calendar] (see README: the working calendar)", err=True)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"reported      {_show(out['start'])} ({out['timezone']})")
    click.echo(f"rule          {category or '(default)'}{', urgent' if urgent else ''}: "
               f"accept {out['accept_rule']}, resolve {out['resolve_rule']}")
    click.echo(f"签收 accept   {_show(out['accept_deadline'])}")
    click.echo(f"办结 resolve  {_show(out['resolve_deadline'])}")
    for i, (year, info) in enumerate(out["calendar"].items()):
        click.echo(f"{'calendar' if i == 0 else '':<14}{year}: {info['detail']}")
