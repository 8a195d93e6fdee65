"""撤销: a resident withdraws their own ticket, from /my, the acknowledgement or /ticket,
after a one-tap confirmation (it cannot be undone). Thin: the workflow checks that the
presser reported it and that it is not resolved yet."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from handlers.shared.callbacks import WithdrawCb
from handlers.shared.delivery import deliver, send
from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from handlers.shared.refusals import refusal
from handlers.views.closing_cards import withdraw_confirm
from tickets.errors import Stale, WorkflowError
from tickets.lifecycle import Action, State


def build_router() -> Router:
    router = Router(name="withdrawal")
    router.callback_query.register(on_ask, WithdrawCb.filter(F.action == "ask"))
    router.callback_query.register(on_confirm, WithdrawCb.filter(F.action == "yes"))
    router.callback_query.register(on_keep, WithdrawCb.filter(F.action == "no"))
    return router


def _done_before(exc: WorkflowError) -> bool:
    """Withdrawn already (a second tap, an old /my): said plainly, not as a refusal."""
    return isinstance(exc, Stale) and exc.state == State.CANCELLED


async def on_ask(query: CallbackQuery, callback_data: WithdrawCb, deps: Deps) -> None:
    try:
        view = await deps.service.check(query.from_user.id, callback_data.ticket_id, Action.CANCEL)
    except WorkflowError as exc:
        if _done_before(exc):
            await query.answer(T.WITHDRAWN_OK.format(id=callback_data.ticket_id))
        else:
            await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer()
    await send(deps, query.from_user.id, withdraw_confirm(view))


async def on_confirm(query: CallbackQuery, callback_data: WithdrawCb, deps: Deps) -> None:
    try:
        outcome = await deps.service.cancel(query.from_user.id, callback_data.ticket_id)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    done = T.WITHDRAWN_OK.format(id=outcome.ticket.id)
    await query.answer(done)
    if query.message:  # the confirmation becomes the receipt, its buttons gone
        await query.message.edit_text(done, reply_markup=None)
    await deliver(deps, outcome.notices)


async def on_keep(query: CallbackQuery, callback_data: WithdrawCb) -> None:
    await query.answer()
    if query.message:
        await query.message.edit_text(T.WITHDRAW_KEPT.format(id=callback_data.ticket_id), reply_markup=None)
