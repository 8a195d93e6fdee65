"""无效 from a ticket's card: its handler or a cadre picks a reason in one tap (the card's
buttons turn into the reasons, and back), or writes one. The card then shows the ticket
closed, without buttons. Thin: the workflow checks who may, and tells the resident."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import EditMessageReplyMarkup
from aiogram.types import CallbackQuery, Message

from handlers.shared.callbacks import ReasonCb, TicketCb
from handlers.shared.delivery import deliver, redraw
from handlers.shared.deps import Deps
from handlers.shared.dialogs import cancel_markup, leave, take_reason
from handlers.shared.i18n import T
from handlers.shared.refusals import refusal
from handlers.staff.tasks import on_bad_input
from handlers.views.cadre_buttons import CARD_ACTIONS
from handlers.views.closing_cards import BACK, INVALID, OWN, closed_card, invalid_reason_buttons
from handlers.views.render import buttons_for
from tickets.closing.reasons import INVALID_REASONS, pick
from tickets.errors import Stale, WorkflowError
from tickets.lifecycle import Action
from tickets.lifecycle import State as TicketState
from tickets.policy import can
from tickets.views import Notice, NoticeKind, Outcome


class InvalidInput(StatesGroup):
    reason = State()


def build_router() -> Router:
    router = Router(name="closing")
    router.callback_query.register(on_invalid, TicketCb.filter(F.action == "inv"))
    router.callback_query.register(on_reason, ReasonCb.filter(F.kind == INVALID))
    router.message.register(on_reason_text, InvalidInput.reason, F.text)
    router.message.register(on_bad_input, InvalidInput.reason)  # a photo, a sticker: asked again
    return router



async def _check(query: CallbackQuery, ticket_id: int, deps: Deps):
    """The ticket's view if the presser may close it as 无效 now; else answered, None."""
    try:
        return await deps.service.check(query.from_user.id, ticket_id, Action.INVALIDATE)
    except WorkflowError as exc:
        if isinstance(exc, Stale) and exc.state == TicketState.INVALID:
            await query.answer(T.INVALID_DONE.format(id=ticket_id))  # a second press: no apology
        else:
            await query.answer(refusal(exc), show_alert=True)
        return None


async def on_invalid(query: CallbackQuery, callback_data: TicketCb, deps: Deps) -> None:
    view = await _check(query, callback_data.ticket_id, deps)
    if view is None:
        return
    await query.answer(T.ASK_INVALID_REASON.format(id=view.id))
    if query.message:
        await query.message.edit_reply_markup(reply_markup=invalid_reason_buttons(view.id))


async def on_reason(query: CallbackQuery, callback_data: ReasonCb, deps: Deps, state: FSMContext) -> None:
    ticket_id, index = callback_data.ticket_id, callback_data.index
    if index in (OWN, BACK):
        view = await _check(query, ticket_id, deps)
        if view is None:
            return
        await query.answer()
        if index == BACK:
            actor = await deps.queries.actor(query.from_user.id)
            allowed = {a for a in CARD_ACTIONS if can(actor, a, view.scope)}
            if query.message:
                await query.message.edit_reply_markup(reply_markup=buttons_for(view, allowed))
            return
        await leave(state)
        await state.set_state(InvalidInput.reason)
        await state.update_data(ticket_id=ticket_id, card=_card(query))
        await deps.notifier.send_message(query.from_user.id, T.ASK_INVALID_TEXT.format(id=ticket_id),
                                         reply_markup=cancel_markup())
        return
    try:
        reason = pick(INVALID_REASONS, index)
        outcome = await deps.service.invalidate(query.from_user.id, ticket_id, reason)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer(_invalid_ok(outcome, ticket_id))
    await _close_card(query.from_user.id, _card(query), reason, _decider(outcome, query.from_user.full_name),
                      outcome, deps)
    await deliver(deps, outcome.notices)


async def on_reason_text(message: Message, deps: Deps, state: FSMContext) -> None:
    taken = await take_reason(message, deps, state)
    if taken is None:
        return
    reason, ticket_id, data = taken
    try:
        outcome = await deps.service.invalidate(message.from_user.id, ticket_id, reason)
    except WorkflowError as exc:
        await deps.notifier.send_message(message.chat.id, refusal(exc))
        return
    await deps.notifier.send_message(message.chat.id, _invalid_ok(outcome, ticket_id))
    card = data.get("card")
    await _close_card(message.chat.id, tuple(card) if card else None, reason,
                      _decider(outcome, message.from_user.full_name), outcome, deps)
    await deliver(deps, outcome.notices)


def _invalid_ok(outcome: Outcome, ticket_id: int) -> str:
    """Done; "已告知居民" only when there is a resident to tell (not one who deleted their data)."""
    v = outcome.ticket
    told = outcome.replayed or any(n.kind == NoticeKind.INVALID_RESIDENT and n.chat_id
                                   and n.chat_id == v.resident_telegram_id for n in outcome.notices)
    return (T.INVALID_OK if told else T.INVALID_OK_NOBODY).format(id=ticket_id)


def _decider(outcome: Outcome, fallback: str) -> str:
    """Who decided, as the resident is told it (the staff table's name), not the Telegram name."""
    return next((n.actor_name for n in outcome.notices if n.actor_name), fallback)


async def _close_card(chat_id: int, card: tuple[int, bool] | None, reason: str, who: str, outcome: Outcome,
                      deps: Deps) -> None:
    """The card the 无效 was pressed on: closed, with the reason, without buttons (after a
    replayed press, only without buttons: the reason is the first one's)."""
    if not card:
        return
    if outcome.replayed:
        await deps.notifier.deliver(EditMessageReplyMarkup(chat_id=chat_id, message_id=card[0]))
        return
    closed = closed_card(Notice(chat_id, NoticeKind.INVALID_STAFF, outcome.ticket, reason, who), deps.tz)
    await redraw(deps, chat_id, [(card[0], closed, card[1])])


def _card(query: CallbackQuery) -> tuple[int, bool] | None:
    """The pressed card: its id, and whether its text is a photo's caption."""
    m = query.message
    return (m.message_id, getattr(m, "caption", None) is not None) if m else None
