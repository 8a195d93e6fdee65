"""`gridbot org ...`: import the organisation (TOML, CSV, XLSX), show it, print its QR join
posters, read the audit log."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from bot.cli.common import settings_from
from bot.cli.progress import Bar, quiet_option
from documents.posters import PosterWords
from organisation.invites import join_link


def poster_words() -> PosterWords:
    """The join poster's sentences (handlers.texts), in the bot's default language."""
    from handlers.shared.i18n import T

    return PosterWords(T.POSTER_TITLE, T.POSTER_STEPS, T.POSTER_CODE)


@click.group()
def org() -> None:
    """The organisation: streets, communities, grids and staff."""


@org.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--geojson", type=click.Path(exists=True, dir_okay=False),
              help="Grid boundaries: a GeoJSON FeatureCollection, each feature's properties.code a grid code.")
@click.option("--crs", type=click.Choice(["wgs84", "gcj02"]), default="wgs84", show_default=True,
              help="Coordinates of --geojson: gcj02 for outlines drawn on 高德/腾讯 maps.")
@quiet_option
@click.pass_context
def org_import(ctx: click.Context, file: str, geojson: str | None, crs: str, quiet: bool) -> None:
    """Load an organisation file: TOML, CSV or XLSX (by extension). Importing the same file
    twice changes nothing; open tickets of staff who leave go to the backup or the cadre."""
    from bot.cli.orgtasks import import_org
    from organisation.imports.errors import OrgFileError

    try:
        with Bar("importing", quiet=quiet, unit="step") as bar:
            report = asyncio.run(import_org(settings_from(ctx), Path(file), Path(geojson) if geojson else None, crs,
                                            on_progress=bar))
    except OrgFileError as exc:
        raise click.ClickException(str(exc)) from None
    if not report.changed:
        click.echo("nothing changed: the database already matches the file")
        return
    for label, items in (("created", report.created), ("updated", report.updated), ("moved", report.moved),
                         ("deactivated", report.deactivated)):
        if items:
            click.echo(f"{label}: {len(items)}")
            for item in items:
                click.echo(f"  {item}")
    if report.handed_over:
        click.echo(f"open tickets handed over: {len(report.handed_over)}")
        for h in report.handed_over:
            click.echo(f"  #{h.ticket_id} of {h.from_name}: " + ("returned to the cadre" if h.returned else f"→ {h.to_name}"))
        click.echo("  the people concerned are told by the running bot (gridbot run delivers the outbox)")


@org.command("show")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def org_show(ctx: click.Context, as_json: bool) -> None:
    """Print the organisation tree with join links."""
    from bot.cli.orgtasks import show_org

    tree = asyncio.run(show_org(settings_from(ctx)))
    if as_json:
        click.echo(json.dumps({"streets": tree}, ensure_ascii=False, indent=2))
        return
    if not tree:
        click.echo("no organisation yet: gridbot org import examples/org.example.toml")
    for street in tree:
        click.echo(f"{street['name']} [{street['code']}]" + _people(street))
        for community in street["communities"]:
            click.echo(f"  {community['name']} [{community['code']}]" + _people(community))
            for grid in community["grids"]:
                click.echo(f"    {grid['name']} [{grid['code']}]" + _people(grid))
                click.echo(f"      join: {grid['join_link']}")
                for micro in grid.get("micro_grids", []):
                    click.echo(f"      {micro['name']} [{micro['code']}]" + _people(micro))
        for dept in street.get("departments", []):
            click.echo(f"  部门 {dept['name']} [{dept['code']}]" + _people(dept))


def _people(unit: dict) -> str:
    names = [f"{p['name']}{'(备岗)' if p['backup'] else ''} #{p['telegram_id']}" for p in unit["staff"]]
    return ("  — " + ", ".join(names)) if names else ""


@org.command("qr")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the PNG posters.")
@click.option("--username", help="The bot's @username (default: telegram.username in the settings).")
@click.option("--grid", "grids", multiple=True, help="Only these grid codes (repeatable).")
@quiet_option
@click.pass_context
def org_qr(ctx: click.Context, out_dir: str, username: str | None, grids: tuple[str, ...], quiet: bool) -> None:
    """Write a printable join poster (PNG, QR code of the grid's link) per grid."""
    from bot.cli.orgtasks import poster_entries
    from documents.posters import write_posters

    settings = settings_from(ctx)
    name = (username or settings.telegram.username or "").lstrip("@").strip()
    if not name:
        raise click.ClickException(
            "the bot's username is needed for the links in the QR codes: pass --username mybot, "
            "or set [telegram] username = \"mybot\" in config.toml (GRIDBOT_TELEGRAM__USERNAME)")
    entries = asyncio.run(poster_entries(settings, grids))
    if not entries:
        raise click.ClickException("no grids to print: import the organisation first (gridbot org import FILE)")
    with Bar("posters", quiet=quiet, unit="poster") as bar:
        written = write_posters(entries, Path(out_dir), lambda code: join_link(name, code), poster_words(), bar)
    for path in written:
        click.echo(str(path))


@org.command("audit")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--action", help="Only this action, e.g. staff.deactivate, invite.redeem, org.import.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--verify", is_flag=True,
              help="Recompute the hash chain: OK with the row count, or the first broken row and why (exit 1).")
@click.pass_context
def org_audit(ctx: click.Context, limit: int, action: str | None, as_json: bool, verify: bool) -> None:
    """The newest entries of the audit log (organisation, staff and admin actions)."""
    from bot.cli.orgtasks import recent_audit, verify_audit

    if verify:
        check = asyncio.run(verify_audit(settings_from(ctx)))
        if not check.ok:
            click.echo(f"BROKEN at row {check.broken_id} ({check.kind}): {check.why}; "
                       f"the {check.rows} rows before it verify")
            ctx.exit(1)
        click.echo(f"OK: {check.rows} rows, the chain is intact (head {check.head})")
        return
    rows = asyncio.run(recent_audit(settings_from(ctx), limit, action))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        reason = f"  ({r['reason']})" if r["reason"] else ""
        click.echo(f"{r['at']}  {r['who'] or '-'}  {r['action']}  {r['object']}{reason}")
