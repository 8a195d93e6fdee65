"""Send rendered notices through the notifier (which keeps to Telegram's limits)."""
from __future__ import annotations

from collections.abc import Iterable

from handlers.shared.deps import Deps
from handlers.shared.i18n import speaking
from handlers.views.notices import notice
from handlers.views.render import Rendered
from tickets.duplicates import to_followers
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


async def recipient_locales(deps: Deps, chat_ids: Iterable[int]) -> dict[int, str]:
    """Each recipient's language (one query for those not cached); {} without a store."""
    ids = [c for c in chat_ids if c]
    return await deps.languages.of(ids) if deps.languages is not None and ids else {}


async def locale_of(deps: Deps, chat_id: int) -> str | None:
    return (await recipient_locales(deps, [chat_id])).get(chat_id)


async def deliver(deps: Deps, notices: Iterable[Notice]) -> None:
    notices = to_followers(notices)  # residents following a ticket hear what its reporter hears
    # In each recipient's language, not in the language of whoever caused the notice.
    locales = await recipient_locales(deps, (n.chat_id for n in notices))
    for item in notices:
        if not item.chat_id:
            continue  # a resident who deleted their data: nobody to tell
        with speaking(locales.get(item.chat_id)):
            rendered = notice(item, deps.tz)
        await send(deps, item.chat_id, rendered)
