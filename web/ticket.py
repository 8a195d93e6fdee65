"""A ticket's page: its text, photos, place, deadlines, full history and rating, and the
actions this cadre may take (转派, 吹哨, 催办, 改类, 合并, 无效), as the policy allows in chat.
A ticket closed without 办结 shows how (无效: why, who, when; 撤销: when) and offers nothing.

Someone who may not see a ticket gets 404, exactly as for a ticket that does not exist.
The reporter's phone is shown in full only to whoever handles the ticket now."""
from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from handlers.shared.i18n import action_label, category_label, note_label, state_label
from organisation.privacy import mask_phone
from tickets.errors import NotFound, WorkflowError
from tickets.closing.reasons import INVALID_REASONS
from tickets.lifecycle import OPEN_STATES, SETTLED_STATES, Action, State
from tickets.policy import can, can_see_contact
from web import texts
from web.console import console_of, message, page_context, signed_in, visitor_of

ACTION_OF = {"reassign": Action.REASSIGN, "escalate": Action.ESCALATE, "remind": Action.REMIND,
             "recategorize": Action.RECATEGORIZE, "merge": Action.MERGE, "invalidate": Action.INVALIDATE}


def ticket_id(request: web.Request) -> int | None:
    raw = request.match_info.get("ticket_id", "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


async def options(console, actor, view) -> dict[str, Any]:
    """What each allowed action offers; an action with nothing to offer is left out."""
    out: dict[str, Any] = {}
    tid = actor.telegram_id
    if view.state not in OPEN_STATES:
        return out
    allowed = {name for name, action in ACTION_OF.items() if can(actor, action, view.scope)}
    if "reassign" in allowed:
        try:
            _, staff = await console.service.reassign_options(tid, view.id)
            out["reassign"] = [(sid, label) for sid, label in staff if sid != view.assignee_id] or staff
        except WorkflowError:
            pass
    if "escalate" in allowed:
        try:
            _, departments = await console.cadre.escalations.departments(tid, view.id)
            if departments:
                out["escalate"] = [(d.unit_id, d.name + ("（默认）" if d.default else "")) for d in departments]
        except WorkflowError:
            pass
    if "remind" in allowed and (view.assignee_id or view.department_id):
        out["remind"] = True
    if "recategorize" in allowed:
        out["recategorize"] = [(c, category_label(c)) for c in console.categories if c != view.category]
    if "invalidate" in allowed:
        out["invalidate"] = [(i, note_label(r)) for i, r in enumerate(INVALID_REASONS)]
    if "merge" in allowed:
        try:
            _, found = await console.cadre.duplicates.candidates(tid, view.id, limit=10)
            if found:
                out["merge"] = [(c.ticket_id, f"#{c.ticket_id} {c.text[:40]}（相似度 {c.similarity:.0%}）")
                                for c in found]
        except WorkflowError:
            pass
    return out


def history(events, anonymous: bool = False) -> list[dict[str, Any]]:
    """The ticket's events as rows for the page; an anonymous reporter's own events say 匿名
    居民, never the name stored with them."""
    rows = []
    for e in events:
        detail = []
        data = e.data or {}
        if data.get("to_name"):
            detail.append(f"转派给 {data['to_name']}")
        if data.get("department"):
            detail.append(f"部门：{data['department']}")
        if e.action == Action.RECATEGORIZE.value and data.get("to"):
            detail.append(f"{category_label(data.get('from', ''))} → {category_label(data['to'])}")
        if data.get("into"):
            detail.append(f"并入 #{data['into']}")
        if data.get("from") and e.action == Action.MERGE.value:
            detail.append(f"由 #{data['from']} 并入")
        rows.append({
            "at": e.at, "who": _who(e, anonymous),
            "action": action_label(e.action),
            "states": " → ".join(state_label(s) for s in (e.from_state, e.to_state) if s) if e.from_state != e.to_state
            else "",
            "note": note_label(e.note), "detail": "；".join(detail),
        })
    return rows


def _who(event, anonymous: bool) -> str:
    if event.actor_kind == "resident" and anonymous:
        return "匿名居民"
    return event.actor_name or ("系统" if event.actor_kind == "system" else "")


def closure(view, events, tz) -> dict[str, str] | None:
    """How a ticket closed without 办结 reads on its page: 无效 with its reason, who decided
    and when; 撤销 with when (by the reporter, never named). None for any other state."""
    action = {State.INVALID: Action.INVALIDATE, State.CANCELLED: Action.CANCEL}.get(view.state)
    event = next((e for e in reversed(events) if e.action == action.value), None) if action else None
    if event is None:
        return None
    at = event.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if action == Action.INVALIDATE:
        return {"label": texts.CLOSED_INVALID, "text": note_label(event.note or ""),
                "by": texts.CLOSED_INVALID_BY.format(who=event.actor_name or "", at=at)}
    return {"label": texts.CLOSED_CANCELLED, "text": texts.CLOSED_CANCELLED_TEXT.format(at=at), "by": ""}


def reporter(actor, view) -> dict[str, str]:
    if view.anonymous:
        return {"name": "匿名上报", "phone": ""}
    phone = view.resident_phone if can_see_contact(actor, view.scope) else mask_phone(view.resident_phone)
    return {"name": view.resident_name or "—", "phone": phone or ""}


@signed_in
async def ticket_page(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    actor = visitor_of(request).actor
    tid = ticket_id(request)
    try:
        if tid is None:
            raise NotFound(0)
        view, events, actor = await console.service.detail(actor.telegram_id, tid)
    except NotFound:
        return message(request, texts.NOT_FOUND, 404)
    grid = next((g for g in await console.board.grids(actor.telegram_id) if g.id == view.grid_id), None)
    place = {"lat": view.latitude, "lon": view.longitude,
             "grid": grid.geometry if grid and grid.geometry else None, "tiles": console.tile_url,
             "attribution": console.tile_attribution}
    rating = [e for e in events if e.action in (Action.RATE.value, Action.CLOSE.value, Action.REOPEN.value) and e.note]
    return aiohttp_jinja2.render_template("ticket.html", request, page_context(
        request, v=view, history=history(events, view.anonymous), options=await options(console, actor, view),
        reporter=reporter(actor, view), closure=closure(view, events, console.tz),
        closed_note=texts.CLOSED_NO_ACTIONS.format(state=state_label(view.state)) if view.state in SETTLED_STATES
        else "", texts=texts, place=place, tz=console.tz, state_label=state_label,
        category_label=category_label, actions=texts.ACTIONS, rating=[note_label(e.note) for e in rating],
        done=texts.done_text(request.query), error=request.query.get("error", "")[:200]))


@signed_in
async def photo(request: web.Request) -> web.StreamResponse:
    """A report photo (or a resolution photo, ?stage=resolution) by its index, fetched
    through the Bot API once and then served from the disk cache."""
    console = console_of(request)
    tid = ticket_id(request)
    index = request.match_info.get("index", "")
    try:
        if tid is None or not index.isdigit():
            raise NotFound(0)
        view, _, _ = await console.service.detail(visitor_of(request).actor.telegram_id, tid)
    except NotFound:
        return web.Response(status=404, text=texts.NOT_FOUND)
    photos = view.resolution_photos if request.query.get("stage") == "resolution" else view.photos
    if int(index) >= len(photos):
        return web.Response(status=404, text=texts.NOT_FOUND)
    path = await console.photos.get(photos[int(index)])
    if path is None:
        return web.Response(status=502, text=texts.NO_PHOTO)
    return web.FileResponse(path, headers={"Content-Type": "image/jpeg", "Cache-Control": "private, max-age=3600"})
