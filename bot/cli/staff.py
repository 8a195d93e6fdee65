"""`gridbot staff ...`: invitations and staff administration from the command line (the
command line acts as an admin)."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import click

from bot.cli.common import settings_from
from bot.settings import Settings
from organisation.invites import InviteRefused, join_link
from organisation.staffing import BadReason, StaffChange, parse_role
from tickets.errors import NotFound

ROLE_CHOICES = ["grid_member", "backup", "community_cadre", "street_cadre", "department"]


def _refusal(exc: Exception, unit: str = "") -> click.ClickException:
    if isinstance(exc, NotFound):
        return click.ClickException(f"not found: {exc.args[0] if exc.args else unit} (see `gridbot staff list`)")
    if isinstance(exc, InviteRefused):
        why = {"role": "this role cannot be given in that kind of unit (backup: grids only)",
               "unit": "the unit is of the wrong kind for this role, or inactive",
               "already": "they already hold that role in that unit"}.get(exc.reason, exc.reason)
        return click.ClickException(why)
    if isinstance(exc, BadReason):
        return click.ClickException(str(exc))
    return click.ClickException(str(exc))


@click.group("staff")
def staff() -> None:
    """Staff: invitations, list, deactivate, move (the command line acts as an admin)."""


async def _with_staffing(settings: Settings, body):
    from bot.cli.orgtasks import sessions, staffing

    async with sessions(settings) as sf:
        return await body(staffing(sf, settings))


@staff.command("invite")
@click.option("--role", required=True, type=click.Choice(ROLE_CHOICES), help="backup = a grid's 备岗.")
@click.option("--unit", required=True, help="The unit's code, e.g. WT01.")
@click.option("--hours", type=click.FloatRange(0.1, 24 * 90), help="Valid this long (default: onboarding.invite_ttl_hours).")
@click.option("--username", help="The bot's @username, for the link (default: telegram.username).")
@click.pass_context
def staff_invite(ctx: click.Context, role: str, unit: str, hours: float | None, username: str | None) -> None:
    """Create a one-time invitation; the person opens the link (or sends /start CODE)."""
    from bot.cli.orgtasks import cli_operator

    settings = settings_from(ctx)
    r, backup = parse_role(role)
    ttl = timedelta(hours=hours) if hours else None
    try:
        issued = asyncio.run(_with_staffing(settings, lambda s: s.invite(cli_operator(), r, backup, unit, ttl)))
    except (NotFound, InviteRefused) as exc:
        raise _refusal(exc, unit) from None
    click.echo(f"invitation: {role} @ {issued.unit_code} {issued.unit_name}, once, until "
               f"{issued.expires_at.isoformat(timespec='minutes')}")
    click.echo(f"code: {issued.code}")
    name = (username or settings.telegram.username or "").lstrip("@")
    click.echo(f"link: {join_link(name, issued.code)}" if name else f"send the bot: /start {issued.code}")


@staff.command("invites")
@click.pass_context
def staff_invites(ctx: click.Context) -> None:
    """Invitations not yet used (their codes' last characters)."""
    from bot.cli.orgtasks import cli_operator

    rows = asyncio.run(_with_staffing(settings_from(ctx), lambda s: s.pending_invites(cli_operator())))
    if not rows:
        click.echo("no open invitations")
    for role, unit, backup, hint, expires in rows:
        click.echo(f"…{hint}  {role}{' (backup)' if backup else ''} @ {unit}  until {expires.isoformat(timespec='minutes')}")


@staff.command("list")
@click.option("--unit", help="Only this unit's staff.")
@click.option("--all", "everyone", is_flag=True, help="Deactivated staff too.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def staff_list(ctx: click.Context, unit: str | None, everyone: bool, as_json: bool) -> None:
    """Staff with their ids (for deactivate and move)."""
    from bot.cli.orgtasks import cli_operator

    try:
        rows = asyncio.run(_with_staffing(settings_from(ctx), lambda s: s.list_staff(cli_operator(), unit, everyone)))
    except NotFound as exc:
        raise _refusal(exc, unit or "") from None
    if as_json:
        click.echo(json.dumps([{**r.__dict__, "role": r.role.value} for r in rows], ensure_ascii=False, indent=2))
        return
    for r in rows:
        flags = ("" if r.active else "  [inactive]") + ("  [unreachable: never opened, blocked or deleted the bot]" if r.blocked else "")
        click.echo(f"#{r.staff_id:<5} {r.name}  {r.role.value}{' (backup)' if r.is_backup else ''}  "
                   f"@ {r.unit_code} {r.unit_name}  tg {r.telegram_id}{flags}")


def _echo_change(verb: str, change: StaffChange) -> None:
    s = change.staff
    click.echo(f"{verb}: #{s.staff_id} {s.name} ({s.role.value}) @ {s.unit_code}")
    for h in change.handed_over:
        click.echo(f"  ticket #{h.ticket_id}: " + ("returned to the cadre" if h.returned else f"→ {h.to_name}"))
    if change.handed_over:
        click.echo("  the people concerned are told by the running bot (outbox)")


@staff.command("deactivate")
@click.argument("staff_id", type=int)
@click.option("--reason", required=True, help="Recorded in the audit log and the tickets' history.")
@click.pass_context
def staff_deactivate(ctx: click.Context, staff_id: int, reason: str) -> None:
    """Deactivate at once; their open tickets go to the backup or back to the cadre."""
    from bot.cli.orgtasks import cli_operator

    try:
        change = asyncio.run(_with_staffing(settings_from(ctx), lambda s: s.deactivate(cli_operator(), staff_id, reason)))
    except (NotFound, BadReason) as exc:
        raise _refusal(exc) from None
    _echo_change("deactivated", change)


@staff.command("move")
@click.argument("staff_id", type=int)
@click.option("--to", "unit", required=True, help="The new unit's code.")
@click.option("--reason", required=True)
@click.pass_context
def staff_move(ctx: click.Context, staff_id: int, unit: str, reason: str) -> None:
    """Move to another unit (same role); open tickets of the old unit are handed over."""
    from bot.cli.orgtasks import cli_operator

    try:
        change = asyncio.run(_with_staffing(settings_from(ctx), lambda s: s.move(cli_operator(), staff_id, unit, reason)))
    except (NotFound, InviteRefused, BadReason) as exc:
        raise _refusal(exc, unit) from None
    _echo_change(f"moved from {change.from_unit}", change)
