"""The aiohttp server of `gridbot run`: the webhook (in webhook mode), /healthz and /readyz
(in both modes), and the web command centre's routes when `web.app` is installed.

Built by build_app(); started and stopped by WebServer. Nothing listens at import time.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from web.health import Health
from web.webhook import WebhookHandler

log = logging.getLogger(__name__)

HEALTH = web.AppKey("health", Health)


def webhook_path(url: str | None) -> str:
    """The path Telegram posts to: the webhook URL's own path (the proxy passes it on)."""
    path = urlsplit(url or "").path
    return path if path and path != "/" else "/telegram/webhook"


def add_console(app: web.Application, **available: Any) -> bool:
    """Mount the command centre if its module exists, handing it what it asks for by name."""
    if importlib.util.find_spec("web.app") is None:
        return False
    module = importlib.import_module("web.app")
    add = getattr(module, "add_console_routes", None)
    if add is None:
        return False
    params = inspect.signature(add).parameters
    takes_all = any(p.kind is p.VAR_KEYWORD for p in params.values())
    kwargs = {k: v for k, v in available.items() if takes_all or k in params}
    add(app, **kwargs)
    return True


def build_app(health: Health, webhook: WebhookHandler | None = None, webhook_url: str | None = None,
              **console: Any) -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    health.install(app)
    if webhook is not None:
        app.router.add_post(webhook_path(webhook_url), webhook.__call__)  # a coroutine function
    app[HEALTH] = health
    if console:
        try:
            add_console(app, **console)
        except Exception:  # the console must not keep the bot from its updates
            log.exception("the web console could not be mounted")
    return app


class WebServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Listens; returns the port (the one the system chose when given 0)."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("HTTP on %s:%s (/healthz, /readyz)", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
