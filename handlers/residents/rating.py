"""回访: the resident says whether it is solved, then how satisfied they are. After 未解决
or 不满意 (the 重办 is done at that tap) they are asked why: one tap from common reasons,
or a few words of their own."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers.shared.callbacks import RateCb, ReasonCb
from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.dialogs import cancel_markup, leave, take_reason
from handlers.shared.i18n import T, note_label
from handlers.shared.refusals import refusal
from handlers.staff.tasks import on_bad_input
from handlers.views.closing_cards import OWN, REOPEN, reopen_reason_buttons
from handlers.views.render import satisfaction_buttons
from tickets.closing.reasons import REOPEN_REASONS, pick
from tickets.errors import WorkflowError
from tickets.feedback import SATISFACTION_LABELS


class ReasonInput(StatesGroup):
    reopen_reason = State()


def build_router() -> Router:
    router = Router(name="rating")
    router.callback_query.register(on_rate, RateCb.filter())
    router.callback_query.register(on_reason, ReasonCb.filter(F.kind == REOPEN))
    router.message.register(on_reason_text, ReasonInput.reopen_reason, F.text)
    router.message.register(on_bad_input, ReasonInput.reopen_reason)  # a photo, a sticker: asked again
    return router



async def on_rate(query: CallbackQuery, callback_data: RateCb, deps: Deps) -> None:
    user_id, ticket_id, value = query.from_user.id, callback_data.ticket_id, callback_data.value
    try:
        if value in ("y", "n"):
            outcome = await deps.service.rate_solved(user_id, ticket_id, value == "y")
        else:
            outcome = await deps.service.rate_satisfaction(user_id, ticket_id, value)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    if outcome.replayed:
        return  # taken the first time: nothing more to say
    if outcome.rating_round_open:
        await deps.notifier.send_message(user_id, T.ASK_SATISFACTION, reply_markup=satisfaction_buttons(ticket_id))
    elif value in SATISFACTION_LABELS and value != "dissatisfied":
        await deps.notifier.send_message(user_id, T.RATED_THANKS.format(rating=note_label(SATISFACTION_LABELS[value]), id=ticket_id))
    await deliver(deps, outcome.notices)
    if outcome.reopened:  # to the grid member (重办) or back to the department (已吹哨)
        await deps.notifier.send_message(user_id, T.ASK_REOPEN_REASON.format(id=ticket_id),
                                         reply_markup=reopen_reason_buttons(ticket_id))


async def on_reason(query: CallbackQuery, callback_data: ReasonCb, deps: Deps, state: FSMContext) -> None:
    ticket_id = callback_data.ticket_id
    if callback_data.index == OWN:
        try:
            await deps.service.reopen_reason_check(query.from_user.id, ticket_id)
        except WorkflowError as exc:
            await query.answer(refusal(exc), show_alert=True)
            return
        await query.answer()
        await leave(state)
        await state.set_state(ReasonInput.reopen_reason)
        await state.update_data(ticket_id=ticket_id)
        await deps.notifier.send_message(query.from_user.id, T.ASK_REOPEN_REASON_TEXT.format(id=ticket_id),
                                         reply_markup=cancel_markup())
        return
    try:
        outcome = await deps.service.give_reopen_reason(query.from_user.id, ticket_id,
                                                        pick(REOPEN_REASONS, callback_data.index))
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    thanks = T.REOPEN_REASON_THANKS.format(id=ticket_id)
    await query.answer(thanks)
    if query.message:
        await query.message.edit_text(thanks, reply_markup=None)
    await deliver(deps, outcome.notices)


async def on_reason_text(message: Message, deps: Deps, state: FSMContext) -> None:
    taken = await take_reason(message, deps, state)
    if taken is None:
        return
    text, ticket_id, _ = taken
    try:
        outcome = await deps.service.give_reopen_reason(message.from_user.id, ticket_id, text)
    except WorkflowError as exc:
        await deps.notifier.send_message(message.chat.id, refusal(exc))
        return
    await deps.notifier.send_message(message.chat.id, T.REOPEN_REASON_THANKS.format(id=ticket_id))
    await deliver(deps, outcome.notices)
