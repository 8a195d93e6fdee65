"""回访: the resident says whether it is solved, then how satisfied they are."""
from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from handlers.shared.callbacks import RateCb
from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.i18n import T, note_label
from handlers.shared.refusals import refusal
from handlers.views.render import satisfaction_buttons
from tickets.errors import WorkflowError
from tickets.feedback import SATISFACTION_LABELS


def build_router() -> Router:
    router = Router(name="rating")
    router.callback_query.register(on_rate, RateCb.filter())
    return router


async def on_rate(query: CallbackQuery, callback_data: RateCb, deps: Deps) -> None:
    user_id, ticket_id, value = query.from_user.id, callback_data.ticket_id, callback_data.value
    try:
        if value in ("y", "n"):
            outcome = await deps.service.rate_solved(user_id, ticket_id, value == "y")
        else:
            outcome = await deps.service.rate_satisfaction(user_id, ticket_id, value)
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    if outcome.rating_round_open:
        await deps.notifier.send_message(user_id, T.ASK_SATISFACTION, reply_markup=satisfaction_buttons(ticket_id))
    elif value in SATISFACTION_LABELS and value != "dissatisfied":
        await deps.notifier.send_message(user_id, T.RATED_THANKS.format(rating=note_label(SATISFACTION_LABELS[value]), id=ticket_id))
    await deliver(deps, outcome.notices)
