"""联系反映人, the handler's side: the button on a ticket card, the message typed next (the
bot relays it to the reporter, with the ticket's number and a 回复 button), and 请求电话
(the reporter gets Telegram's contact button). The workflow (tickets.followup.relay)
checks role and ownership on every press and on the message itself."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from handlers.shared.callbacks import RelayCb
from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.dialogs import cancel_markup, leave, relay_typed, text_only
from handlers.shared.i18n import T
from handlers.shared.refusals import refusal
from tickets.errors import WorkflowError


class ContactInput(StatesGroup):
    text = State()  # the message for the reporter


def build_router() -> Router:
    router = Router(name="contact")
    router.callback_query.register(on_contact, RelayCb.filter(F.action == "msg"))
    router.callback_query.register(on_phone, RelayCb.filter(F.action == "phone"))
    router.message.register(on_text, ContactInput.text, F.text)
    router.message.register(text_only, ContactInput.text)
    return router


async def on_contact(query: CallbackQuery, callback_data: RelayCb, deps: Deps, state: FSMContext) -> None:
    try:
        view = await deps.service.relay.check(query.from_user.id, callback_data.ticket_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer()
    await state.set_state(ContactInput.text)
    await state.update_data(ticket_id=view.id)
    rows = []
    if not view.anonymous:
        rows.append([InlineKeyboardButton(text=T.BTN_REQUEST_PHONE,
                                          callback_data=RelayCb(action="phone", ticket_id=view.id).pack())])
    prompt = T.CONTACT_PROMPT_ANONYMOUS if view.anonymous else T.CONTACT_PROMPT
    await deps.notifier.send_message(query.from_user.id, prompt.format(id=view.id), reply_markup=cancel_markup(*rows))


async def on_phone(query: CallbackQuery, callback_data: RelayCb, deps: Deps, state: FSMContext) -> None:
    try:
        outcome = await deps.service.relay.request_phone(query.from_user.id, callback_data.ticket_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer()
    if await state.get_state() == ContactInput.text.state:
        await leave(state)
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await deps.notifier.send_message(query.from_user.id, T.PHONE_REQUEST_SENT.format(id=outcome.ticket.id))
    await deliver(deps, outcome.notices)


async def on_text(message: Message, deps: Deps, state: FSMContext) -> None:
    await relay_typed(message, deps, state, deps.service.relay.to_resident, T.CONTACT_SENT)


