"""Text hygiene at the door (storage.text): every message's text and caption reach the
handlers in NFC without control characters; a message with a NUL is refused with a clear
sentence and nothing else happens, so nothing half-stored is left behind."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject

from handlers.shared.i18n import T
from storage.text import BadText, clean_text


class TextHygiene(BaseMiddleware):
    """A message middleware (dp.message and dp.edited_message)."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Message) or (event.text is None and event.caption is None):
            return await handler(event, data)
        try:
            changes = {field: clean_text(value) for field in ("text", "caption")
                       if (value := getattr(event, field)) is not None}
        except BadText:
            await event.answer(T.NUL_REFUSED)
            return None
        if any(getattr(event, f) != v for f, v in changes.items()):
            event = event.model_copy(update=changes)
        return await handler(event, data)
