"""一键呼叫: the residents' 🆘 紧急求助 button. Asks for the location (a request_location
button, or 直接呼叫 without it), opens an urgent ticket and alerts the grid's staff and
the community's cadres at once, quiet hours or not.

Its router comes early (before the staff note dialog): the button must work whatever
the person was doing."""
from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup

from handlers.shared.delivery import recipient_locales, recorder
from handlers.shared.deps import Deps
from handlers.shared.i18n import T, says, speaking
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.followup_cards import contact_keyboard
from handlers.views.render import task_buttons, task_card, with_reporter
from handlers.views.service_cards import resident_keyboard
from service_orders.emergency import MEMBER, EmergencyOutcome
from tickets import outbox
from tickets.errors import NotRegistered


class CallInput(StatesGroup):
    location = State()


def build_router() -> Router:
    router = Router(name="emergency")
    # Reply-keyboard buttons send their label: matched in Chinese or the sender's language.
    router.message.register(on_button, says("BTN_EMERGENCY"))
    router.message.register(on_location, CallInput.location, F.location)
    router.message.register(on_call_now, CallInput.location, says("BTN_CALL_NOW"))
    router.message.register(on_cancel, CallInput.location, says("BTN_CALL_CANCEL"))
    router.message.register(on_button, CallInput.location)  # anything else: ask again
    return router


def location_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(keyboard=[
        [KeyboardButton(text=T.BTN_SEND_LOCATION, request_location=True)],
        [KeyboardButton(text=T.BTN_CALL_NOW)],
        [KeyboardButton(text=T.BTN_CALL_CANCEL)],
    ], resize_keyboard=True, one_time_keyboard=True)


async def on_button(message: Message, deps: Deps, state: FSMContext) -> None:
    await state.set_state(CallInput.location)
    await deps.notifier.send_message(message.chat.id, T.EMERGENCY_ASK_LOCATION, reply_markup=location_keyboard())


async def on_location(message: Message, deps: Deps, services: ServiceDeps, state: FSMContext) -> None:
    loc = message.location
    await call(message, deps, services, state, loc.latitude, loc.longitude)


async def on_call_now(message: Message, deps: Deps, services: ServiceDeps, state: FSMContext) -> None:
    await call(message, deps, services, state, None, None)


async def on_cancel(message: Message, deps: Deps, state: FSMContext) -> None:
    await state.set_state(None)
    await deps.notifier.send_message(message.chat.id, T.EMERGENCY_CANCELLED, reply_markup=resident_keyboard())


async def call(message: Message, deps: Deps, services: ServiceDeps, state: FSMContext,
               latitude: float | None, longitude: float | None) -> None:
    user, chat_id = message.from_user, message.chat.id
    await state.set_state(None)
    try:
        outcome = await services.emergency.call(user.id, chat_id, message.message_id, T.EMERGENCY_TICKET_TEXT,
                                                user.full_name, latitude, longitude)
    except NotRegistered:
        await deps.notifier.send_message(chat_id, T.EMERGENCY_NEED_GRID, reply_markup=resident_keyboard())
        return
    view = outcome.ticket
    if outcome.duplicate:
        await deps.notifier.send_message(chat_id, T.EMERGENCY_DUPLICATE.format(id=view.id), reply_markup=resident_keyboard())
        return
    with outbox.holding(deps.service.sf, (outcome.ack_row, outcome.card_row)):  # not stolen by a sweep
        # Staff first: every second counts more for them than for the caller's receipt.
        await alert(deps, services, outcome)
        await deps.notifier.send_message(chat_id, T.EMERGENCY_ACK.format(id=view.id, n=len(outcome.alerts)),
                                         reply_markup=resident_keyboard(),
                                         record=recorder(deps.service, outcome.ack_row))
    if await deps.service.relay.ask_phone(view.id, "emergency"):
        # A number the handlers can call: asked once, with Telegram's contact button.
        await deps.notifier.send_message(chat_id, T.PHONE_ASK_EMERGENCY, reply_markup=contact_keyboard())


async def alert(deps: Deps, services: ServiceDeps, outcome: EmergencyOutcome) -> None:
    v = outcome.ticket
    locales = await recipient_locales(deps, (a.chat_id for a in outcome.alerts))
    sent: list[tuple[int, int]] = []
    for a in outcome.alerts:
        with speaking(locales.get(a.chat_id)):
            text = with_reporter(task_card(v, deps.tz, T.EMERGENCY_ALERT_BADGE), v, True)
            # 签收 for whoever may take it (handler, backup, cadre); a grid member who is
            # not the handler is alerted only.
            markup = None if a.role == MEMBER else task_buttons(v)
        # The handler's alert is the card intake queued for them (recorded as it).
        row = outcome.card_row if a.chat_id == v.assignee_telegram_id else None
        delivery = await deps.notifier.send_message(a.chat_id, text, reply_markup=markup,
                                                    record=recorder(deps.service, row))
        if delivery.ok and delivery.message_id:
            sent.append((a.chat_id, delivery.message_id))
        if v.latitude is not None and v.longitude is not None:
            await deps.notifier.send_location(a.chat_id, latitude=v.latitude, longitude=v.longitude)
    # Kept, so that when one of them takes it the others' cards say who did (settle_cards).
    await services.emergency.record_cards(v.id, sent)


async def settle_cards(deps: Deps, services: ServiceDeps | None, ticket_id: int, taker_id: int, taker: str) -> None:
    """One person took a ticket alerted to several: the others' cards say who, without buttons."""
    if services is None:
        return
    cards = await services.emergency.settle_cards(ticket_id, taker_id)
    locales = await recipient_locales(deps, (chat for chat, _ in cards))
    for chat_id, message_id in cards:
        with speaking(locales.get(chat_id)):
            text = T.ALERT_TAKEN.format(id=ticket_id, who=escape(taker))
        await deps.notifier.edit_message_text(chat_id, message_id, text)
