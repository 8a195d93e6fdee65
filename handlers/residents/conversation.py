"""A conversation, not a form: what is not a report gets an answer, not a ticket.

* Staff, department contacts and volunteers writing outside a dialog get a short menu of
  what they can do; /report is how they report as residents.
* A resident's greeting, thanks or acknowledgement (nlp intent `chat`) gets a short, warm
  answer in context and a hint of what the bot does.
* When the classifier is `unsure`, one tap decides: 上报 opens the ticket from the kept
  text, 不用了 keeps it and leaves 上报 on the question (until the dialog expires).
* Follow-ups, whatever the intent: a short message chasing an open ticket (催办) gets that
  ticket's state; "为什么无效" right after a 无效 gets where the reason is and how to report again.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
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
from handlers.views.chat_replies import chat_reply, progress_reply
from nlp.textnorm import word_chars
from tickets.lifecycle import OPEN_STATES, State
from tickets.policy import Role
from tickets.reports import Report

UNSURE_KEY = "unsure_report"
CONTEXT_WINDOW = timedelta(hours=2)  # a "谢谢" this soon after a change to their ticket is about it
KEPT_QUESTIONS = 5  # unanswered questions whose texts are kept; older ones expire
# A question about their report's progress (said as chat, not as a new problem).
PROGRESS = ("怎么样了", "进展", "进度", "处理得", "处理了没", "有结果", "什么时候处理", "处理好了吗")
# A resident answering a 无效 on their ticket ("为什么无效？") names it.
VERDICT_WORDS = ("无效",)
# Chasing an open ticket (催办): when, why not yet, hurry. A message this short with such
# words is about the ticket they have, not a new problem, whatever the intent model says.
CHASING = ("什么时候来", "什么时候修", "什么时候能", "多久", "还没人", "没人来", "没人管", "有人管吗", "怎么还没",
           "催一下", "催催", "加急", "快点处理", "还要等")
FOLLOW_UP_CHARS = 10  # letters and CJK characters


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
    lines = [T.STAFF_FREE_TEXT if actor.is_staff else T.VOLUNTEER_FREE_TEXT]
    if actor.has_role(Role.COMMUNITY_CADRE) or actor.has_role(Role.STREET_CADRE):
        lines.append(T.STAFF_MENU_CADRE)
    elif actor.is_staff:
        lines.append(T.STAFF_MENU_MEMBER)
    else:
        lines.append(T.STAFF_MENU_VOLUNTEER)
    lines.append(T.STAFF_REPORT_HINT)
    await deps.notifier.send_message(message.chat.id, "\n".join(lines))
    return True


async def answered_follow_up(message: Message, deps: Deps, report: Report) -> bool:
    """True (and answered) when a short message chases or asks after their open ticket ("怎么还没人来",
    "还要等多久", "我投诉的那个怎么样了"): its state and handler, and how to report something
    new, rather than a ticket about waiting. False when they have no open ticket."""
    text = report.text
    if len(word_chars(text)) > FOLLOW_UP_CHARS or not any(w in text for w in (*PROGRESS, *CHASING)):
        return False
    tickets = await deps.queries.my_tickets(message.from_user.id, 5)
    if not any(v.state in OPEN_STATES for v in tickets):
        return False
    await deps.notifier.send_message(message.chat.id, f"{progress_reply(tickets)}\n{T.CHAT_NEW_PROBLEM_HINT}")
    return True


async def answered_about_verdict(message: Message, deps: Deps, report: Report) -> bool:
    """True (and answered) when the resident reacts to their ticket's 无效 soon after it
    ("为什么无效？", "凭什么说无效"): they are told where the reason is and how to report again,
    rather than being given a ticket about the verdict."""
    if not any(word in report.text for word in VERDICT_WORDS):
        return False
    context = await deps.queries.changed_since(message.from_user.id, deps.service.clock() - CONTEXT_WINDOW)
    if context is None or context.state != State.INVALID:
        return False
    await deps.notifier.send_message(message.chat.id, T.CHAT_AFTER_INVALID.format(id=context.id))
    return True


async def answered_chat(message: Message, deps: Deps, report: Report, reading: Any) -> bool:
    """True (and answered) when the classifier's reading is small talk."""
    if getattr(reading, "intent", "report") != "chat":
        return False
    if any(word in report.text for word in PROGRESS):
        reply = progress_reply(await deps.queries.my_tickets(message.from_user.id, 5))
    else:
        since = deps.service.clock() - CONTEXT_WINDOW
        context = await deps.queries.changed_since(message.from_user.id, since)
        reply = chat_reply(report.text, reading.intent_cues, context)
    await deps.notifier.send_message(message.chat.id, reply)
    return True


async def asked_if_report(message: Message, deps: Deps, state: FSMContext, report: Report, reading: Any) -> bool:
    """True (and asked, 上报 / 不用了) when the classifier's reading is unsure. Each question
    keeps its own text (by the resident's message_id), so two questions asked in a row each
    report what they asked about."""
    if getattr(reading, "intent", "report") == "unsure":
        kept = _kept(await state.get_data())
        kept[str(report.message_id)] = asdict(report)
        await state.update_data(**{UNSURE_KEY: dict(list(kept.items())[-KEPT_QUESTIONS:])})
        await deps.notifier.send_message(message.chat.id, T.ASK_IF_REPORT,
                                         reply_markup=_question_markup(report.message_id, with_no=True))
        return True
    return False


def _kept(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The texts still waiting for 上报 / 不用了: {message_id: Report fields}, oldest first."""
    kept = data.get(UNSURE_KEY)
    if not isinstance(kept, dict) or "telegram_id" in kept:  # none, or one kept the old way
        return {}
    return dict(kept)


def _question_markup(ref: int, *, with_no: bool) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(text=T.BTN_REPORT_YES, callback_data=IntentCb(choice="yes", ref=ref).pack())]
    if with_no:
        row.append(InlineKeyboardButton(text=T.BTN_REPORT_NO, callback_data=IntentCb(choice="no", ref=ref).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[row])


async def on_intent_choice(query: CallbackQuery, callback_data: IntentCb, deps: Deps, state: FSMContext) -> None:
    """上报 opens the ticket from the text this question asked about; 不用了 keeps it and
    leaves only 上报 on the question. Once the text is gone (reported, or expired with the
    dialog), the buttons go and the resident is told to send it again."""
    kept = _kept(await state.get_data())
    report = kept.get(str(callback_data.ref))
    if not report or report.get("telegram_id") != query.from_user.id:
        await query.answer(T.REPORT_QUESTION_EXPIRED, show_alert=True)
        if query.message and getattr(query.message, "reply_markup", None):
            await query.message.edit_reply_markup(reply_markup=None)
        return
    if callback_data.choice != "yes":
        await query.answer()
        if query.message:
            await query.message.edit_reply_markup(reply_markup=_question_markup(callback_data.ref, with_no=False))
        await deps.notifier.send_message(query.from_user.id, T.REPORT_KEPT)
        return
    del kept[str(callback_data.ref)]
    await state.update_data(**{UNSURE_KEY: kept})
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    report["photos"] = tuple(report.get("photos") or ())
    await submit(deps, state, Report(**report), check_duplicates=True)
