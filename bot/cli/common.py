"""What every command group shares: loading the settings (with the CLI's own error
messages), logging, and where the example organisation lives."""
from __future__ import annotations

import logging
from pathlib import Path

import click

from bot.settings import Settings, load_settings

EXAMPLE_ORG = Path(__file__).resolve().parents[1] / "data" / "org.example.toml"


def settings_from(ctx: click.Context) -> Settings:
    """The settings the root command was given (--config, GRIDBOT_CONFIG or ./config.toml)."""
    try:
        return load_settings(ctx.find_root().obj.get("config"))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # pydantic's ValidationError names the bad key
        raise click.ClickException(f"invalid configuration: {exc}") from None


# Libraries that narrate their routine at INFO (Alembic's every migration step, the
# scheduler's every job run, jieba's dictionary loading): shown with -v only.
CHATTY = ("alembic", "apscheduler", "jieba")


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)
    # aiohttp/aiogram debug logs carry request URLs, and so the token: keep them quiet.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # aiosqlite's debug lines carry SQL parameters: residents' phone numbers among them.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
