"""Staff buttons on a ticket: 签收, 办结 (with a note), 退回 (with a reason), 转派."""
from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers.residents.emergency import settle_cards
from handlers.shared.callbacks import AssignCb, TicketCb
from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.dialogs import (
    DialogCb,
    add_photo,
    cancel_markup,
    chat_lock,
    finish_markup,
    leave,
    take_note,
)
from handlers.shared.i18n import T
from handlers.shared.refusals import refusal
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.cadre_buttons import CARD_ACTIONS
from handlers.views.render import (
    buttons_for,
    reassign_buttons,
    task_buttons,
    task_card,
    with_reporter,
)
from tickets.errors import Stale, WorkflowError
from tickets.lifecycle import Action
from tickets.policy import can

NOTE_LIMIT = 1000


class StaffInput(StatesGroup):
    resolve_note = State()
    return_reason = State()


def build_router() -> Router:
    router = Router(name="tasks")
    router.message.register(on_resolve_photo, StaffInput.resolve_note, F.photo)
    router.message.register(on_resolve_note, StaffInput.resolve_note, F.text)
    router.callback_query.register(on_resolve_done, StaffInput.resolve_note, DialogCb.filter(F.action == "ok"))
    router.message.register(on_return_reason, StaffInput.return_reason, F.text | F.caption)
    router.message.register(on_bad_input, StateFilter(StaffInput))
    router.callback_query.register(on_accept, TicketCb.filter(F.action == "acc"))
    router.callback_query.register(on_ask_note, TicketCb.filter(F.action.in_({"res", "ret"})))
    router.callback_query.register(on_reassign_menu, TicketCb.filter(F.action == "rsg"))
    router.callback_query.register(on_reassign, AssignCb.filter())
    return router


def card_of(view, deps: Deps) -> str:
    """The handler's card as it reads now: current state, deadlines and reporter."""
    return with_reporter(task_card(view, deps.tz), view, True)


async def _refresh_card(query: CallbackQuery, outcome, deps: Deps) -> None:
    """Cards do not lie: after a press the card shows the ticket's state, not "新工单"."""
    if query.message:
        await query.message.edit_text(card_of(outcome.ticket, deps), reply_markup=task_buttons(outcome.ticket))


async def _edit_card(chat_id: int, card_id: int | None, outcome, deps: Deps, markup: Any = ...) -> None:
    """The card a dialog started from, brought up to date (best effort: it may be gone), with
    `markup` for buttons if given, else the ticket's."""
    if card_id:
        await deps.notifier.edit_message_text(chat_id, card_id, card_of(outcome.ticket, deps),
                                              reply_markup=task_buttons(outcome.ticket) if markup is ... else markup)


async def _refused(query: CallbackQuery, exc: WorkflowError, deps: Deps) -> None:
    """The refusal, as an alert; and a card whose ticket moved on (its edit lost to a crash,
    or pressed on an old copy) drawn again as the ticket now stands: it stops lying."""
    await query.answer(refusal(exc), show_alert=True)
    if not isinstance(exc, Stale) or query.message is None or not _button_data(query.message.reply_markup):
        return  # a card without buttons (settled already) was only replayed: nothing on it lies
    try:
        view, _events, _actor = await deps.service.detail(query.from_user.id, exc.ticket_id)
    except WorkflowError:
        return  # not theirs to see any more: the alert says enough
    markup = task_buttons(view)
    if _button_data(query.message.reply_markup) != _button_data(markup):  # a double tap: it is up to date
        await query.message.edit_text(card_of(view, deps), reply_markup=markup)


def _button_data(markup: Any) -> list[str]:
    rows = getattr(markup, "inline_keyboard", None) or []
    return [b.callback_data or "" for row in rows for b in row]


async def on_accept(query: CallbackQuery, callback_data: TicketCb, deps: Deps,
                    services: ServiceDeps | None = None) -> None:
    try:
        outcome = await deps.service.accept(query.from_user.id, callback_data.ticket_id)
    except WorkflowError as exc:
        await _refused(query, exc, deps)
        return
    await query.answer(T.ACCEPTED_OK.format(id=outcome.ticket.id))
    await _refresh_card(query, outcome, deps)
    # Sent to several (a 紧急求助): the others learn who took it, and their 签收 goes.
    await settle_cards(deps, services, outcome.ticket.id, query.from_user.id,
                       outcome.ticket.assignee_name or query.from_user.full_name)
    await deliver(deps, outcome.notices)


