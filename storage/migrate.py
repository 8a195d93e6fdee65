"""Alembic, driven from code so `gridbot db upgrade` needs no alembic.ini.

Migrations run under a lock, so several instances cold-starting on one database take
turns: the first migrates, the others find the schema current and go on. PostgreSQL:
a session advisory lock on a fixed key, held by the connection that migrates. SQLite:
fcntl.flock on a file beside the database (<db>.migrate.lock).
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from storage.engine import ensure_database_folder, sqlite_file

if TYPE_CHECKING:  # Alembic loads when a migration runs, in its thread, not with every import
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_lock key of `gridbot db upgrade` (any fixed bigint; "grid" in ASCII).
ADVISORY_LOCK_KEY = 0x67726964

log = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    # Alembic loads only when there is something to migrate.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def lock_file(url: str) -> Path | None:
    """<db>.migrate.lock for an SQLite file; None for a server or :memory:."""
    path = sqlite_file(url)
    return None if path is None else Path(f"{path}.migrate.lock")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # blocks until the other process is done
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking; call it from a thread when an event loop is running."""
    ensure_database_folder(url)
    if revision == "head" and asyncio.run(_at_head(url)):
        return  # the usual start: nothing to do, no lock, no Alembic
    from alembic import command

    if make_url(url).get_backend_name() == "postgresql":
        asyncio.run(_pg_upgrade(url, revision))
        return
    path = lock_file(url)
    with _file_lock(path) if path is not None else contextlib.nullcontext():
        command.upgrade(alembic_config(url), revision)


async def _pg_upgrade(url: str, revision: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            await conn.commit()  # a session lock: it outlives the transaction
            try:
                await conn.run_sync(_upgrade_on, url, revision)
                await conn.commit()
            finally:
                await conn.rollback()
                await conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                await conn.commit()
    finally:
        await engine.dispose()


async def _at_head(url: str) -> bool:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await database_revisions(conn) == head_revisions()
    except Exception:  # noqa: BLE001 - no database yet, or unreachable: let Alembic say
        return False
    finally:
        await engine.dispose()


def _upgrade_on(connection: sa.Connection, url: str, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(url)
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, revision)


_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.MULTILINE)


def head_revisions() -> set[str]:
    """The newest revisions of the chain, read from the files (no Alembic import: /readyz
    and every start ask). tests check it against Alembic's own answer."""
    revisions, downs = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(text)
        if down is not None:
            downs.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return revisions - downs


async def database_revisions(conn: AsyncConnection) -> set[str]:
    """What alembic_version holds (empty before the first migration)."""
    def read(sync: sa.Connection) -> set[str]:
        if not sa.inspect(sync).has_table("alembic_version"):
            return set()
        return {r[0] for r in sync.execute(sa.text("SELECT version_num FROM alembic_version"))}

    return await conn.run_sync(read)
