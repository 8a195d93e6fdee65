"""A backup as docs/deployment.md writes it: pg_dump of a database with tickets,
pg_restore into an empty one, the same tickets and migration version on the other side.
Skipped without pg_dump/pg_restore or PostgreSQL."""
from __future__ import annotations

import asyncio
import shutil
import uuid

import pytest

from tests.support.reminder_kit import Clock, local, make_kit, postgres_database

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")),
                                 reason="pg_dump/pg_restore are not installed")]


@pytest.fixture
async def pg_url():
    async for url in postgres_database():
        yield url


async def run(*argv: str) -> str:
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def rows(url: str, sql: str) -> list[tuple]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


async def test_a_dump_restores_into_an_empty_database(pg_url, tmp_path):
    kit = await make_kit(tmp_path, Clock(local(2026, 11, 23, 9, 0)), url=pg_url)
    for text in ("楼道灯坏了", "垃圾没有清运", "路面塌陷"):
        await kit.report(text)
    plain = pg_url.replace("postgresql+asyncpg", "postgresql")
    dump = tmp_path / "gridbot.dump"
    await run("pg_dump", "--format=custom", "--no-owner", "--file", str(dump), plain)
    target = f"gridbot_restore_{uuid.uuid4().hex[:10]}"
    admin = plain.rsplit("/", 1)[0] + "/test"
    await rows(admin, f'CREATE DATABASE "{target}"')
    restored = plain.rsplit("/", 1)[0] + f"/{target}"
    try:
        await run("pg_restore", "--no-owner", "--dbname", restored, str(dump))
        query = "SELECT id, text, state FROM tickets ORDER BY id"
        assert await rows(restored, query) == await rows(plain, query)
        assert len(await rows(restored, query)) == 3
        assert await rows(restored, "SELECT version_num FROM alembic_version") == \
            await rows(plain, "SELECT version_num FROM alembic_version")
    finally:
        await kit.close()
        await rows(admin, f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
