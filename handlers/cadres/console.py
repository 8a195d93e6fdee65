"""/web: a one-time login link to the command centre (指挥调度平台), for cadres only.

The link is sent without a preview: a preview would make Telegram fetch it (the page only
shows a button, so even that would not spend it)."""
from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import LinkPreviewOptions, Message

from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from tickets.errors import NotAllowed


def build_router() -> Router:
    router = Router(name="console")
    router.message.register(on_web, Command("web"), F.chat.type == "private")
    return router


async def on_web(message: Message, deps: Deps, web_links=None) -> None:
    chat_id = message.chat.id
    if web_links is None:
        await deps.notifier.send_message(chat_id, T.WEB_DISABLED)
        return
    try:
        url, _ = await web_links.issue(message.from_user.id)
    except NotAllowed:
        await deps.notifier.send_message(chat_id, T.CADRES_ONLY)
        return
    await deps.notifier.send_message(
        chat_id, T.WEB_LINK.format(url=escape(url), minutes=f"{web_links.link_minutes:g}", hours=f"{web_links.session_hours:g}"),
        link_preview_options=LinkPreviewOptions(is_disabled=True))
