"""The organisation commands' async bodies (kept out of cli.py so tests can await them)."""
from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_async
from tickets.organisation import ImportReport, apply_org, org_tree, parse_org_file


async def import_org(settings: Settings, path: Path) -> ImportReport:
    spec = parse_org_file(path)  # errors before touching the database
    await upgrade_async(settings.database.url)
    engine = create_engine(settings.database.url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return await apply_org(session, spec)
    finally:
        await engine.dispose()


async def show_org(settings: Settings) -> list[dict]:
    await upgrade_async(settings.database.url)
    engine = create_engine(settings.database.url)
    try:
        async with create_session_factory(engine)() as session:
            return await org_tree(session, settings.telegram.username)
    finally:
        await engine.dispose()
