"""What the command centre's pages are given (one Console per application), and the two
gates every page passes: a signed-in cadre (the session cookie), and for each POST the
session's CSRF token. Responses carry security headers and are never cached.
"""
from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from organisation.signin import SignIn, Visitor
from supervision.board import Board
from web import texts

COOKIE = "gridbot_console"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Console:
    service: Any  # tickets.service.TicketService
    cadre: Any  # bot.cadre.CadreTools: supervision (催办), escalations, duplicates, stats, reports
    board: Board
    signin: SignIn
    deps: Any  # handlers.shared.deps.Deps: notices go out as the chat buttons send them
    i18n: Any  # aiogram I18n: each recipient's language
    photos: Any  # web.photos.PhotoCache
    tz: ZoneInfo
    categories: list[str]
    clock: Callable[[], datetime]
    base_url: str
    tile_url: str = ""
    tile_attribution: str = ""
    refresh_seconds: int = 5

    @property
    def secure(self) -> bool:
        return self.base_url.lower().startswith("https://")


CONSOLE = web.AppKey("gridbot_console", Console)
VISITOR = web.RequestKey("gridbot_visitor", Visitor)
FORM = web.RequestKey("gridbot_form", object)


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


def visitor_of(request: web.Request) -> Visitor:
    return request[VISITOR]


def harden(response: web.StreamResponse) -> web.StreamResponse:
    h = response.headers
    h.setdefault("Cache-Control", "no-store")
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "no-referrer")  # the login link never leaks through a Referer
    h.setdefault("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data: https: http:; style-src 'self' 'unsafe-inline'; "
                 "frame-ancestors 'none'; form-action 'self'")
    return response


def message(request: web.Request, text: str, status: int) -> web.StreamResponse:
    response = aiohttp_jinja2.render_template("message.html", request, {"text": text, "title": texts.TITLE},
                                              status=status)
    return harden(response)


def signed_in(handler: Handler) -> Handler:
    """A page for a signed-in cadre; anyone else gets 401 and nothing of the data."""

    @wraps(handler)
    async def gate(request: web.Request) -> web.StreamResponse:
        console = console_of(request)
        visitor = await console.signin.visitor(request.cookies.get(COOKIE))
        if visitor is None:
            if request.path.endswith(".json") or request.headers.get("HX-Request"):
                return harden(web.json_response({"error": "signed out"}, status=401))
            return message(request, texts.SIGNED_OUT, 401)
        request[VISITOR] = visitor
        return harden(await handler(request))

    return gate


def checked(handler: Handler) -> Handler:
    """A POST of a signed-in cadre carrying the session's CSRF token (form field `csrf`)."""

    @wraps(handler)
    async def gate(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        request[FORM] = form
        token = str(form.get("csrf", ""))
        if not token or not hmac.compare_digest(token.encode(), visitor_of(request).csrf.encode()):
            return message(request, texts.CSRF_FAILED, 403)
        return await handler(request)

    return signed_in(gate)


def page_context(request: web.Request, **more: Any) -> dict[str, Any]:
    console = console_of(request)
    visitor = request.get(VISITOR)
    return {"title": texts.TITLE, "visitor": visitor, "csrf": visitor.csrf if visitor else "",
            "name": visitor.actor.name if visitor else "", "refresh": console.refresh_seconds,
            "path": request.path, **more}


def redirect(location: str) -> web.Response:
    """303 See Other (after a POST the browser GETs the page)."""
    return web.Response(status=303, headers={"Location": location})
