"""The `gridbot` command line."""
from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path

import click

from bot.settings import Settings, load_settings

EXAMPLE_ORG = Path(__file__).parent / "data" / "org.example.toml"


def _settings(ctx: click.Context) -> Settings:
    try:
        return load_settings(ctx.obj.get("config"))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # pydantic's ValidationError names the bad key
        raise click.ClickException(f"invalid configuration: {exc}") from None


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # aiohttp/aiogram debug logs carry request URLs, and so the token: keep them quiet.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # aiosqlite's debug lines carry SQL parameters: residents' phone numbers among them.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)


@click.group()
@click.option("--config", "-c", type=click.Path(dir_okay=False), envvar="GRIDBOT_CONFIG",
              help="TOML settings file (default: ./config.toml if present).")
@click.option("--verbose", "-v", is_flag=True, help="Debug logging.")
@click.pass_context
def main(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """gridbot: a chat assistant for grid-based community governance (网格化基层治理)."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config
    _logging(verbose)


@main.command()
@click.option("--load-example", is_flag=True, help="Import the example organisation if the database has none.")
@click.pass_context
def run(ctx: click.Context, load_example: bool) -> None:
    """Run the bot (long polling). Upgrades the database first."""
    from bot.runner import run_bot

    settings = _settings(ctx)
    if not settings.telegram.token or not settings.telegram.token.get_secret_value():
        click.echo(
            "No Telegram bot token is set.\n"
            "  Get one from @BotFather, then:  export GRIDBOT_TELEGRAM__TOKEN=123456:ABC...\n"
            "  (or put [telegram] token = \"...\" in config.toml; the variable wins).\n"
            "To see the whole loop offline without a token, run:  gridbot demo",
            err=True,
        )
        sys.exit(2)
    sys.exit(asyncio.run(run_bot(settings, EXAMPLE_ORG if load_example else None)))


@main.command()
@click.option("--keep", type=click.Path(file_okay=False), help="Keep the demo database in this folder.")
def demo(keep: str | None) -> None:
    """Play the whole loop offline (no token, no network) and print the transcript."""
    from bot.demo import run_demo

    asyncio.run(run_demo(EXAMPLE_ORG, keep=Path(keep) if keep else None, echo=click.echo))


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply the migrations up to the newest."""
    from storage.migrate import upgrade

    settings = _settings(ctx)
    upgrade(settings.database.url)
    click.echo("database is up to date")


@main.group()
def org() -> None:
    """The organisation: streets, communities, grids and staff."""


@org.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--geojson", type=click.Path(exists=True, dir_okay=False),
              help="Grid boundaries: a GeoJSON FeatureCollection, each feature's properties.code a grid code.")
@click.option("--crs", type=click.Choice(["wgs84", "gcj02"]), default="wgs84", show_default=True,
              help="Coordinates of --geojson: gcj02 for outlines drawn on 高德/腾讯 maps.")
@click.pass_context
def org_import(ctx: click.Context, file: str, geojson: str | None, crs: str) -> None:
    """Load an organisation file: TOML, CSV or XLSX (by extension). Importing the same file
    twice changes nothing; open tickets of staff who leave go to the backup or the cadre."""
    from bot.orgcli import import_org
    from tickets.organisation import OrgFileError

    try:
        report = asyncio.run(import_org(_settings(ctx), Path(file), Path(geojson) if geojson else None, crs))
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
    from bot.orgcli import show_org

    tree = asyncio.run(show_org(_settings(ctx)))
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


@click.command("retrain")
@click.option("--out", type=click.Path(file_okay=False), help="Where to write the new model (default: a temp folder).")
@click.option("--activate", is_flag=True, help="Switch to the new model (copied into nlp.model_dir).")
@click.pass_context
def nlp_retrain(ctx: click.Context, out: str | None, activate: bool) -> None:
    """Train on the shipped corpus plus staff corrections (改类); compare with the model in use."""
    from bot.retrain import load_corrections, retrain

    settings = _settings(ctx.find_root())
    fixes = asyncio.run(load_corrections(settings))
    try:
        r = retrain(settings, fixes, Path(out) if out else None, activate)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"staff corrections in the database: {r.n_corrections} (a fifth of them held out)")
    click.echo(f"training messages: {r.n_train}")
    click.echo(f"held-out messages: {r.n_heldout}")
    click.echo(f"{'':<12}{'macro-F1':>10}{'accuracy':>10}")
    for name, m in (("current", r.current), ("retrained", r.candidate)):
        click.echo(f"{name:<12}{m['macro_f1']:>10.4f}{m['accuracy']:>10.4f}")
    click.echo(f"new model: {r.candidate_dir}")
    if r.activated_to:
        click.echo(f"activated: {r.activated_to} (restart the bot to use it)")
    else:
        click.echo("not activated: run again with --activate to switch")


def _attach_org() -> None:
    from bot.staffcli import org_audit, org_qr, staff

    org.add_command(org_qr)
    org.add_command(org_audit)
    main.add_command(staff)


_attach_org()


def _attach_nlp() -> None:
    from nlp.cli import nlp_commands

    nlp_commands.add_command(nlp_retrain)
    main.add_command(nlp_commands, "nlp")


_attach_nlp()


def _attach_cadre() -> None:
    from bot.cadre_cli import bulletin_command, export_group

    main.add_command(export_group)
    main.add_command(bulletin_command)


_attach_cadre()


def _attach_sla() -> None:
    from bot.sla_cli import sla_command

    main.add_command(sla_command)


_attach_sla()
