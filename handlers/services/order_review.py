"""支部议单 in chat: the cadre's (or branch secretary's) buttons on a new order: 通过,
不通过 (asks for a reason), 合并 (pick the other order), 转为工单."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from handlers.services.order_input import ask_text, take_text
from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.dialogs import cancel_markup
from handlers.shared.i18n import T
from handlers.shared.service_callbacks import MergeIntoCb, ReviewCb
from handlers.shared.service_delivery import broadcast, deliver_orders
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.render import local_time
from handlers.views.service_cards import contact_button, kb, order_card, order_refusal
from service_orders.errors import OrderRefused
from service_orders.states import OrderAction
from service_orders.views import OrderView

REASON_LIMIT = 500
CARD_KEY = "review_card"  # the 议单 card a 不通过 was pressed on, while its reason is typed


class ReviewInput(StatesGroup):
    decline_reason = State()


def build_router() -> Router:
    router = Router(name="order_review")
    router.message.register(on_decline_reason, ReviewInput.decline_reason, F.text)
    router.message.register(on_bad_reason, ReviewInput.decline_reason)
    router.callback_query.register(on_approve, ReviewCb.filter(F.action == "ok"))
    router.callback_query.register(on_ask_reason, ReviewCb.filter(F.action == "no"))
    router.callback_query.register(on_merge_menu, ReviewCb.filter(F.action == "mg"))
    router.callback_query.register(on_convert, ReviewCb.filter(F.action == "tk"))
    router.callback_query.register(on_merge, MergeIntoCb.filter())
    return router


async def _done_with_buttons(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """The press answered; the card's 议单 buttons gone (`markup` left instead, if any)."""
    await query.answer(text)
    if query.message:
        await query.message.edit_reply_markup(reply_markup=markup)


async def _card_now(query: CallbackQuery, text: str, view: OrderView, markup: InlineKeyboardMarkup | None = None) -> None:
    """The press answered; the 议单 card drawn again as the order stands now (its state, not
    待议单), with only the buttons that still apply (`markup`)."""
    await query.answer(text)
    if query.message:
        await query.message.edit_text(order_card(view), reply_markup=markup)


async def _redraw_card(deps: Deps, chat_id: int, card: int | None, view: OrderView) -> None:
    """The 议单 card (message `card` in this chat, if known) drawn again as the order stands
    now, its 议单 buttons gone: it was declined or merged from another message."""
    if card:
        await deps.notifier.edit_message_text(chat_id, card, order_card(view), reply_markup=None)


async def on_approve(query: CallbackQuery, callback_data: ReviewCb, deps: Deps, services: ServiceDeps) -> None:
    try:
        outcome = await services.review.approve(query.from_user.id, callback_data.order_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    view = outcome.order
    if outcome.held_until is not None:
        text = T.APPROVED_HELD.format(id=view.id, at=local_time(outcome.held_until, deps.tz))
    else:
        text = T.APPROVED_OK.format(id=view.id, n=len(outcome.broadcast.chat_ids) if outcome.broadcast else 0)
    # Answer the press first: the members' notice may take a while for a large community.
    # A cadre's card keeps 联系点单人 (published, the order is still theirs to follow).
    await _card_now(query, text, view, contact_button(view.id, outcome.contact))
    await deliver_orders(deps, outcome.notices)
    await broadcast(deps, outcome.broadcast)


async def on_ask_reason(query: CallbackQuery, callback_data: ReviewCb, deps: Deps, services: ServiceDeps,
                        state: FSMContext) -> None:
    try:
        view = await services.review.check(query.from_user.id, callback_data.order_id, OrderAction.DECLINE)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await query.answer()
    await ask_text(deps, state, query.from_user.id, ReviewInput.decline_reason, view.id, T.ASK_DECLINE_REASON)
    if query.message:
        await state.update_data(**{CARD_KEY: query.message.message_id})


async def on_decline_reason(message: Message, deps: Deps, services: ServiceDeps, state: FSMContext) -> None:
    card = (await state.get_data()).get(CARD_KEY)
    taken = await take_text(message, deps, state, REASON_LIMIT)
    if taken is None:
        return
    await state.update_data(**{CARD_KEY: None})
    try:
        outcome = await services.review.decline(message.from_user.id, *taken)
    except OrderRefused as exc:
        await deps.notifier.send_message(message.chat.id, order_refusal(exc))
        return
    await deps.notifier.send_message(message.chat.id, T.DECLINED_OK.format(id=outcome.order.id))
    await _redraw_card(deps, message.chat.id, card, outcome.order)
    await deliver_orders(deps, outcome.notices)


async def on_bad_reason(message: Message, deps: Deps) -> None:
    await deps.notifier.send_message(message.chat.id, T.ORDER_BAD_INPUT, reply_markup=cancel_markup())


async def on_merge_menu(query: CallbackQuery, callback_data: ReviewCb, deps: Deps, services: ServiceDeps) -> None:
    try:
        view, options = await services.review.merge_options(query.from_user.id, callback_data.order_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await query.answer()
    if not options:
        await deps.notifier.send_message(query.from_user.id, T.MERGE_NONE)
        return
    # A button's label is plain text (no HTML): the words as typed, or that they were deleted.
    card = query.message.message_id if query.message else 0
    rows = [[(f"#{o.id} {o.text.strip()[:24] or T.ORDER_TEXT_DELETED}",
              MergeIntoCb(order_id=view.id, into_id=o.id, card=card).pack())] for o in options]
    await deps.notifier.send_message(query.from_user.id, T.MERGE_PICK.format(id=view.id), reply_markup=kb(rows))


async def on_merge(query: CallbackQuery, callback_data: MergeIntoCb, deps: Deps, services: ServiceDeps) -> None:
    try:
        outcome = await services.review.merge(query.from_user.id, callback_data.order_id, callback_data.into_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await _done_with_buttons(query, T.MERGED_OK.format(id=outcome.order.id, into=callback_data.into_id))
    await _redraw_card(deps, query.from_user.id, callback_data.card, outcome.order)
    await deliver_orders(deps, outcome.notices)


async def on_convert(query: CallbackQuery, callback_data: ReviewCb, deps: Deps, services: ServiceDeps) -> None:
    try:
        outcome = await services.review.convert(query.from_user.id, callback_data.order_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await _card_now(query, T.CONVERTED_OK.format(id=outcome.order.id, ticket=outcome.order.ticket_id), outcome.order)
    await deliver_orders(deps, outcome.notices)
    if outcome.ticket_outcome is not None and not outcome.ticket_outcome.duplicate:
        await deliver(deps, outcome.ticket_outcome.notices)  # the grid member's new ticket
