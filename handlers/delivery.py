"""Send rendered notices through the notifier (which keeps to Telegram's limits)."""
from __future__ import annotations

from collections.abc import Iterable

from handlers.deps import Deps
from handlers.render import Rendered, notice
from tickets.views import Notice

CAPTION_LIMIT = 1024


async def send(deps: Deps, chat_id: int, r: Rendered) -> None:
    n = deps.notifier
    if len(r.photos) == 1 and len(r.text) <= CAPTION_LIMIT:
        await n.send_photo(chat_id, r.photos[0], caption=r.text, reply_markup=r.markup)
    else:
        for photo in r.photos:
            await n.send_photo(chat_id, photo)
        await n.send_message(chat_id, r.text, reply_markup=r.markup)
    if r.location:
        await n.send_location(chat_id, latitude=r.location[0], longitude=r.location[1])


async def deliver(deps: Deps, notices: Iterable[Notice]) -> None:
    for item in notices:
        await send(deps, item.chat_id, notice(item, deps.tz))
