"""The map and the lists: open tickets of the cadre's grids, filtered; the list as XLSX with
the columns of `gridbot export`. Both refresh themselves every few seconds."""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from documents.workbooks import tickets_xlsx
from handlers.shared.i18n import category_label, state_label
from supervision.board import CLOSED_OFF
from tickets.lifecycle import OPEN_STATES
from web import filters, texts
from web.console import console_of, page_context, signed_in, visitor_of

STATE_ORDER = ("new", "dispatched", "accepted", "reopened", "returned", "escalated")


def choices(console, grids, view: str = "open") -> dict[str, Any]:
    """The filters' options; the states are those the view lists (open, or closed without 办结)."""
    states = [s.value for s in CLOSED_OFF] if view == "closed" else \
        [s for s in STATE_ORDER if s in {x.value for x in OPEN_STATES}]
    return {
        "views": texts.VIEWS,
        "sorts": texts.SORTS,
        "categories": [(c, category_label(c)) for c in console.categories],
        "states": [(s, state_label(s)) for s in states],
        "grids": [(g.id, g.name) for g in grids],
    }


@signed_in
async def map_page(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    actor = visitor_of(request).actor
    grids = await console.board.grids(actor.telegram_id)
    outlines = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g.geometry, "properties": {"id": g.id, "name": g.name,
                                                                   "community": g.community}}
        for g in grids if g.geometry]}
    config = {"grids": outlines, "data": "/map/data.json", "tiles": console.tile_url,
              "attribution": console.tile_attribution, "every": console.refresh_seconds,
              "states": {s: state_label(s) for s in STATE_ORDER}}
    f = filters.parse(request.query, console.tz, console.categories)
    return aiohttp_jinja2.render_template("map.html", request, page_context(
        request, f=f, q=request.query, config=config, **choices(console, grids)))


@signed_in
async def map_data(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    f = filters.parse(request.query, console.tz, console.categories)
    markers = await console.board.markers(visitor_of(request).actor.telegram_id, f)
    return web.json_response({"markers": markers, "at": console.clock().isoformat()})


async def _page(request: web.Request):
    console = console_of(request)
    f = filters.parse(request.query, console.tz, console.categories)
    return f, await console.board.page(visitor_of(request).actor.telegram_id, f)


def _list_context(request: web.Request, f, page) -> dict[str, Any]:
    console = console_of(request)
    return page_context(request, f=f, page=page, q=request.query, kept=lambda **c: filters.kept(request.query, **c),
                        tz=console.tz, state_label=state_label, category_label=category_label)


@signed_in
async def list_page(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    f, page = await _page(request)
    grids = await console.board.grids(visitor_of(request).actor.telegram_id)
    return aiohttp_jinja2.render_template("list.html", request, {
        **_list_context(request, f, page), **choices(console, grids, f.view)})


@signed_in
async def list_rows(request: web.Request) -> web.StreamResponse:
    """The table alone: what the list page polls (htmx) to stay current."""
    f, page = await _page(request)
    return aiohttp_jinja2.render_template("_rows.html", request, _list_context(request, f, page))


@signed_in
async def list_export(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    f = filters.parse(request.query, console.tz, console.categories)
    rows = await console.board.export(visitor_of(request).actor.telegram_id, f)
    body = await asyncio.to_thread(tickets_xlsx, rows, console.tz)
    stamp = datetime.now(console.tz).strftime("%Y%m%d-%H%M")
    return web.Response(body=body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="tickets-{f.view}-{stamp}.xlsx"'})
