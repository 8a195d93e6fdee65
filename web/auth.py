"""Signing in with a one-time link from the bot (/web), and signing out.

GET /login/{token} only shows a button: chat apps fetch links for previews, and a GET must
not spend the link. The POST spends it and sets the session cookie (HttpOnly, SameSite=Lax,
Secure behind https).
"""
from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from web import texts
from web.console import COOKIE, checked, console_of, harden, message, redirect


async def login_form(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    response = aiohttp_jinja2.render_template(
        "login.html", request, {"title": texts.SIGN_IN_TITLE, "token": token, "texts": texts})
    return harden(response)


async def login(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = await request.post()
    signed = await console.signin.redeem(str(form.get("token", "")))
    if signed is None:
        return message(request, texts.LINK_INVALID, 403)
    response = redirect("/map")
    response.set_cookie(COOKIE, signed.token, max_age=int(console.signin.session_ttl.total_seconds()),
                        httponly=True, samesite="Lax", secure=console.secure, path="/")
    return harden(response)


@checked
async def logout(request: web.Request) -> web.StreamResponse:
    await console_of(request).signin.sign_out(request.cookies.get(COOKIE))
    response = message(request, texts.SIGNED_OUT_DONE, 200)
    response.del_cookie(COOKIE, path="/")
    return response
