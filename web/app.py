"""The command centre's application: `build_web_app` makes one; `add_console_routes` puts the
pages on an existing aiohttp Application (a webhook server may share it); `serve` runs it.

Nothing is built at import time.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from handlers.shared.deps import Deps
from handlers.shared.i18n import create_i18n
from organisation.signin import SignIn
from supervision.board import Board
from web import actions, auth, pages, statistics, ticket
from web.console import CONSOLE, Console, redirect
from web.photos import PhotoCache

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


def build_console(core: Any, notifier: Any, settings: Any, cadre: Any) -> Console:
    """From a bot.core.Core, the bot's notifier, the settings and the chat's cadre tools
    (bot.cadre.build_cadre_tools): the very objects the chat buttons use."""
    w = settings.web
    clock = core.service.clock
    deps = Deps(service=core.service, queries=core.queries, notifier=notifier, tz=core.tz,
                categories=list(core.taxonomy.names), max_text_chars=settings.limits.max_text_chars,
                languages=core.languages, cadre=cadre)
    signin = SignIn(core.session_factory, admins=settings.admins, clock=clock,
                    link_ttl=timedelta(minutes=w.link_minutes), session_ttl=timedelta(hours=w.session_hours),
                    write_lock=core.service.write_lock)
    return Console(
        service=core.service, cadre=cadre, board=Board(core.session_factory, admins=settings.admins, clock=clock),
        signin=signin, deps=deps, i18n=create_i18n(core.languages.default if core.languages else "zh_CN"),
        photos=PhotoCache(notifier.bot, Path(w.cache_dir)), tz=core.tz, categories=list(core.taxonomy.names),
        clock=clock, base_url=w.base_url, tile_url=w.tile_url, tile_attribution=w.tile_attribution,
    )


def _local(console: Console):
    def local(at: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
        return "—" if at is None else at.astimezone(console.tz).strftime(fmt)

    return local


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def add_console_routes(app: web.Application, console: Console) -> None:
    """The pages, their templates and the shipped static files (Leaflet, markercluster, htmx)."""
    app[CONSOLE] = console
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                               filters={"local": _local(console), "percent": _percent}, default_helpers=False)
    env.globals["static"] = lambda name: str(app.router["console_static"].url_for(filename=name))
    r = app.router
    r.add_get("/", _to_map)
    r.add_get("/favicon.ico", _no_icon)
    r.add_get("/login/{token}", auth.login_form)
    r.add_post("/login", auth.login)
    r.add_post("/logout", auth.logout)
    r.add_get("/map", pages.map_page)
    r.add_get("/map/data.json", pages.map_data)
    r.add_get("/tickets", pages.list_page)
    r.add_get("/tickets/rows", pages.list_rows)
    r.add_get("/tickets.xlsx", pages.list_export)
    r.add_get(r"/tickets/{ticket_id:\d+}", ticket.ticket_page)
    r.add_get(r"/tickets/{ticket_id:\d+}/photos/{index:\d+}", ticket.photo)
    r.add_post(r"/tickets/{ticket_id:\d+}/{action:[a-z]+}", actions.act)
    r.add_get("/figures", statistics.figures_page)
    r.add_get("/figures/bulletin/{name}", statistics.bulletin_file)
    r.add_static("/static/", STATIC, append_version=True, name="console_static")


async def _no_icon(_request: web.Request) -> web.StreamResponse:
    return web.Response(status=204)


async def _to_map(_request: web.Request) -> web.StreamResponse:
    return redirect("/map")


def build_web_app(core: Any, notifier: Any, settings: Any, *, cadre: Any) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    add_console_routes(app, build_console(core, notifier, settings, cadre))
    return app


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Start listening; the caller awaits `runner.cleanup()` on the way out."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
