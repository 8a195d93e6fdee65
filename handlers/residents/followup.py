"""What a resident sends after a report: 补充 asked about in one tap, and answers to a
handler who contacted them (联系反映人, the 回复 button).

补充: text, photos or a location sent within a few minutes of a report, or while it is
unaccepted, is asked about: 补充到 #N (added to the ticket, its handler told) or 这是新问题
(normal intake). The material waits in the resident's dialog state, so nothing they sent is
lost either way; the buttons carry only the ticket's id, and the workflow checks on press
that the ticket is theirs and still open."""
from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.residents.submission import intake
from handlers.shared.callbacks import RelayCb, SupplementCb
from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.dialogs import cancel_markup, relay_typed, text_only
from handlers.shared.i18n import T
from handlers.shared.refusals import refusal
from handlers.shared.servicedeps import ServiceDeps
from tickets.errors import WorkflowError
from tickets.followup.supplements import Material
from tickets.reports import Report

SUPPLEMENT_KEY = "supplement"


class ReplyInput(StatesGroup):
    text = State()  # the reporter's answer to a relayed message


def build_router() -> Router:
    router = Router(name="followup")
    router.callback_query.register(on_supplement_choice, SupplementCb.filter())
    router.callback_query.register(on_reply_button, RelayCb.filter(F.action == "reply"))
    router.message.register(on_reply_text, ReplyInput.text, F.text)
    router.message.register(text_only, ReplyInput.text)
    return router


async def offered_supplement(chat_id: int, deps: Deps, state: FSMContext, report: Report,
                             located: Any = None) -> bool:
    """True (and asked) when the resident has a ticket this may add to."""
    recent = await deps.service.supplements.recent(report.telegram_id, (report.chat_id, report.message_id))
    if recent is None:
        return False
    pending = (await state.get_data()).get(SUPPLEMENT_KEY)
    if pending and pending.get("ticket_id") == recent.id:  # a second message before the first was answered
        report = _joined(pending["report"], report)
        located = located if located is not None else pending.get("located")
    await state.update_data(**{SUPPLEMENT_KEY: {"ticket_id": recent.id, "report": asdict(report), "located": located}})
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=T.BTN_SUPPLEMENT_ADD.format(id=recent.id),
                             callback_data=SupplementCb(choice="add", ticket_id=recent.id).pack()),
        InlineKeyboardButton(text=T.BTN_SUPPLEMENT_NEW, callback_data=SupplementCb(choice="new", ticket_id=recent.id).pack()),
    ]])
    await deps.notifier.send_message(chat_id, T.ASK_SUPPLEMENT.format(id=recent.id), reply_markup=markup)
    return True


def _joined(before: dict, after: Report) -> Report:
    """Two messages awaiting one answer become one: nothing the resident sent is dropped."""
    text = "\n".join(t for t in (before.get("text") or "", after.text) if t)
    photos = tuple(before.get("photos") or ()) + after.photos
    if after.latitude is None and before.get("latitude") is not None:
        after = replace(after, latitude=before["latitude"], longitude=before["longitude"],
                        grid_id=before.get("grid_id"), micro_grid_id=before.get("micro_grid_id"))
    return replace(after, text=text, photos=photos)


async def on_supplement_choice(query: CallbackQuery, callback_data: SupplementCb, deps: Deps, state: FSMContext,
                               services: ServiceDeps | None = None) -> None:
    kept = (await state.get_data()).get(SUPPLEMENT_KEY)
    if not kept or kept.get("ticket_id") != callback_data.ticket_id or kept["report"].get("telegram_id") != query.from_user.id:
        # Expired with the dialog (or replaced): say what became of the words, and drop the buttons.
        await query.answer(T.SUPPLEMENT_EXPIRED, show_alert=True)
        if query.message and getattr(query.message, "reply_markup", None):
            await query.message.edit_reply_markup(reply_markup=None)
        return
    data = kept["report"]
    report = Report(**{**data, "photos": tuple(data.get("photos") or ())})
    location = (report.latitude, report.longitude) if report.latitude is not None else None
    chat_id = query.from_user.id
    if callback_data.choice == "add":
        try:
            outcome = await deps.service.supplements.add(
                query.from_user.id, callback_data.ticket_id, Material(report.text, report.photos, location))
        except WorkflowError as exc:
            await query.answer(refusal(exc), show_alert=True)
            return
        await state.update_data(**{SUPPLEMENT_KEY: None})
        await query.answer()
        if query.message:
            await query.message.edit_reply_markup(reply_markup=None)
        await deps.notifier.send_message(chat_id, T.SUPPLEMENT_ADDED.format(id=outcome.ticket.id))
        await deliver(deps, outcome.notices)
        return
    await state.update_data(**{SUPPLEMENT_KEY: None})
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    if not report.text:
        if location is not None:  # kept for the report that follows, as a location always is
            await state.update_data(location=list(location), located=kept.get("located"))
            await deps.notifier.send_message(chat_id, T.LOCATION_SAVED)
        else:
            await deps.notifier.send_message(chat_id, T.EMPTY_TEXT)
        return
    await intake(query.message, deps, state, services, report)


# -- 回复: the reporter answers a handler ------------------------------------------------

async def on_reply_button(query: CallbackQuery, callback_data: RelayCb, deps: Deps, state: FSMContext) -> None:
    try:
        await deps.service.relay.check_reply(query.from_user.id, callback_data.ticket_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer()
    await state.set_state(ReplyInput.text)
    await state.update_data(ticket_id=callback_data.ticket_id)
    await deps.notifier.send_message(query.from_user.id, T.RELAY_REPLY_PROMPT.format(id=callback_data.ticket_id),
                                     reply_markup=cancel_markup())


async def on_reply_text(message: Message, deps: Deps, state: FSMContext) -> None:
    await relay_typed(message, deps, state, deps.service.relay.to_handler, T.RELAY_REPLY_SENT)


