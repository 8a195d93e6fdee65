"""Alembic, driven from code so `gridbot db upgrade` needs no alembic.ini."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from storage.engine import ensure_database_folder

if TYPE_CHECKING:  # Alembic loads when a migration runs, in its thread, not with every import
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking; call it from a thread when an event loop is running."""
    from alembic import command

    ensure_database_folder(url)
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, revision)
