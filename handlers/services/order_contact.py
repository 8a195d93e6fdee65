"""联系点单人 in chat, as 联系反映人 is for a ticket (handlers.staff.contact and the 回复 of
handlers.residents.followup): the button on the order card of whoever serves it and on the
cards of its community's cadre (handlers.views.service_cards), the message typed next
(relayed to the resident with the order's number and a 回复 button), 请求电话 (the taker's),
and the resident's answer. The workflow (service_orders.contact) checks role and ownership on
every press and again on the typed message: the dialog state may be stale."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from handlers.shared.deps import Deps
from handlers.shared.dialogs import cancel_markup, leave, text_only
from handlers.shared.i18n import T
from handlers.shared.service_callbacks import OrderRelayCb
from handlers.shared.service_delivery import deliver_orders
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.followup_cards import addressee
from handlers.views.service_cards import order_refusal
from service_orders.errors import OrderRefused


class OrderContactInput(StatesGroup):
    to_resident = State()  # the message for the resident who ordered
    to_writer = State()    # the resident's answer


def build_router() -> Router:
    router = Router(name="order_contact")
    router.callback_query.register(on_contact, OrderRelayCb.filter(F.action == "msg"))
    router.callback_query.register(on_phone, OrderRelayCb.filter(F.action == "phone"))
    router.callback_query.register(on_reply_button, OrderRelayCb.filter(F.action == "reply"))
    router.message.register(on_text, OrderContactInput.to_resident, F.text)
    router.message.register(on_reply_text, OrderContactInput.to_writer, F.text)
    router.message.register(text_only, OrderContactInput.to_resident)
    router.message.register(text_only, OrderContactInput.to_writer)
    return router


async def _enter(state: FSMContext, step: State, order_id: int) -> None:
    await state.set_state(step)
    await state.update_data(order_id=order_id)


async def on_contact(query: CallbackQuery, callback_data: OrderRelayCb, deps: Deps, services: ServiceDeps,
                     state: FSMContext) -> None:
    try:
        view, may_ask_phone = await services.orders.relay.check(query.from_user.id, callback_data.order_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await query.answer()
    await _enter(state, OrderContactInput.to_resident, view.id)
    rows, prompt = [], T.ORDER_CONTACT_PROMPT.format(id=view.id)
    if may_ask_phone:
        rows.append([InlineKeyboardButton(text=T.BTN_REQUEST_PHONE,
                                          callback_data=OrderRelayCb(action="phone", order_id=view.id).pack())])
        prompt += T.ORDER_CONTACT_PROMPT_PHONE
    await deps.notifier.send_message(query.from_user.id, prompt, reply_markup=cancel_markup(*rows))


async def on_phone(query: CallbackQuery, callback_data: OrderRelayCb, deps: Deps, services: ServiceDeps,
                   state: FSMContext) -> None:
    try:
        outcome = await services.orders.relay.request_phone(query.from_user.id, callback_data.order_id)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await query.answer()
    if await state.get_state() == OrderContactInput.to_resident.state:
        await leave(state)
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await deps.notifier.send_message(query.from_user.id, T.ORDER_PHONE_REQUEST_SENT.format(id=outcome.order.id))
    await deliver_orders(deps, outcome.notices)  # none when asked already: a replayed press


async def _relayed(message: Message, deps: Deps, state: FSMContext, send, receipt) -> None:
    """The typed message through `send` (the workflow, which checks again), then the receipt
    (`receipt`: the outcome -> its text)."""
    order_id = (await state.get_data()).get("order_id")
    await leave(state)
    if not order_id:
        return
    try:
        outcome = await send(message.from_user.id, int(order_id), message.text or "")
    except OrderRefused as exc:
        await deps.notifier.send_message(message.chat.id, order_refusal(exc))
        return
    await deps.notifier.send_message(message.chat.id, receipt(outcome))
    await deliver_orders(deps, outcome.notices)


async def on_text(message: Message, deps: Deps, services: ServiceDeps, state: FSMContext) -> None:
    await _relayed(message, deps, state, services.orders.relay.to_resident,
                   lambda outcome: T.ORDER_CONTACT_SENT.format(id=outcome.order.id))


async def on_reply_button(query: CallbackQuery, callback_data: OrderRelayCb, deps: Deps, services: ServiceDeps,
                          state: FSMContext) -> None:
    # The message it was under says whom the answer is for (a volunteer and a cadre may both write).
    under = query.message.message_id if query.message else None
    try:
        to = await services.orders.relay.check_reply(query.from_user.id, callback_data.order_id, under)
    except OrderRefused as exc:
        await query.answer(order_refusal(exc), show_alert=True)
        return
    await query.answer()
    await _enter(state, OrderContactInput.to_writer, callback_data.order_id)
    await state.update_data(reply_under=under)
    prompt = T.ORDER_RELAY_REPLY_PROMPT.format(id=callback_data.order_id, who=addressee(to))
    await deps.notifier.send_message(query.from_user.id, prompt, reply_markup=cancel_markup())


async def on_reply_text(message: Message, deps: Deps, services: ServiceDeps, state: FSMContext) -> None:
    under = (await state.get_data()).get("reply_under")

    async def to_writer(telegram_id: int, order_id: int, text: str):
        return await services.orders.relay.to_writer(telegram_id, order_id, text, under)

    def receipt(outcome) -> str:
        return T.ORDER_RELAY_REPLY_SENT.format(id=outcome.order.id, who=addressee(outcome.addressee))

    await _relayed(message, deps, state, to_writer, receipt)
