"""A resident's privacy: /privacy (what is stored, delete it), /anonymous, /phone and a
shared contact. Buttons carry a one-time nonce kept in the presser's own dialog state,
so a forged or forwarded button cannot act for anyone."""
from __future__ import annotations

import hmac
import secrets
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from handlers.shared.callbacks import PrivacyCb
from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from handlers.shared.orgdeps import OrgDeps
from handlers.shared.service_delivery import deliver_orders
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.service_cards import resident_keyboard
from organisation.privacy import normalise_phone

NONCE_KEY = "privacy_nonce"
ON_WORDS, OFF_WORDS = {"on", "1", "开", "开启", "是"}, {"off", "0", "关", "关闭", "否"}


def build_router() -> Router:
    router = Router(name="privacy")
    router.message.register(on_privacy, Command("privacy"))
    router.message.register(on_anonymous, Command("anonymous"))
    router.message.register(on_phone, Command("phone"))
    router.message.register(on_contact, F.contact)
    router.callback_query.register(on_button, PrivacyCb.filter())
    return router


async def _nonce(state: FSMContext) -> str:
    nonce = secrets.token_urlsafe(6)
    await state.update_data(**{NONCE_KEY: nonce})
    return nonce


def _kb(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows])


async def on_privacy(message: Message, deps: Deps, org: OrgDeps, state: FSMContext) -> None:
    stored = await org.privacy.stored(message.from_user.id)
    if not stored.registered:
        await deps.notifier.send_message(message.chat.id, T.PRIVACY_NOT_REGISTERED)
        return
    text = T.PRIVACY_INFO.format(
        name=escape(stored.name) or T.PRIVACY_NONE, grid=escape(stored.grid_name) or T.PRIVACY_NONE,
        phone=stored.phone_masked or T.PRIVACY_NONE, anonymous=T.PRIVACY_ON if stored.anonymous else T.PRIVACY_OFF,
        tickets=stored.tickets, open=stored.open_tickets, orders=stored.orders, open_orders=stored.open_orders,
    )
    nonce = await _nonce(state)
    anon = T.BTN_ANON_OFF if stored.anonymous else T.BTN_ANON_ON
    markup = _kb([[(anon, PrivacyCb(action="anon", nonce=nonce).pack())],
                  [(T.BTN_ERASE, PrivacyCb(action="ask", nonce=nonce).pack())]])
    await deps.notifier.send_message(message.chat.id, text, reply_markup=markup)


async def _set_anonymous(deps: Deps, org: OrgDeps, chat_id: int, user_id: int, on: bool) -> None:
    if not await org.privacy.set_anonymous(user_id, on):
        await deps.notifier.send_message(chat_id, T.NEED_JOIN_FIRST)
        return
    await deps.notifier.send_message(chat_id, T.ANON_ON if on else T.ANON_OFF)


async def on_anonymous(message: Message, command: CommandObject, deps: Deps, org: OrgDeps) -> None:
    word = (command.args or "").strip().lower()[:10]
    if word in ON_WORDS or word in OFF_WORDS:
        await _set_anonymous(deps, org, message.chat.id, message.from_user.id, word in ON_WORDS)
        return
    stored = await org.privacy.stored(message.from_user.id)
    now = T.PRIVACY_ON if stored.anonymous else T.PRIVACY_OFF
    await deps.notifier.send_message(message.chat.id, T.ANON_USAGE.format(now=now))


async def on_phone(message: Message, command: CommandObject, deps: Deps, org: OrgDeps) -> None:
    if (command.args or "").strip().lower()[:10] in OFF_WORDS | {"delete", "删除"}:
        await org.privacy.set_phone(message.from_user.id, None)
        await deps.notifier.send_message(message.chat.id, T.PHONE_REMOVED, reply_markup=resident_keyboard())
        return
    keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=T.BTN_SHARE_PHONE, request_contact=True)]],
                                   resize_keyboard=True, one_time_keyboard=True)
    await deps.notifier.send_message(message.chat.id, T.PHONE_ASK, reply_markup=keyboard)


async def on_contact(message: Message, deps: Deps, org: OrgDeps, services: ServiceDeps | None = None) -> None:
    contact = message.contact
    # The contact button goes; the persistent 我要点单 / 紧急求助 buttons it replaced come back.
    if contact.user_id != message.from_user.id:
        await deps.notifier.send_message(message.chat.id, T.PHONE_NOT_YOURS, reply_markup=resident_keyboard())
        return
    phone = normalise_phone(contact.phone_number)
    if phone is None:
        await deps.notifier.send_message(message.chat.id, T.PHONE_INVALID, reply_markup=resident_keyboard())
        return
    masked = await org.privacy.set_phone(message.from_user.id, phone)
    await deps.notifier.send_message(message.chat.id, T.PHONE_SAVED.format(masked=masked),
                                     reply_markup=resident_keyboard())
    # Whoever asked for it (a handler's 请求电话, an emergency, an order served at home) is
    # told, in private, now.
    await deliver(deps, await deps.service.relay.phone_shared(message.from_user.id))
    if services is not None:
        await deliver_orders(deps, await services.orders.relay.phone_shared(message.from_user.id))


async def on_button(query: CallbackQuery, callback_data: PrivacyCb, deps: Deps, org: OrgDeps,
                    state: FSMContext) -> None:
    expected = (await state.get_data()).get(NONCE_KEY)
    if not expected or not hmac.compare_digest(str(expected), callback_data.nonce):
        await query.answer(T.BUTTON_EXPIRED, show_alert=True)
        return
    user_id = query.from_user.id
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    match callback_data.action:
        case "anon":
            await _nonce(state)  # each button works once
            stored = await org.privacy.stored(user_id)
            await _set_anonymous(deps, org, user_id, user_id, not stored.anonymous)
        case "ask":
            stored = await org.privacy.stored(user_id)
            nonce = await _nonce(state)
            markup = _kb([[(T.BTN_ERASE_YES, PrivacyCb(action="yes", nonce=nonce).pack()),
                           (T.BTN_ERASE_NO, PrivacyCb(action="no", nonce=nonce).pack())]])
            orders = T.ERASE_CONFIRM_ORDERS.format(n=stored.orders, open=stored.open_orders) if stored.orders else ""
            await deps.notifier.send_message(user_id, T.ERASE_CONFIRM.format(n=stored.tickets, orders=orders),
                                             reply_markup=markup)
        case "yes":
            n = await org.privacy.erase(user_id)
            await state.clear()  # a half-typed report or a saved location goes too
            await deps.notifier.send_message(user_id, T.ERASED.format(n=n))
        case _:
            await _nonce(state)
            await deps.notifier.send_message(user_id, T.ERASE_CANCELLED)
