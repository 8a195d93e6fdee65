"""居民点单 and 党员接单 in chat: /order (or the 我要点单 button), the 求助 choice, when it is
needed, /orders, 接单 / 完成 / 放弃, 撤销 and 评单. Thin: parse, call service_orders, render."""
from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers.residents import report
from handlers.residents.report import meaningful
from handlers.services.order_input import ask_text, take_text
from handlers.services.order_offer import OFFER_KEY
from handlers.shared.deps import Deps
from handlers.shared.dialogs import cancel_markup
from handlers.shared.i18n import T, note_label, order_state_label, says
from handlers.shared.service_callbacks import NeededCb, OfferCb, OrderCb, OrderRateCb
from handlers.shared.service_delivery import broadcast, deliver_orders
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.service_cards import (
    abandon_confirm_buttons,
    contact_button,
    needed_buttons,
    order_card,
    order_line,
    order_refusal,
    points_note,
    resident_buttons,
    resident_keyboard,
    review_buttons,
    serving_detail,
    take_button,
    taker_buttons,
)
from service_orders import catalogue
from service_orders.errors import OrderRefused
from service_orders.states import RATING_LABELS, OrderState
from service_orders.views import OrderOutcome
from tickets.reports import Report

TEXT_LIMIT = 1000
NOTE_LIMIT = 1000


class OrderInput(StatesGroup):
    text = State()       # what help is needed
    when = State()       # when: a button or a typed date
    done_note = State()  # 完成: what was done


def build_router() -> Router:
    router = Router(name="orders")
    router.message.register(on_order, Command("order"))
    # The persistent button works from any step of this dialog: it starts afresh.
    router.message.register(on_order, says("BTN_ORDER_ENTRY"))
    router.message.register(on_orders, Command("orders"))
    router.message.register(on_menu, Command("menu"))
    router.message.register(on_text, OrderInput.text, F.text)
    router.message.register(on_when_typed, OrderInput.when, F.text)
    router.message.register(on_done_note, OrderInput.done_note, F.text)
    router.message.register(on_bad_input, StateFilter(OrderInput))
    router.callback_query.register(on_offer, OfferCb.filter())
    router.callback_query.register(on_needed, NeededCb.filter())
    router.callback_query.register(on_take, OrderCb.filter(F.action == "take"))
    router.callback_query.register(on_ask_done, OrderCb.filter(F.action == "done"))
    router.callback_query.register(on_ask_abandon, OrderCb.filter(F.action == "drop"))
    router.callback_query.register(on_abandon, OrderCb.filter(F.action == "dropok"))
    router.callback_query.register(on_keep, OrderCb.filter(F.action == "keep"))
    router.callback_query.register(on_cancel_order, OrderCb.filter(F.action == "cancel"))
    router.callback_query.register(on_rate, OrderRateCb.filter())
    return router


# -- 点单 ----------------------------------------------------------------------------------

async def on_order(message: Message, deps: Deps, services: ServiceDeps, state: FSMContext,
                   command: CommandObject | None = None) -> None:
    chat_id = message.chat.id
    if not await services.orders.can_order(message.from_user.id):
        await deps.notifier.send_message(chat_id, T.ORDER_NEED_GRID)
        return
    text = (command.args or "").strip() if command else ""
    if text and meaningful(text):
        await ask_when(deps, state, chat_id, text, message.message_id)
        return
    await state.set_state(OrderInput.text)
    await deps.notifier.send_message(chat_id, T.ORDER_ASK_TEXT, reply_markup=cancel_markup())


async def ask_when(deps: Deps, state: FSMContext, chat_id: int, text: str, message_id: int) -> None:
    # The order is keyed on the message that carried its text: a repeated delivery finds it.
    await state.set_state(OrderInput.when)
    await state.update_data(order_text=text[:TEXT_LIMIT], order_message_id=message_id)
    await deps.notifier.send_message(chat_id, T.ORDER_ASK_WHEN, reply_markup=needed_buttons())


