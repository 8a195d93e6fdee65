"""The webhook endpoint: the secret checked in constant time (401 otherwise, never logged),
200 only once the update is handled, and no more than max_in_flight handled at once."""
from __future__ import annotations

import asyncio
import importlib.machinery
import importlib.util
import logging

import aiohttp
import pytest
from aiogram import Bot, Dispatcher

from web.health import Health
from web.server import WebServer, build_app, webhook_path
from web.webhook import SECRET_HEADER, WebhookHandler

SECRET = "s3cret_TOKEN-value"
UPDATE = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                      "from": {"id": 5, "is_bot": False, "first_name": "A"}, "text": "hi"}}


class SlowDispatcher(Dispatcher):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.running = 0
        self.peak = 0
        self.done: list[int] = []

    async def feed_update(self, bot, update, **kwargs):
        self.running += 1
        self.peak = max(self.peak, self.running)
        await asyncio.sleep(self.delay)
        self.running -= 1
        self.done.append(update.update_id)


@pytest.fixture
async def serve():
    servers = []

    async def start(dp, max_in_flight=4):
        bot = Bot("1:TEST")
        handler = WebhookHandler(dp, bot, SECRET, max_in_flight=max_in_flight, queue_timeout=5)
        server = WebServer(build_app(Health({}), handler, "https://example.org/tg/hook"), "127.0.0.1", 0)
        port = await server.start()
        servers.append((server, bot))
        return f"http://127.0.0.1:{port}/tg/hook", handler

    yield start
    for server, bot in servers:
        await server.stop()
        await bot.session.close()


def test_the_path_comes_from_the_webhook_url():
    assert webhook_path("https://bot.example.org/telegram/abc") == "/telegram/abc"
    assert webhook_path(None) == "/telegram/webhook"


async def test_a_wrong_or_missing_secret_is_refused_and_not_logged(serve, caplog):
    dp = SlowDispatcher(0)
    url, handler = await serve(dp)
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {SECRET_HEADER: "wrong-guess"}, {SECRET_HEADER: SECRET[:-1]}):
            async with http.post(url, json=UPDATE, headers=headers) as r:
                assert r.status == 401
    assert dp.done == [] and handler.refused == 3
    assert "wrong-guess" not in caplog.text and SECRET not in caplog.text
    assert "refused" in caplog.text


async def test_200_only_once_the_update_is_handled(serve):
    dp = SlowDispatcher(0.3)
    url, _ = await serve(dp)
    async with aiohttp.ClientSession() as http, http.post(url, json=UPDATE, headers={SECRET_HEADER: SECRET}) as r:
        assert r.status == 200
        assert dp.done == [1]  # handled before the answer came


async def test_updates_in_flight_are_bounded(serve):
    dp = SlowDispatcher(0.2)
    url, _ = await serve(dp, max_in_flight=3)
    async with aiohttp.ClientSession() as http:
        async def post(n):
            async with http.post(url, json=dict(UPDATE, update_id=n), headers={SECRET_HEADER: SECRET}) as r:
                return r.status

        statuses = await asyncio.gather(*(post(n) for n in range(12)))
    assert statuses == [200] * 12
    assert dp.peak == 3 and sorted(dp.done) == list(range(12))


async def test_a_malformed_body_is_a_400(serve):
    url, _ = await serve(SlowDispatcher(0))
    async with aiohttp.ClientSession() as http, http.post(url, data=b"not json",
                                                          headers={SECRET_HEADER: SECRET}) as r:
        assert r.status == 400


def test_a_webhook_needs_a_secret():
    with pytest.raises(ValueError):
        WebhookHandler(Dispatcher(), None, "")  # type: ignore[arg-type]


def test_the_console_is_mounted_only_when_its_module_exists(monkeypatch):
    import sys
    import types

    from aiohttp import web as aioweb

    from web.server import add_console

    monkeypatch.delitem(sys.modules, "web.app", raising=False)
    if importlib.util.find_spec("web.app") is None:
        assert add_console(aioweb.Application(), core=None) is False
    seen = {}
    module = types.ModuleType("web.app")
    module.__spec__ = importlib.machinery.ModuleSpec("web.app", None)

    def add_console_routes(app, *, core, settings=None):
        seen.update(core=core, settings=settings)

    module.add_console_routes = add_console_routes
    monkeypatch.setitem(sys.modules, "web.app", module)
    assert add_console(aioweb.Application(), core="core", settings="s", bot="not asked for") is True
    assert seen == {"core": "core", "settings": "s"}
