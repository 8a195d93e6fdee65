"""/points (one's 积分 and rank) and /wuse (五色考核 of grid members, for cadres)."""
from __future__ import annotations

import re
from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from figures.assessment import WuseRow, month_bounds
from handlers.shared.deps import Deps
from handlers.shared.i18n import T, month_name
from handlers.shared.servicedeps import ServiceDeps

_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")
BAND_MARKS = {"红": "🔴", "橙": "🟠", "黄": "🟡", "蓝": "🔵", "绿": "🟢", "灰": "⚪"}


def build_router() -> Router:
    router = Router(name="service_points")
    router.message.register(on_points, Command("points"))
    router.message.register(on_wuse, Command("wuse"))
    return router


def _pct(value) -> str:
    return T.WUSE_NO_SCORE if value is None else f"{value:.0%}"


async def on_points(message: Message, deps: Deps, services: ServiceDeps) -> None:
    now = services.points.clock().astimezone(deps.tz)
    start, end = month_bounds(now.year, now.month, deps.tz)
    standings, recent = await services.points.mine(message.from_user.id, start, end)
    if not standings and not recent:
        await deps.notifier.send_message(message.chat.id, T.POINTS_NONE)
        return
    lines = [T.POINTS_HEADER]
    for s in standings:
        group = T.POINTS_GROUP_GRID if s.role_group == "grid" else T.POINTS_GROUP_MEMBER
        rank = T.POINTS_RANK.format(rank=s.rank, of=s.ranked) if s.rank else T.POINTS_UNRANKED
        lines.append(T.POINTS_LINE.format(community=escape(s.community_name or "—"), group=group, month=s.month,
                                          rank=rank, total=s.total))
    if recent:
        lines.append(T.POINTS_RECENT)
        for e in recent:
            local = e.at.astimezone(deps.tz)
            ref = (T.POINTS_REF_ORDER.format(id=e.order_id) if e.order_id
                   else T.POINTS_REF_TICKET.format(id=e.ticket_id) if e.ticket_id else "")
            lines.append(T.POINTS_ENTRY.format(date=T.DAY_MONTH.format(month=month_name(local.month), day=local.day), points=e.points,
                                               reason=T.POINT_REASONS.get(e.reason, e.reason), ref=ref))
    await deps.notifier.send_message(message.chat.id, "\n".join(lines))


def wuse_line(r: WuseRow) -> str:
    if r.band:
        band = f"{r.band.name}·{escape(r.band.label)}"
    elif r.handled or r.judged:
        band = T.WUSE_SHORT.format(judged=r.judged, handled=r.handled)
    else:
        band = T.WUSE_NO_BAND
    k = r.kpis
    return T.WUSE_LINE.format(
        mark=BAND_MARKS.get(r.band.name, "▪️") if r.band else "▫️", name=escape(r.name), grid=escape(r.grid_name),
        score=T.WUSE_NO_SCORE if r.score is None else f"{r.score:.1f}", band=band,
        accept=_pct(k.get("及时签收率")), on_time=_pct(k.get("按期办结率")), satisfied=_pct(k.get("满意率")),
        overdue=k.get("超期", 0), points=r.points)


async def on_wuse(message: Message, command: CommandObject, deps: Deps, services: ServiceDeps) -> None:
    arg = (command.args or "").strip()
    now = services.assessment.clock().astimezone(deps.tz)
    year, month = now.year, now.month
    if arg:
        m = _MONTH.match(arg)
        if not m or not 1 <= int(m.group(2)) <= 12:
            await deps.notifier.send_message(message.chat.id, T.WUSE_BAD_MONTH)
            return
        year, month = int(m.group(1)), int(m.group(2))
    start, end = month_bounds(year, month, deps.tz)
    rows = await services.assessment.for_viewer(message.from_user.id, start, end)
    if rows is None:
        await deps.notifier.send_message(message.chat.id, T.WUSE_NOT_ALLOWED)
        return
    if not rows:
        await deps.notifier.send_message(message.chat.id, T.WUSE_NONE)
        return
    share = round(services.points_share * 100)
    head = T.WUSE_HEADER.format(month=f"{year}-{month:02d}", kpi_share=100 - share, points_share=share)
    for text in pages([head] + [wuse_line(r) for r in rows]):
        await deps.notifier.send_message(message.chat.id, text)


def pages(lines: list[str], limit: int = 3500) -> list[str]:
    """Lines joined into messages under Telegram's 4096 characters (a street has many grids)."""
    out, page = [], ""
    for line in lines:
        if page and len(page) + 1 + len(line) > limit:
            out.append(page)
            page = ""
        page = f"{page}\n{line}" if page else line
    return out + ([page] if page else [])