async def on_text(message: Message, deps: Deps, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if not meaningful(text) or text.startswith("/"):
        await deps.notifier.send_message(message.chat.id, T.ORDER_TEXT_BAD, reply_markup=cancel_markup())
        return
    await ask_when(deps, state, message.chat.id, text, message.message_id)


async def on_when_typed(message: Message, deps: Deps, services: ServiceDeps, state: FSMContext) -> None:
    day = catalogue.parse_date(message.text or "", services.orders.today())
    if day is None:
        await deps.notifier.send_message(message.chat.id, T.ORDER_WHEN_BAD, reply_markup=cancel_markup())
        return
    await create(message.from_user.id, message.from_user.full_name, message.chat.id, "date", day,
                 deps, services, state)


async def on_needed(query: CallbackQuery, callback_data: NeededCb, deps: Deps, services: ServiceDeps,
                    state: FSMContext) -> None:
    if await state.get_state() != OrderInput.when.state or callback_data.value not in catalogue.NEEDED:
        await query.answer(T.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await create(query.from_user.id, query.from_user.full_name, query.from_user.id, callback_data.value, None,
                 deps, services, state)


async def create(user_id: int, name: str, chat_id: int, needed: str, day: date | None, deps: Deps, services: ServiceDeps,
                 state: FSMContext) -> None:
    data = await state.get_data()
    text, message_id = data.get("order_text"), data.get("order_message_id")
    if not text or not message_id:
        await state.set_state(None)
        await deps.notifier.send_message(chat_id, T.BUTTON_EXPIRED)
        return
    try:
        outcome = await services.orders.open_order(user_id, chat_id, message_id, text, needed, day, name)
    except OrderRefused as exc:
        await state.set_state(None)
        await deps.notifier.send_message(chat_id, order_refusal(exc))
        return
    await state.set_state(None)
    await state.update_data(order_text=None, order_message_id=None)
    await acknowledge(deps, chat_id, outcome)


async def acknowledge(deps: Deps, chat_id: int, outcome: OrderOutcome) -> None:
    view = outcome.order
    if outcome.duplicate:
        await deps.notifier.send_message(chat_id, T.ORDER_DUPLICATE.format(id=view.id, state=order_state_label(view.state)))
        return
    # The acknowledgement (OrderNoticeKind.RECEIVED) is first among the notices, queued with
    # the order: a crash right after it was stored still tells the resident it arrived.
    await deliver_orders(deps, outcome.notices)
    await broadcast(deps, outcome.broadcast)


async def on_offer(query: CallbackQuery, callback_data: OfferCb, deps: Deps, state: FSMContext) -> None:
    """求助 → 点单 or 上报问题, with the text that was kept."""
    offer = (await state.get_data()).get(OFFER_KEY)
    if (not offer or offer.get("telegram_id") != query.from_user.id
            or offer.get("message_id") != callback_data.message_id or callback_data.choice not in ("o", "t")):
        await query.answer(T.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    await state.update_data(**{OFFER_KEY: None})
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    if callback_data.choice == "o":
        await ask_when(deps, state, offer["chat_id"], offer["text"], offer["message_id"])
        return
    offer["photos"] = tuple(offer.get("photos") or ())
    await report.submit(deps, state, Report(**offer))


async def on_menu(message: Message, deps: Deps, services: ServiceDeps) -> None:
    """The residents' buttons again (a keyboard hidden or lost), and what each hat may do."""
    resident, member, reviewer = await services.orders.hats(message.from_user.id)
    parts = [T.HELP_SERVICES_RESIDENT] if resident or not (member or reviewer) else []
    parts += [T.HELP_SERVICES_MEMBER] if member else []
    parts += [T.HELP_SERVICES_CADRE] if reviewer else []
    markup = resident_keyboard() if resident or not (member or reviewer) else None
    await deps.notifier.send_message(message.chat.id, "\n\n".join([T.RESIDENT_MENU, *parts]) if markup else
                                     "\n\n".join(parts), reply_markup=markup)


# -- /orders ---------------------------------------------------------------------------------

async def on_orders(message: Message, deps: Deps, services: ServiceDeps) -> None:
    chat_id = message.chat.id
    o = await services.orders.overview(message.from_user.id)
    send = deps.notifier.send_message
    if not (o.mine or o.finished or o.to_take or o.taking or o.to_review or o.serving or o.is_member):
        await send(chat_id, T.ORDERS_EMPTY)
        return
    if o.to_review:
        await send(chat_id, T.ORDERS_TO_REVIEW.format(n=len(o.to_review)))
        for v in o.to_review:
            await send(chat_id, order_card(v), reply_markup=review_buttons(v.id, v.id in o.contact))
    if o.serving:  # a cadre's: out to the members, each with 联系点单人 while the resident can be reached
        await send(chat_id, T.ORDERS_SERVING.format(n=len(o.serving)))
        for v in o.serving:
            await send(chat_id, order_card(v) + serving_detail(v), reply_markup=contact_button(v.id, v.id in o.contact))
    if o.taking:
        await send(chat_id, T.ORDERS_TAKING.format(n=len(o.taking)))
        for v in o.taking:
            await send(chat_id, order_card(v), reply_markup=taker_buttons(v.id, v.id in o.contact))
    if o.is_member:
        await send(chat_id, T.ORDERS_TO_TAKE.format(n=len(o.to_take)) if o.to_take else T.ORDERS_NONE_TO_TAKE)
        for v in o.to_take:
            await send(chat_id, order_card(v), reply_markup=take_button(v.id))
    if o.mine:  # each open order on its own, with the buttons it has now
        await send(chat_id, T.ORDERS_MINE.format(n=len(o.mine)))
        for v in o.mine:
            await send(chat_id, order_line(v), reply_markup=resident_buttons(v))
    if o.finished:
        await send(chat_id, "\n".join([T.ORDERS_FINISHED] + [order_line(v) for v in o.finished]))


# -- 接单 / 完成 / 放弃 / 撤销 ---------------------------------------------------------------------

async def on_take(query: CallbackQuery, callback_data: OrderCb, deps: Deps, services: ServiceDeps) -> None:
    try:
        outcome = await services.orders.take(query.from_user.id, callback_data.order_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc, callback_data.order_id), show_alert=True)
        return
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await deliver_orders(deps, outcome.notices)


async def on_ask_done(query: CallbackQuery, callback_data: OrderCb, deps: Deps, services: ServiceDeps,
                      state: FSMContext) -> None:
    try:
        view = await services.orders.check_taker(query.from_user.id, callback_data.order_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await query.answer()
    await ask_text(deps, state, query.from_user.id, OrderInput.done_note, view.id, T.ASK_DONE_NOTE)


async def on_done_note(message: Message, deps: Deps, services: ServiceDeps, state: FSMContext) -> None:
    taken = await take_text(message, deps, state, NOTE_LIMIT)
    if taken is None:
        return
    try:
        outcome = await services.orders.complete(message.from_user.id, *taken)
    except OrderRefused as exc:
        await deps.notifier.send_message(message.chat.id, order_refusal(exc))
        return
    await deps.notifier.send_message(message.chat.id, T.DONE_OK.format(id=outcome.order.id, points=points_note(outcome.points)))
    await deliver_orders(deps, outcome.notices)


async def on_ask_abandon(query: CallbackQuery, callback_data: OrderCb, deps: Deps, services: ServiceDeps) -> None:
    """放弃 costs points: say how many and ask first; nothing changes until 确定放弃."""
    try:
        view = await services.orders.check_taker(query.from_user.id, callback_data.order_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await query.answer()
    penalty = -services.orders.rules.abandoned
    cost = T.ABANDON_COST.format(n=penalty) if penalty > 0 else ""
    await deps.notifier.send_message(query.from_user.id, T.ABANDON_CONFIRM.format(id=view.id, cost=cost),
                                     reply_markup=abandon_confirm_buttons(view.id))


async def on_keep(query: CallbackQuery, callback_data: OrderCb) -> None:
    await query.answer(T.ABANDON_KEPT.format(id=callback_data.order_id))
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)


async def on_abandon(query: CallbackQuery, callback_data: OrderCb, deps: Deps, services: ServiceDeps) -> None:
    try:
        outcome = await services.orders.abandon(query.from_user.id, callback_data.order_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await deps.notifier.send_message(query.from_user.id, T.ABANDONED_OK.format(
        id=outcome.order.id, points=points_note(outcome.points)))
    await deliver_orders(deps, outcome.notices)
    await broadcast(deps, outcome.broadcast)


async def on_cancel_order(query: CallbackQuery, callback_data: OrderCb, deps: Deps, services: ServiceDeps) -> None:
    try:
        outcome = await services.orders.cancel(query.from_user.id, callback_data.order_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await query.answer(T.CANCELLED_OK.format(id=outcome.order.id))
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)


# -- 评单 ------------------------------------------------------------------------------------

async def on_rate(query: CallbackQuery, callback_data: OrderRateCb, deps: Deps, services: ServiceDeps) -> None:
    try:
        outcome = await services.orders.rate(query.from_user.id, callback_data.order_id, callback_data.value)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    view = outcome.order
    text = (T.ORDER_RETURNED_RESIDENT.format(id=view.id) if view.state == OrderState.RETURNED
            else T.ORDER_RATED_THANKS.format(id=view.id, rating=note_label(RATING_LABELS[callback_data.value])))
    await deps.notifier.send_message(query.from_user.id, text)
    await deliver_orders(deps, outcome.notices)


async def on_bad_input(message: Message, deps: Deps, state: FSMContext) -> None:
    current = await state.get_state()
    text = T.ORDER_WHEN_BAD if current == OrderInput.when.state else (
        T.ORDER_TEXT_BAD if current == OrderInput.text.state else T.ORDER_BAD_INPUT)
    await deps.notifier.send_message(message.chat.id, text, reply_markup=cancel_markup())
