"""`gridbot staff ...`, `gridbot org qr` and `gridbot org audit`: onboarding and staff
administration from the command line (the command line acts as an admin)."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import click

from bot.settings import Settings
from tickets.errors import NotFound
from tickets.invites import InviteRefused
from tickets.organisation import join_link
from tickets.staffing import BadReason, StaffChange, parse_role

ROLE_CHOICES = ["grid_member", "backup", "community_cadre", "street_cadre", "department"]


def _settings(ctx: click.Context) -> Settings:
    from bot.cli import _settings as load

    return load(ctx.find_root())


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


@click.command("qr")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the PNG posters.")
@click.option("--username", help="The bot's @username (default: telegram.username in the settings).")
@click.option("--grid", "grids", multiple=True, help="Only these grid codes (repeatable).")
@click.pass_context
def org_qr(ctx: click.Context, out_dir: str, username: str | None, grids: tuple[str, ...]) -> None:
    """Write a printable join poster (PNG, QR code of the grid's link) per grid."""
    from bot.orgcli import poster_entries
    from bot.posters import write_posters

    settings = _settings(ctx)
    name = (username or settings.telegram.username or "").lstrip("@").strip()
    if not name:
        raise click.ClickException(
            "the bot's username is needed for the links in the QR codes: pass --username mybot, "
            "or set [telegram] username = \"mybot\" in config.toml (GRIDBOT_TELEGRAM__USERNAME)")
    entries = asyncio.run(poster_entries(settings, grids))
    if not entries:
        raise click.ClickException("no grids to print: import the organisation first (gridbot org import FILE)")
    for path in write_posters(entries, Path(out_dir), lambda code: join_link(name, code)):
        click.echo(str(path))


@click.command("audit")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--action", help="Only this action, e.g. staff.deactivate, invite.redeem, org.import.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def org_audit(ctx: click.Context, limit: int, action: str | None, as_json: bool) -> None:
    """The newest entries of the audit log (organisation, staff and admin actions)."""
    from bot.orgcli import recent_audit

    rows = asyncio.run(recent_audit(_settings(ctx), limit, action))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        reason = f"  ({r['reason']})" if r["reason"] else ""
        click.echo(f"{r['at']}  {r['who'] or '-'}  {r['action']}  {r['object']}{reason}")


@click.group("staff")
def staff() -> None:
    """Staff: invitations, list, deactivate, move (the command line acts as an admin)."""


async def _with_staffing(settings: Settings, body):
    from bot.orgcli import sessions, staffing

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
    from bot.orgcli import cli_operator

    settings = _settings(ctx)
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
    from bot.orgcli import cli_operator

    rows = asyncio.run(_with_staffing(_settings(ctx), lambda s: s.pending_invites(cli_operator())))
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
    from bot.orgcli import cli_operator

    try:
        rows = asyncio.run(_with_staffing(_settings(ctx), lambda s: s.list_staff(cli_operator(), unit, everyone)))
    except NotFound as exc:
        raise _refusal(exc, unit or "") from None
    if as_json:
        click.echo(json.dumps([{**r.__dict__, "role": r.role.value} for r in rows], ensure_ascii=False, indent=2))
        return
    for r in rows:
        flags = ("" if r.active else "  [inactive]") + ("  [blocked the bot]" if r.blocked else "")
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
    from bot.orgcli import cli_operator

    try:
        change = asyncio.run(_with_staffing(_settings(ctx), lambda s: s.deactivate(cli_operator(), staff_id, reason)))
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
    from bot.orgcli import cli_operator

    try:
        change = asyncio.run(_with_staffing(_settings(ctx), lambda s: s.move(cli_operator(), staff_id, unit, reason)))
    except (NotFound, InviteRefused, BadReason) as exc:
        raise _refusal(exc, unit) from None
    _echo_change(f"moved from {change.from_unit}", change)
