"""A report much like an open ticket: offer to follow that ticket, or open a new one anyway.

The report waits in the resident's dialog state (server side) until they choose, so the
buttons carry only the ticket id, and a press is honoured only for the ticket offered.
"""
from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from handlers.residents.submission import submit
from handlers.shared.cadre_callbacks import FollowCb
from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from handlers.shared.refusals import refusal
from tickets.errors import WorkflowError
from tickets.reports import Report


def build_router() -> Router:
    router = Router(name="duplicates")
    router.callback_query.register(on_choice, FollowCb.filter())
    return router


async def on_choice(query: CallbackQuery, callback_data: FollowCb, deps: Deps, state: FSMContext) -> None:
    kept = (await state.get_data()).get("duplicate")
    if not kept or kept.get("ticket_id") != callback_data.ticket_id:
        await query.answer(T.BUTTON_EXPIRED, show_alert=True)
        return
    report = Report(**{**kept["report"], "photos": tuple(kept["report"].get("photos") or ())})
    if report.telegram_id != query.from_user.id:
        await query.answer(T.BUTTON_EXPIRED, show_alert=True)
        return
    if callback_data.action == "follow":
        try:
            view = await deps.cadre.duplicates.follow(query.from_user.id, callback_data.ticket_id, report.text,
                                                      report.grid_id)
        except WorkflowError as exc:
            await query.answer(refusal(exc), show_alert=True)
            return
        await state.update_data(duplicate=None)
        await query.answer()
        if query.message:
            await query.message.edit_reply_markup(reply_markup=None)
        await deps.notifier.send_message(report.chat_id, T.FOLLOWING.format(id=view.id))
        return
    await state.update_data(duplicate=None)
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)

    await submit(deps, state, report, check_duplicates=False)
