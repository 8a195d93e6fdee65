"""/healthz and /readyz.

/healthz answers 200 while the process lives (its event loop turns). /readyz answers 200
when the database and Redis (if configured) answer and the database's migrations are the
code's (Alembic head == the database's version); else 503 with a JSON reason, so a load
balancer sends no updates to an instance that cannot handle them.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import database_revisions, head_revisions

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[str | None]]  # None when fine, else the reason
TIMEOUT = 3.0


def database_check(engine: AsyncEngine) -> Check:
    heads = head_revisions()

    async def check() -> str | None:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
            current = await database_revisions(conn)
        if current != heads:
            return f"migrations: database at {sorted(current) or 'none'}, code at {sorted(heads)}"
        return None

    return check


def redis_check(redis: Any) -> Check:
    async def check() -> str | None:
        await redis.ping()
        return None

    return check


class Health:
    def __init__(self, checks: dict[str, Check]) -> None:
        self.checks = checks
        self.draining = False  # set on shutdown: not ready, still alive

    async def healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(self, _request: web.Request) -> web.Response:
        if self.draining:
            return web.json_response({"status": "not ready", "reasons": {"process": "shutting down"}}, status=503)
        reasons = {}
        for name, check in self.checks.items():
            try:
                reason = await asyncio.wait_for(check(), TIMEOUT)
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                reason = f"{type(exc).__name__}: unreachable"
            if reason:
                reasons[name] = reason
        if reasons:
            log.warning("not ready: %s", reasons)
            return web.json_response({"status": "not ready", "reasons": reasons}, status=503)
        return web.json_response({"status": "ready", "checked": sorted(self.checks)})

    def install(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
