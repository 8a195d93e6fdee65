"""Send rendered notices through the notifier (which keeps to Telegram's limits).

A notice the workflow queued in the outbox (it carries `outbox_id`) is marked sent, with
its message's id, as soon as Telegram answers, before the next such message may go
(`recorder`, delivery.notifier); one that fails is left to the outbox sweep
(bot.jobs.outbox), and so is every one a crash interrupts.

Cards do not lie: after a 撤销 or a 无效 the cards its recipient holds about the ticket
(as the outbox recorded them) are edited to say so, without buttons, and the message sent
with them is one line pointing there (`told_with`); after the reason of a 重办, they show it
(`redrawn_cards`)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiogram.methods import EditMessageCaption, EditMessageReplyMarkup

from delivery.notifier import Delivery, Record
from handlers.shared.deps import Deps
from handlers.shared.i18n import speaking
from handlers.views.closing_cards import closed_brief
from handlers.views.notices import notice
from handlers.views.render import Rendered
from tickets import outbox
from tickets.lifecycle import SETTLED_STATES
from tickets.views import Notice, NoticeKind, to_followers

CAPTION_LIMIT = 1024


async def send(deps: Any, chat_id: int, r: Rendered, record: Record | None = None) -> Delivery:
    """The notice (photos first, the text with its buttons, a location last); what Telegram
    answered for the message with the text, which `record` (see `recorder`) is called with.
    `deps`: anything with a notifier."""
    n = deps.notifier
    if len(r.photos) == 1 and len(r.text) <= CAPTION_LIMIT:
        main = await n.send_photo(chat_id, r.photos[0], caption=r.text, reply_markup=r.markup, record=record)
    else:
        for photo in r.photos:
            await n.send_photo(chat_id, photo)
        main = await n.send_message(chat_id, r.text, reply_markup=r.markup, record=record)
    if r.location and main.ok:
        await n.send_location(chat_id, latitude=r.location[0], longitude=r.location[1])
    return main


# After these, the cards their recipient holds about the ticket are drawn again.
REDRAWN_AFTER = frozenset({NoticeKind.CANCELLED, NoticeKind.INVALID_STAFF, NoticeKind.REOPEN_REASON})
# After these (the closed card), the message itself is brief when a card was redrawn.
BRIEF_AFTER_REDRAW = frozenset({NoticeKind.CANCELLED, NoticeKind.INVALID_STAFF})
# The messages that carry a ticket's buttons.
CARD_KINDS = tuple(k.value for k in (NoticeKind.NEW_TASK, NoticeKind.REOPENED, NoticeKind.UNASSIGNED,
                                     NoticeKind.RETURNED, NoticeKind.DEPARTMENT_TASK, NoticeKind.REMINDED))


async def redrawn_cards(session_factory: Any, n: Notice, tz: Any) -> list[tuple[int, Rendered, bool]]:
    """(message id, what it shows now, whether it was sent as a photo's caption) of every
    card about n's ticket that reached n's chat, for a notice of REDRAWN_AFTER: the closed
    card (no buttons) once the ticket is closed, else each card drawn from the ticket as it
    is now. Rendered in the current locale."""
    if n.kind not in REDRAWN_AFTER:
        return []
    out = []
    for card in await outbox.sent_cards(session_factory, n.ticket.id, n.chat_id, CARD_KINDS):
        sent = notice(Notice(n.chat_id, NoticeKind(card.kind), n.ticket, card.note, card.actor_name), tz)
        caption = len(sent.photos) == 1 and len(sent.text) <= CAPTION_LIMIT
        out.append((card.message_id, notice(n, tz) if n.ticket.state in SETTLED_STATES else sent, caption))
    return out


def told_with(n: Notice, rendered: Rendered, cards: list[tuple[int, Rendered, bool]]) -> Rendered:
    """What to send with the redrawn cards: after a 撤销 or 无效 whose closed card replaced at
    least one card in the chat, a line pointing at it (the card says it all); else `rendered`."""
    if cards and n.kind in BRIEF_AFTER_REDRAW and n.ticket.state in SETTLED_STATES:
        return closed_brief(n)
    return rendered


async def redraw(deps: Any, chat_id: int, cards: list[tuple[int, Rendered, bool]]) -> None:
    """Edit each card in place (best effort: one deleted or unchanged is no failure)."""
    n = deps.notifier
    for message_id, r, caption in cards:
        if not caption:
            await n.edit_message_text(chat_id, message_id, r.text, reply_markup=r.markup)
        elif len(r.text) <= CAPTION_LIMIT:
            await n.deliver(EditMessageCaption(chat_id=chat_id, message_id=message_id, caption=r.text,
                                               reply_markup=r.markup))
        else:  # too long for a caption: at least its buttons go
            await n.deliver(EditMessageReplyMarkup(chat_id=chat_id, message_id=message_id, reply_markup=r.markup))


async def redraw_for(deps: Deps, n: Notice) -> None:
    """The cards n's recipient holds about its ticket, drawn again as after n, with no message
    sent: for whoever closed a ticket elsewhere (the command centre), in their language."""
    with speaking(await locale_of(deps, n.chat_id)):
        cards = await redrawn_cards(deps.service.sf, n, deps.tz)
    await redraw(deps, n.chat_id, cards)


def recorder(owner: Any, row_id: int | None) -> Record | None:
    """What records outbox row `row_id`'s send, for the notifier (delivery.notifier.Record):
    sent (with the message's id) or blocked are final; a failure counts one attempt and is
    left for the sweep to try again. `owner`: what queued or claimed the row, with `sf` (its
    session factory), `clock` (() -> now, UTC) and `write_lock` (SQLite's, or None): the
    workflow (TicketService), the outbox sweep, 联手说事 (Matters). None for a message with
    no row."""
    if row_id is None:
        return None

    async def record(d: Delivery) -> None:
        outcome, final = outbox.outcome_of(d.ok, d.blocked)
        await outbox.mark(owner.sf, row_id, outcome, owner.clock(), final=final,
                          telegram_message_id=d.message_id, lock=owner.write_lock)

    return record


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
    with outbox.holding(deps.service.sf, (n.outbox_id for n in notices)):  # queued: not stolen by a sweep
        for item in notices:
            if not item.chat_id:
                continue  # a resident who deleted their data: nobody to tell
            with speaking(locales.get(item.chat_id)):
                cards = await redrawn_cards(deps.service.sf, item, deps.tz)
                rendered = told_with(item, notice(item, deps.tz, getattr(deps, "categories", ())), cards)
            await send(deps, item.chat_id, rendered, recorder(deps.service, item.outbox_id))
            await redraw(deps, item.chat_id, cards)
