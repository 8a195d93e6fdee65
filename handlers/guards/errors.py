"""An unexpected error in one update: apologise with a reference, log it, go on."""
from __future__ import annotations

import logging
import secrets

from aiogram import Router
from aiogram.types import ErrorEvent

from handlers.shared.i18n import T

log = logging.getLogger("gridbot.errors")


def build_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router


def _chat_id(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message:
        return update.message.chat.id
    if update.callback_query:
        return update.callback_query.from_user.id
    return None


async def on_error(event: ErrorEvent, deps=None) -> bool:
    ref = secrets.token_hex(4)
    # The update id and the exception only: message text may hold personal data.
    log.error("update %s failed [ref %s]", event.update.update_id, ref, exc_info=event.exception)
    chat_id = _chat_id(event)
    if chat_id is not None and deps is not None:
        try:
            if event.update.callback_query:
                await event.update.callback_query.answer(T.INTERNAL_ERROR.format(ref=ref), show_alert=True)
            else:
                await deps.notifier.send_message(chat_id, T.INTERNAL_ERROR.format(ref=ref))
        except Exception:  # the apology itself failed: the log has the reference
            log.exception("could not send the apology [ref %s]", ref)
    return True
