"""Send the service loop's notices: one by one for a few people, concurrently for a
community (the notifier paces both to Telegram's limits), each in its reader's language."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from aiogram.methods import SendMessage

from handlers.shared.delivery import recipient_locales
from handlers.shared.deps import Deps
from handlers.shared.i18n import speaking
from handlers.views.service_cards import Card, new_order_notice, order_notice
from service_orders.views import Broadcast, OrderNotice


async def deliver_orders(deps: Deps, notices: Iterable[OrderNotice]) -> None:
    notices = [n for n in notices if n.chat_id]  # 0: a resident who deleted their data
    locales = await recipient_locales(deps, (n.chat_id for n in notices))
    for n in notices:
        with speaking(locales.get(n.chat_id)):
            card = order_notice(n, deps.tz)
        await deps.notifier.send_message(n.chat_id, card.text, reply_markup=card.markup)


async def send_to_many(deps: Deps, chat_ids: Sequence[int], render: Callable[[], Card]) -> int:
    """The same card (rendered once per language) to many chats at once; how many arrived.
    `deps`: anything with notifier, languages and tz (the scheduler passes its own)."""
    chat_ids = [c for c in dict.fromkeys(chat_ids) if c]
    if not chat_ids:
        return 0
    locales = await recipient_locales(deps, chat_ids)
    cards: dict[str | None, Card] = {}
    methods = []
    for chat_id in chat_ids:
        locale = locales.get(chat_id)
        if locale not in cards:
            # The scheduler has no update, hence no I18n context: it hands its own in.
            with speaking(locale, getattr(deps, "i18n", None)):
                cards[locale] = render()
        card = cards[locale]
        methods.append(SendMessage(chat_id=chat_id, text=card.text, reply_markup=card.markup))
    return sum(d.ok for d in await deps.notifier.send_many(methods))


async def broadcast(deps: Deps, b: Broadcast | None) -> int:
    """The new-order notice to the community's members, each with a 接单 button."""
    if b is None:
        return 0
    return await send_to_many(deps, b.chat_ids, lambda: new_order_notice(b.order))
