"""The command centre under test: the web application on a local TestServer, sharing the
`chat` fixture's Dispatcher, workflow and RecordingSession (so notices can be read)."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, update

from storage.models import Ticket, Unit
from web.app import build_web_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def square(lon: float, lat: float, size: float = 0.004) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


async def outline_grids(core) -> None:
    """Boundaries for the example grids (the example file has none): a row of squares."""
    async with core.session_factory() as s, s.begin():
        grids = (await s.execute(select(Unit).where(Unit.kind == "grid").order_by(Unit.code))).scalars().all()
        for i, grid in enumerate(grids):
            grid.boundary = square(121.470 + 0.0045 * (i % 3), 31.230 + 0.0045 * (i // 3))


def web_app(chat, core):
    deps = chat.dp["deps"]
    return build_web_app(core, deps.notifier, core.settings, cadre=deps.cadre)


@asynccontextmanager
async def web_client(chat, core) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(web_app(chat, core))) as client:
        yield client


async def login_token(chat, telegram_id: int) -> str:
    url, _ = await chat.dp["web_links"].issue(telegram_id)
    return url.rsplit("/", 1)[1]


async def sign_in(client: TestClient, chat, telegram_id: int) -> str:
    """Signs the client in as this cadre; returns the session's CSRF token."""
    token = await login_token(chat, telegram_id)
    response = await client.post("/login", data={"token": token}, allow_redirects=False)
    assert response.status == 303, await response.text()
    page = await client.get("/map")
    assert page.status == 200
    return CSRF.search(await page.text()).group(1)


async def latest_ticket(core) -> int:
    async with core.session_factory() as s:
        return (await s.execute(select(func.max(Ticket.id)))).scalar_one()


async def set_state(core, ticket_id: int, **values) -> None:
    async with core.session_factory() as s, s.begin():
        await s.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values))
