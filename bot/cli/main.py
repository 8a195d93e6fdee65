"""The `gridbot` command line: the root group, `run`, `demo` and `db`; the other groups
come from their own modules (org, staff, cadre, stats, nlp)."""
from __future__ import annotations

import asyncio
import gc
import sys
from pathlib import Path

import click

from bot.cli import cadre, nlp, org, sla, staff, stats, web, webhook
from bot.cli.common import EXAMPLE_ORG, settings_from, setup_logging


@click.group()
@click.option("--config", "-c", type=click.Path(dir_okay=False), envvar="GRIDBOT_CONFIG",
              help="TOML settings file (default: ./config.toml if present).")
@click.option("--verbose", "-v", is_flag=True, help="Debug logging.")
@click.pass_context
def main(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """gridbot: a chat assistant for grid-based community governance (网格化基层治理)."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config
    setup_logging(verbose)


@main.command()
@click.option("--load-example", is_flag=True, help="Import the example organisation if the database has none.")
@click.option("--no-migrate", is_flag=True,
              help="Do not upgrade the database (run `gridbot db upgrade` first, e.g. before rolling instances).")
@click.pass_context
def run(ctx: click.Context, load_example: bool, no_migrate: bool) -> None:
    """Run the bot (long polling, or webhook with telegram.mode = "webhook"). Upgrades the
    database first, under a lock, unless --no-migrate."""
    settings = settings_from(ctx)
    if not settings.telegram.token or not settings.telegram.token.get_secret_value():
        click.echo(
            "No Telegram bot token is set.\n"
            "  Get one from @BotFather, then:  export GRIDBOT_TELEGRAM__TOKEN=123456:ABC...\n"
            "  (or put [telegram] token = \"...\" in config.toml; the variable wins).\n"
            "To see the whole loop offline without a token, run:  gridbot demo",
            err=True,
        )
        sys.exit(2)
    # Start-up builds some 280,000 objects the collector tracks, nearly all for good
    # (aiogram's ~700 pydantic models, the ORM, the routers, the classifier): collecting while
    # they are built walks them again and again (about 5% of start-up's CPU). Once ready,
    # run_bot freezes them and turns the collector back on (bot.runner.settle).
    gc.disable()
    from bot.runner import run_bot

    sys.exit(asyncio.run(run_bot(settings, EXAMPLE_ORG if load_example else None, migrate=not no_migrate)))


@main.command()
@click.option("--keep", type=click.Path(file_okay=False), help="Keep the demo database in this folder.")
def demo(keep: str | None) -> None:
    """Play the whole loop offline (no token, no network) and print the transcript."""
    from bot.cli.demo import run_demo

    asyncio.run(run_demo(EXAMPLE_ORG, keep=Path(keep) if keep else None, echo=click.echo))


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply the migrations up to the newest (under a lock: safe while instances start)."""
    from storage.migrate import upgrade

    settings = settings_from(ctx)
    upgrade(settings.database.url)
    click.echo("database is up to date")


main.add_command(org.org)
main.add_command(staff.staff)
main.add_command(cadre.export_group)
main.add_command(cadre.bulletin_command)
main.add_command(stats.stats_command)
main.add_command(nlp.nlp_group(), "nlp")
main.add_command(sla.sla_command)
main.add_command(web.web_group)
main.add_command(webhook.webhook_group)