async def on_ask_note(query: CallbackQuery, callback_data: TicketCb, deps: Deps, state: FSMContext) -> None:
    action = Action.RESOLVE if callback_data.action == "res" else Action.RETURN
    try:
        view = await deps.service.check(query.from_user.id, callback_data.ticket_id, action)
    except WorkflowError as exc:
        await _refused(query, exc, deps)
        return
    await query.answer()
    target, prompt = (
        (StaffInput.resolve_note, T.ASK_RESOLVE_NOTE) if action == Action.RESOLVE
        else (StaffInput.return_reason, T.ASK_RETURN_REASON)
    )
    await leave(state)  # a note half-written for another ticket goes
    await state.set_state(target)
    await state.update_data(ticket_id=view.id, card_id=query.message.message_id if query.message else None)
    await deps.notifier.send_message(query.from_user.id, prompt.format(id=view.id), reply_markup=cancel_markup())


async def _note(message: Message, deps: Deps) -> str | None:
    note = (message.text or message.caption or "").strip()
    if not note or note.startswith("/"):
        await deps.notifier.send_message(message.chat.id, T.NOTE_EMPTY, reply_markup=cancel_markup())
        return None
    return note[:NOTE_LIMIT]


async def on_resolve_photo(message: Message, deps: Deps, state: FSMContext) -> None:
    """A photo: kept. One photo with a caption closes at once; an album, or photos without
    a word, wait for the text or 完成 (the photos of an album come one by one)."""
    async with chat_lock(message.chat.id):
        _, answer = await add_photo(message, state)
        if message.caption and message.media_group_id is None:
            await _resolve(message.from_user.id, message.chat.id, None, deps, state)
            return
        if answer:
            data = await state.get_data()
            prompt = T.NOTE_PHOTOS_WITH_CAPTION if data.get("note_caption") else T.NOTE_PHOTOS_KEPT
            await deps.notifier.send_message(message.chat.id, prompt, reply_markup=finish_markup())


async def on_resolve_note(message: Message, deps: Deps, state: FSMContext) -> None:
    if await _note(message, deps) is None:
        return
    async with chat_lock(message.chat.id):
        await _resolve(message.from_user.id, message.chat.id, message.text, deps, state)


async def on_resolve_done(query: CallbackQuery, deps: Deps, state: FSMContext) -> None:
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    async with chat_lock(query.from_user.id):
        if not (await state.get_data()).get("note_photos"):
            await deps.notifier.send_message(query.from_user.id, T.NOTE_EMPTY, reply_markup=cancel_markup())
            return
        await _resolve(query.from_user.id, query.from_user.id, None, deps, state)


async def _resolve(user_id: int, chat_id: int, text: str | None, deps: Deps, state: FSMContext) -> None:
    data = await state.get_data()
    ticket_id = data.get("ticket_id")
    note, photos = await take_note(state, text, NOTE_LIMIT)
    if not ticket_id:
        await deps.notifier.send_message(chat_id, T.BUTTON_EXPIRED)
        return
    try:
        outcome = await deps.service.resolve(user_id, ticket_id, note, photos)
    except WorkflowError as exc:
        await deps.notifier.send_message(chat_id, refusal(exc))
        return
    await deps.notifier.send_message(chat_id, T.RESOLVED_OK.format(id=ticket_id))
    await deliver(deps, outcome.notices)
    await _edit_card(chat_id, data.get("card_id"), outcome, deps)


async def on_return_reason(message: Message, deps: Deps, state: FSMContext) -> None:
    reason = await _note(message, deps)
    if reason is None:
        return
    data = await state.get_data()
    ticket_id = data["ticket_id"]
    await leave(state)
    try:
        outcome = await deps.service.return_(message.from_user.id, ticket_id, reason)
    except WorkflowError as exc:
        await deps.notifier.send_message(message.chat.id, refusal(exc))
        return
    await deps.notifier.send_message(message.chat.id, T.RETURNED_OK.format(id=ticket_id))
    await deliver(deps, outcome.notices)
    # With the community now: the card keeps only what the returner may still do (a grid
    # member may not 转派 it).
    actor = await deps.queries.actor(message.from_user.id)
    view = outcome.ticket
    markup = buttons_for(view, {a for a in CARD_ACTIONS if can(actor, a, view.scope)}, tools=False)
    await _edit_card(message.chat.id, data.get("card_id"), outcome, deps, markup)


async def on_bad_input(message: Message, deps: Deps) -> None:
    await deps.notifier.send_message(message.chat.id, T.NOTE_EMPTY, reply_markup=cancel_markup())


async def on_reassign_menu(query: CallbackQuery, callback_data: TicketCb, deps: Deps) -> None:
    try:
        view, options = await deps.service.reassign_options(query.from_user.id, callback_data.ticket_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer()
    await deps.notifier.send_message(
        query.from_user.id, T.REASSIGN_PICK.format(id=view.id), reply_markup=reassign_buttons(view.id, options)
    )


async def on_reassign(query: CallbackQuery, callback_data: AssignCb, deps: Deps) -> None:
    try:
        outcome = await deps.service.reassign(query.from_user.id, callback_data.ticket_id, callback_data.staff_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    view = outcome.ticket
    await query.answer(T.REASSIGNED_OK.format(id=view.id, name=view.assignee_name))
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await deliver(deps, outcome.notices)
