"""A conversation, not a form: what is not a report gets an answer, not a ticket.

* Staff, department contacts and volunteers writing outside a dialog get a short menu of
  what they can do; /report is how they report as residents.
* A resident's greeting, thanks or acknowledgement (nlp intent `chat`) gets a short, warm
  answer in context and a hint of what the bot does.
* When the classifier is `unsure`, one tap decides: 上报 opens the ticket from the kept
  text, 不用了 keeps it (the buttons work until the dialog expires).
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from handlers.residents.submission import submit
from handlers.shared.callbacks import IntentCb
from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from tickets.policy import Role
from tickets.reports import Report

UNSURE_KEY = "unsure_report"
THANKS = ("谢", "感谢", "辛苦", "thank", "thx")
ACKS = ("好的", "收到", "嗯", "行", "可以", "ok", "明白", "知道了", "👌", "👍")


async def not_a_resident_report(message: Message, deps: Deps, services: Any = None) -> bool:
    """True (and answered) when the sender is staff or a registered volunteer."""
    if services is not None and not await services.roster.staff_or_volunteer(message.from_user.id):
        return False  # most messages: one query says so
    actor = await deps.queries.actor(message.from_user.id)
    staff = actor.is_staff
    if not staff and services is not None:
        staff = bool(await services.roster.memberships(message.from_user.id))
    if not staff:
        return False
    lines = [T.STAFF_FREE_TEXT]
    if actor.has_role(Role.COMMUNITY_CADRE) or actor.has_role(Role.STREET_CADRE):
        lines.append(T.STAFF_MENU_CADRE)
    elif actor.is_staff:
        lines.append(T.STAFF_MENU_MEMBER)
    else:
        lines.append(T.STAFF_MENU_VOLUNTEER)
    lines.append(T.STAFF_REPORT_HINT)
    await deps.notifier.send_message(message.chat.id, "\n".join(lines))
    return True


def chat_reply(text: str, cues: tuple[str, ...]) -> str:
    """The answer to small talk, by what it was: thanks, an acknowledgement, or a greeting
    or question about the bot (with a hint of what it does)."""
    said = " ".join((text, *cues)).lower()
    if any(word in said for word in THANKS):
        return T.CHAT_THANKS
    if any(word in said for word in ACKS):
        return T.CHAT_ACK
    return T.CHAT_GREETING


async def answered_as_chat(message: Message, deps: Deps, state: FSMContext, report: Report) -> bool:
    """True when the message was small talk (answered) or unsure (asked); False: a report."""
    reading = deps.service.understand(report.text)
    return await answered_chat(message, deps, report, reading) or await asked_if_report(
        message, deps, state, report, reading)


async def answered_chat(message: Message, deps: Deps, report: Report, reading: Any) -> bool:
    """True (and answered) when the classifier's reading is small talk."""
    if getattr(reading, "intent", "report") != "chat":
        return False
    await deps.notifier.send_message(message.chat.id, chat_reply(report.text, reading.intent_cues))
    return True


async def asked_if_report(message: Message, deps: Deps, state: FSMContext, report: Report, reading: Any) -> bool:
    """True (and asked, 上报 / 不用了) when the classifier's reading is unsure."""
    if getattr(reading, "intent", "report") == "unsure":
        await state.update_data(**{UNSURE_KEY: asdict(report)})
        markup = InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text=T.BTN_REPORT_YES, callback_data=IntentCb(choice="yes").pack()),
            InlineKeyboardButton(text=T.BTN_REPORT_NO, callback_data=IntentCb(choice="no").pack()),
        ]])
        await deps.notifier.send_message(message.chat.id, T.ASK_IF_REPORT, reply_markup=markup)
        return True
    return False


async def on_intent_choice(query: CallbackQuery, callback_data: IntentCb, deps: Deps, state: FSMContext) -> None:
    kept = (await state.get_data()).get(UNSURE_KEY)
    if not kept or kept.get("telegram_id") != query.from_user.id:
        await query.answer(T.BUTTON_EXPIRED, show_alert=True)
        return
    if callback_data.choice != "yes":
        await query.answer()
        if query.message:
            await query.message.edit_reply_markup(reply_markup=None)
        await deps.notifier.send_message(query.from_user.id, T.REPORT_KEPT)
        return
    await state.update_data(**{UNSURE_KEY: None})
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    kept["photos"] = tuple(kept.get("photos") or ())
    await submit(deps, state, Report(**kept), check_duplicates=True)
