"""/overdue and /stats for cadres, and the 打开 / 催办 buttons of the overdue list."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from figures.periods import PeriodError, parse_period
from handlers.residents.lookup import show_ticket
from handlers.shared.cadre_callbacks import ToolCb
from handlers.shared.delivery import deliver, send
from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from handlers.shared.refusals import refusal
from handlers.views.cadre_cards import overdue_card, overdue_header, stats_messages
from handlers.views.closing_cards import invalid_summary
from supervision.overdue import NobodyToRemind, RemindedRecently
from tickets.errors import NotAllowed, NotFound, WorkflowError
from tickets.lifecycle import Action
from tickets.policy import can

OVERDUE_ACTIONS = (Action.REMIND, Action.REASSIGN, Action.ESCALATE)


def build_router() -> Router:
    router = Router(name="oversight")
    router.message.register(on_overdue, Command("overdue"))
    router.message.register(on_stats, Command("stats"))
    router.callback_query.register(on_open, ToolCb.filter(F.action == "open"))
    router.callback_query.register(on_remind, ToolCb.filter(F.action == "remind"))
    return router


async def on_overdue(message: Message, deps: Deps) -> None:
    user_id, chat_id = message.from_user.id, message.chat.id
    tools = deps.cadre.supervision
    try:
        found = await tools.overdue(user_id)
    except NotAllowed:
        await deps.notifier.send_message(chat_id, T.CADRES_ONLY)
        return
    hours = int(tools.soon.total_seconds() // 3600)
    # Every 无效 of the week in the summary: taken out of the figures, never out of sight.
    await deps.notifier.send_message(chat_id, overdue_header(found, hours) + "\n\n" + invalid_summary(found, deps.tz))
    actor = await deps.queries.actor(user_id)
    for item in found.items:
        actions = {a for a in OVERDUE_ACTIONS if can(actor, a, item.view.scope)}
        await send(deps, chat_id, overdue_card(item, actions, found.now, deps.tz))
    if found.overdue + found.soon > len(found.items):
        await deps.notifier.send_message(chat_id, T.OVERDUE_MORE.format(shown=len(found.items)))


async def on_stats(message: Message, command: CommandObject, deps: Deps) -> None:
    chat_id = message.chat.id
    stats = deps.cadre.stats
    try:
        period, unit = parse_period(command.args or "", stats.clock(), deps.tz)
    except PeriodError:
        await deps.notifier.send_message(chat_id, T.STATS_USAGE)
        return
    try:
        report = await stats.report(message.from_user.id, period, unit)
    except NotAllowed:
        await deps.notifier.send_message(chat_id, T.CADRES_ONLY)
        return
    except NotFound:
        await deps.notifier.send_message(chat_id, T.STATS_UNKNOWN_UNIT.format(unit=unit[:50]) + "\n\n" + T.STATS_USAGE)
        return
    for text in stats_messages(report, deps.tz):
        await deps.notifier.send_message(chat_id, text)


async def on_open(query: CallbackQuery, callback_data: ToolCb, deps: Deps) -> None:
    await query.answer()
    # /ticket's own checks apply: someone who may not see it is told it was not found.
    await show_ticket(deps, query.from_user.id, query.from_user.id, callback_data.ticket_id)


async def on_remind(query: CallbackQuery, callback_data: ToolCb, deps: Deps) -> None:
    try:
        outcome = await deps.cadre.supervision.remind(query.from_user.id, callback_data.ticket_id)
    except NobodyToRemind:
        await query.answer(T.NOBODY_TO_REMIND, show_alert=True)
        return
    except RemindedRecently:
        await query.answer(T.REMINDED_RECENTLY, show_alert=True)
        return
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer(T.REMIND_OK.format(id=outcome.ticket.id))
    await deliver(deps, outcome.notices)
