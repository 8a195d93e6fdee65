"""/healthz while the process lives; /readyz only when the database answers at the code's
migration head (and Redis, when configured, answers), else 503 with the reason."""
from __future__ import annotations

import aiohttp
import pytest

from storage.engine import create_engine
from storage.migrate import upgrade_async
from web.health import Health, database_check, redis_check
from web.server import WebServer, build_app


@pytest.fixture
async def served():
    servers = []

    async def serve(checks):
        health = Health(checks)
        server = WebServer(build_app(health), "127.0.0.1", 0)
        port = await server.start()
        servers.append(server)
        return f"http://127.0.0.1:{port}", health

    yield serve
    for server in servers:
        await server.stop()


async def get(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        return r.status, await r.json()


async def test_ready_only_at_the_migration_head(served, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.sqlite3'}"
    engine = create_engine(url)
    try:
        base, _ = await served({"database": database_check(engine)})
        assert (await get(base + "/healthz"))[0] == 200
        status, body = await get(base + "/readyz")
        assert status == 503 and "migrations" in body["reasons"]["database"]
        await upgrade_async(url, "0007_dialogs")
        status, body = await get(base + "/readyz")
        assert status == 503 and "0007_dialogs" in body["reasons"]["database"]
        await upgrade_async(url)
        assert await get(base + "/readyz") == (200, {"status": "ready", "checked": ["database"]})
    finally:
        await engine.dispose()


async def test_not_ready_when_redis_or_the_database_is_away(served, tmp_path):
    class DownRedis:
        async def ping(self):
            raise ConnectionError("refused")

    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    try:
        base, health = await served({"database": database_check(engine), "redis": redis_check(DownRedis())})
        status, body = await get(base + "/readyz")
        assert status == 503 and set(body["reasons"]) == {"database", "redis"}
        assert "ConnectionError" in body["reasons"]["redis"]
        assert (await get(base + "/healthz"))[0] == 200  # alive all the same
        health.checks = {}
        health.draining = True
        assert (await get(base + "/readyz"))[0] == 503
    finally:
        await engine.dispose()
