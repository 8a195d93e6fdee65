"""Send rendered notices through the notifier (which keeps to Telegram's limits).

A notice the workflow queued in the outbox (it carries `outbox_id`) is marked sent, with
its message's id, as soon as Telegram answers; one that fails is left to the outbox sweep
(bot.jobs.outbox), and so is every one a crash interrupts."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from delivery.notifier import Delivery
from handlers.shared.deps import Deps
from handlers.shared.i18n import speaking
from handlers.views.notices import notice
from handlers.views.render import Rendered
from tickets import outbox
from tickets.views import Notice, to_followers

CAPTION_LIMIT = 1024


async def send(deps: Any, chat_id: int, r: Rendered) -> Delivery:
    """The notice (photos first, the text with its buttons, a location last); what Telegram
    answered for the message with the text. `deps`: anything with a notifier."""
    n = deps.notifier
    if len(r.photos) == 1 and len(r.text) <= CAPTION_LIMIT:
        main = await n.send_photo(chat_id, r.photos[0], caption=r.text, reply_markup=r.markup)
    else:
        for photo in r.photos:
            await n.send_photo(chat_id, photo)
        main = await n.send_message(chat_id, r.text, reply_markup=r.markup)
    if r.location and main.ok:
        await n.send_location(chat_id, latitude=r.location[0], longitude=r.location[1])
    return main


async def settle(session_factory: Any, row_id: int | None, d: Delivery, now: Any, **ids: Any) -> None:
    """Record an outbox row's send: sent (with the message's id) or blocked are final; a
    failure is left for the sweep to try again."""
    if row_id is None:
        return
    outcome = "sent" if d.ok else ("blocked" if d.blocked else "failed")
    await outbox.mark(session_factory, row_id, outcome, now, final=d.ok or d.blocked,
                      telegram_message_id=d.message_id, **ids)


async def recipient_locales(deps: Deps, chat_ids: Iterable[int]) -> dict[int, str]:
    """Each recipient's language (one query for those not cached); {} without a store."""
    ids = [c for c in chat_ids if c]
    return await deps.languages.of(ids) if deps.languages is not None and ids else {}


async def locale_of(deps: Deps, chat_id: int) -> str | None:
    return (await recipient_locales(deps, [chat_id])).get(chat_id)


async def deliver(deps: Deps, notices: Iterable[Notice]) -> None:
    # Residents following a ticket hear what its reporter hears (queued notices include them).
    notices = [n for n in notices if n.outbox_id is not None] + to_followers(
        n for n in notices if n.outbox_id is None)
    # In each recipient's language, not in the language of whoever caused the notice.
    locales = await recipient_locales(deps, (n.chat_id for n in notices))
    for item in notices:
        if not item.chat_id:
            continue  # a resident who deleted their data: nobody to tell
        with speaking(locales.get(item.chat_id)):
            rendered = notice(item, deps.tz, getattr(deps, "categories", ()))
        delivered = await send(deps, item.chat_id, rendered)
        await settle(deps.service.sf, item.outbox_id, delivered, deps.service.clock())
