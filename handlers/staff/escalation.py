"""吹哨报到: the cadre picks a department; the department's contact 签收 (报到) on its card.
办结 goes through the staff dialog of handlers.staff.tasks (a note, maybe a photo)."""
from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.types import CallbackQuery

from handlers.shared.cadre_callbacks import EscalateCb, ToolCb
from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.i18n import T, category_label
from handlers.shared.refusals import refusal
from handlers.views.cadre_cards import department_buttons, department_task_buttons
from tickets.errors import WorkflowError


def build_router() -> Router:
    router = Router(name="escalation")
    router.callback_query.register(on_menu, ToolCb.filter(F.action == "esc"))
    router.callback_query.register(on_escalate, EscalateCb.filter())
    router.callback_query.register(on_department_accept, ToolCb.filter(F.action == "dacc"))
    return router


async def on_menu(query: CallbackQuery, callback_data: ToolCb, deps: Deps) -> None:
    try:
        view, departments = await deps.cadre.escalations.departments(query.from_user.id, callback_data.ticket_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    if not departments:
        await query.answer(T.NO_DEPARTMENTS, show_alert=True)
        return
    await query.answer()
    await deps.notifier.send_message(
        query.from_user.id, T.ESCALATE_PICK.format(id=view.id, category=escape(category_label(view.category))),
        reply_markup=department_buttons(view.id, departments))


async def on_escalate(query: CallbackQuery, callback_data: EscalateCb, deps: Deps) -> None:
    try:
        outcome = await deps.cadre.escalations.escalate(query.from_user.id, callback_data.ticket_id,
                                                        callback_data.unit_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    view = outcome.ticket
    await query.answer(T.ESCALATED_OK.format(id=view.id, department=view.department_name))
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await deliver(deps, outcome.notices)


async def on_department_accept(query: CallbackQuery, callback_data: ToolCb, deps: Deps) -> None:
    try:
        outcome = await deps.cadre.escalations.accept(query.from_user.id, callback_data.ticket_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    view = outcome.ticket
    await query.answer(T.ACCEPTED_OK.format(id=view.id))
    if query.message:
        # 签收 done: only 办结 is left on the card.
        await query.message.edit_reply_markup(reply_markup=department_task_buttons(view))
    await deliver(deps, outcome.notices)
