"""Send the service loop's notices: one by one for a few people, concurrently for a
community (the notifier paces both to Telegram's limits), each in its reader's language."""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aiogram.methods import SendMessage, SendPoll

from handlers.shared.delivery import recipient_locales, recorder
from handlers.shared.deps import Deps
from handlers.shared.i18n import speaking
from handlers.views.service_cards import Card, new_order_notice, order_notice, poll_question
from service_orders.matters import MatterView
from service_orders.views import Broadcast, OrderNotice
from tickets import outbox


async def deliver_orders(deps: Deps, notices: Iterable[OrderNotice]) -> None:
    notices = [n for n in notices if n.chat_id]  # 0: a resident who deleted their data
    locales = await recipient_locales(deps, (n.chat_id for n in notices))
    with outbox.holding(deps.service.sf, (n.outbox_id for n in notices)):
        for n in notices:
            with speaking(locales.get(n.chat_id)):
                card = order_notice(n, deps.tz)
            # Queued by the workflow (outbox_id): marked sent, or left to the sweep.
            await deps.notifier.send_message(n.chat_id, card.text, reply_markup=card.markup,
                                             record=recorder(deps.service, n.outbox_id))


async def send_to_many(deps: Deps, chat_ids: Sequence[int], render: Callable[[], Card],
                       outbox_ids: Sequence[int] = (), owner: Any = None) -> int:
    """The same card (rendered once per language) to many chats at once; how many arrived.
    `deps`: anything with notifier, languages and tz (the scheduler passes its own).
    `outbox_ids` (one per chat): the rows `owner` queued for them (see
    handlers.shared.delivery.recorder), each marked as its send ends."""
    rows = dict(zip(chat_ids, outbox_ids, strict=False))
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

    async def one(method: SendMessage) -> bool:
        record = recorder(owner, rows.get(method.chat_id)) if owner is not None else None
        return (await deps.notifier.deliver(method, record=record)).ok

    if owner is None:
        return sum(await asyncio.gather(*(one(m) for m in methods)))
    with outbox.holding(owner.sf, rows.values()):
        return sum(await asyncio.gather(*(one(m) for m in methods)))


async def send_poll_rows(deps: Any, matters: Any, view: MatterView, jobs: Sequence[Any]) -> int:
    """联手说事: one non-anonymous poll per queued outbox row (matters.PollJob: chat_id,
    outbox_id), concurrently (the notifier paces them), each saying who asks and until
    when in its reader's language. Each poll's id is stored and its row marked sent the
    moment Telegram answers, so a crash halfway leaves exactly the unsent ones for the
    outbox sweep. `deps`: anything with notifier, languages and tz."""
    locales = await recipient_locales(deps, (j.chat_id for j in jobs))
    questions: dict[str | None, str] = {}
    for locale in set(locales.get(j.chat_id) for j in jobs):
        with speaking(locale, getattr(deps, "i18n", None)):
            questions[locale] = poll_question(view, deps.tz)

    async def one(job: Any) -> bool:
        settle = recorder(matters, job.outbox_id)

        async def record(d: Any) -> None:
            poll = getattr(d.result, "poll", None)
            if d.ok and poll is not None:  # the poll's id, to count its answers, with the mark
                await matters.poll_sent(view.id, job.chat_id, poll.id, d.message_id, job.outbox_id)
            elif settle is not None:
                await settle(d)

        d = await deps.notifier.deliver(SendPoll(chat_id=job.chat_id, question=questions[locales.get(job.chat_id)],
                                                 options=list(view.options), is_anonymous=False), record=record)
        return d.ok and getattr(d.result, "poll", None) is not None

    with outbox.holding(matters.sf, (j.outbox_id for j in jobs)):
        return sum(await asyncio.gather(*(one(j) for j in jobs)))


async def broadcast(deps: Deps, b: Broadcast | None) -> int:
    """The new-order notice to the community's members, each with a 接单 button."""
    if b is None:
        return 0
    return await send_to_many(deps, b.chat_ids, lambda: new_order_notice(b.order), b.outbox_ids,
                              getattr(deps, "service", None))
