"""改类 (staff correct a ticket's category) and 合并 (a cadre merges duplicates: a button or /merge)."""
from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from handlers.shared.cadre_callbacks import MergeCb, ToolCb
from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.i18n import T, category_label
from handlers.shared.refusals import refusal
from handlers.views.cadre_cards import merge_buttons
from handlers.views.render import category_buttons
from tickets.errors import NotFound, WorkflowError
from tickets.lifecycle import Action
from tickets.policy import can


def build_router() -> Router:
    router = Router(name="corrections")
    router.message.register(on_merge_command, Command("merge"))
    router.callback_query.register(on_recategorize_menu, ToolCb.filter(F.action == "cat"))
    router.callback_query.register(on_merge_menu, ToolCb.filter(F.action == "merge"))
    router.callback_query.register(on_merge, MergeCb.filter())
    return router


async def on_recategorize_menu(query: CallbackQuery, callback_data: ToolCb, deps: Deps) -> None:
    """The picker only; the choice goes through service.choose_category (report.on_category),
    which checks again and stores the correction as a "recategorize" event {from, to}."""
    try:
        view, _, actor = await deps.service.detail(query.from_user.id, callback_data.ticket_id)
    except NotFound:
        await query.answer(T.BUTTON_EXPIRED, show_alert=True)
        return
    if not can(actor, Action.RECATEGORIZE, view.scope):
        await query.answer(T.NOT_ALLOWED, show_alert=True)
        return
    await query.answer()
    await deps.notifier.send_message(
        query.from_user.id, T.RECATEGORIZE_PICK.format(id=view.id, category=escape(category_label(view.category))),
        reply_markup=category_buttons(view.id, (), deps.categories))


async def on_merge_menu(query: CallbackQuery, callback_data: ToolCb, deps: Deps) -> None:
    try:
        view, found = await deps.cadre.duplicates.candidates(query.from_user.id, callback_data.ticket_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    if not found:
        await query.answer(T.TICKET_MERGE_NONE, show_alert=True)
        return
    await query.answer()
    await deps.notifier.send_message(query.from_user.id, T.TICKET_MERGE_PICK.format(id=view.id),
                                     reply_markup=merge_buttons(view.id, found))


async def _merge(deps: Deps, user_id: int, source_id: int, target_id: int):
    outcome = await deps.cadre.duplicates.merge(user_id, source_id, target_id)
    await deliver(deps, outcome.notices)
    return T.TICKET_MERGED_OK.format(id=source_id, into=target_id)


async def on_merge(query: CallbackQuery, callback_data: MergeCb, deps: Deps) -> None:
    try:
        done = await _merge(deps, query.from_user.id, callback_data.ticket_id, callback_data.into_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer(done)
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)


async def on_merge_command(message: Message, command: CommandObject, deps: Deps) -> None:
    args = [a.lstrip("#") for a in (command.args or "").split()]
    if len(args) != 2 or not all(a.isdigit() and len(a) <= 12 for a in args):
        await deps.notifier.send_message(message.chat.id, T.TICKET_MERGE_USAGE)
        return
    try:
        done = await _merge(deps, message.from_user.id, int(args[0]), int(args[1]))
    except NotFound:
        await deps.notifier.send_message(message.chat.id, T.TICKET_NOT_FOUND.format(id=args[0] + "/" + args[1]))
        return
    except WorkflowError as exc:
        await deps.notifier.send_message(message.chat.id, refusal(exc))
        return
    await deps.notifier.send_message(message.chat.id, done)
