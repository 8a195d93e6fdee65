"""`gridbot db upgrade` from several processes at once on an empty database: they take
turns at the lock (PostgreSQL advisory lock, SQLite file lock), all succeed, and the
database ends at the head once."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.engine import create_engine
from storage.migrate import database_revisions, head_revisions, lock_file
from tests.support.reminder_kit import postgres_database

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(params=["sqlite", "postgres"])
async def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
        return
    async for pg in postgres_database():
        yield pg


async def upgrade_in_a_process(url: str, cwd: Path) -> tuple[int, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), GRIDBOT_DATABASE__URL=url)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "db", "upgrade", cwd=cwd, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return proc.returncode, out.decode()


async def test_three_processes_migrate_one_empty_database_together(url, tmp_path):
    results = await asyncio.gather(*(upgrade_in_a_process(url, tmp_path) for _ in range(3)))
    for code, out in results:
        assert code == 0, out
        assert "database is up to date" in out
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            assert await database_revisions(conn) == head_revisions()
            assert (await conn.execute(sa.text("SELECT count(*) FROM alembic_version"))).scalar() == 1
    finally:
        await engine.dispose()
    if url.startswith("sqlite"):
        assert lock_file(url).exists()


def test_the_heads_read_from_the_files_are_alembics():
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    assert head_revisions() == set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def test_a_current_database_is_not_migrated_again(tmp_path):
    from storage.migrate import upgrade_async

    url = f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}"
    await upgrade_async(url)
    lock_file(url).unlink()
    await upgrade_async(url)  # at the head already: no lock taken, nothing run
    assert not lock_file(url).exists()
