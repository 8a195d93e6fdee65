"""Submitting a resident's report: offer an open look-alike first (duplicates), else open
the ticket, acknowledge it and send the handler's card. A report from someone with no
grid yet waits in their dialog state until they pick one (submit_pending)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiogram.fsm.context import FSMContext

from handlers.shared.delivery import deliver, recorder, send
from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from handlers.shared.pickers import ask_grid
from handlers.shared.refusals import refusal
from handlers.services.order_offer import offer_order
from handlers.views.cadre_cards import duplicate_offer
from handlers.views.followup_cards import contact_keyboard
from handlers.views.render import acknowledgement
from tickets import outbox
from tickets.errors import NotRegistered, RateLimited
from tickets.reports import Report
from tickets.views import NoticeKind


async def offer_to_follow(deps: Deps, state: FSMContext, report: Report) -> bool:
    """True when the resident was offered an open ticket instead (nothing opened yet)."""
    if deps.cadre is None:
        return False
    match = await deps.cadre.duplicates.similar(report)
    if match is None:
        return False
    # The location went into the kept report: the next message starts afresh.
    await state.update_data(location=None, located=None, pending=None,
                            duplicate={"ticket_id": match.ticket_id, "report": asdict(report)})
    await send(deps, report.chat_id, duplicate_offer(match))
    return True


async def intake(message: Any, deps: Deps, state: FSMContext, services: Any, report: Report) -> None:
    """A report past the questions about what it is: 点单 or 上报 first when it asks for
    help (handlers.services.order_offer), else submitted."""
    if services is not None and await offer_order(message, report, deps, services, state):
        return
    await submit(deps, state, report)


async def submit(deps: Deps, state: FSMContext, report: Report, *, check_duplicates: bool = True) -> None:
    chat_id = report.chat_id
    if check_duplicates and await offer_to_follow(deps, state, report):
        return  # much like an open ticket: the resident chooses to follow it or insist
    try:
        outcome = await deps.service.report(report)
    except NotRegistered:
        # Keep the report until a grid is chosen: nothing the resident wrote is lost.
        await state.update_data(pending=asdict(report))
        await ask_grid(chat_id, deps, T.NEED_GRID_FIRST + "\n\n" + T.PICK_COMMUNITY_NEXT)
        return
    except RateLimited as exc:
        await deps.notifier.send_message(chat_id, refusal(exc))
        return
    await state.update_data(location=None, located=None, pending=None)
    if outcome.duplicate:
        # The same message again in another update: its acknowledgement and card were queued
        # in the outbox with the ticket, and whatever a crash kept from going out, the outbox
        # sweep sends. Answering again would only say the same thing twice.
        return
    acks = [n for n in outcome.notices if n.kind == NoticeKind.REPORTED]
    with outbox.holding(deps.service.sf, (n.outbox_id for n in outcome.notices)):  # not stolen by a sweep
        for ack in acks:
            extra = "\n\n" + T.TOO_LONG.format(limit=deps.max_text_chars) if len(report.text) > deps.max_text_chars else ""
            rendered = acknowledgement(ack.ticket, deps.tz, outcome.suggestions, deps.categories, extra)
            await send(deps, chat_id, rendered, recorder(deps.service, ack.outbox_id))
        await deliver(deps, [n for n in outcome.notices if n.kind != NoticeKind.REPORTED])
    if outcome.ticket.urgent and await deps.service.relay.ask_phone(outcome.ticket.id, "urgent"):
        # Someone trapped, a gas smell: a number the handler can call, asked once with
        # Telegram's contact button (never of an anonymous reporter, nor one already known).
        await deps.notifier.send_message(chat_id, T.PHONE_ASK_EMERGENCY, reply_markup=contact_keyboard())


async def submit_pending(deps: Deps, state: FSMContext, telegram_id: int) -> None:
    pending = (await state.get_data()).get("pending")
    if pending and pending.get("telegram_id") == telegram_id:
        pending["photos"] = tuple(pending.get("photos") or ())
        await submit(deps, state, Report(**pending))
