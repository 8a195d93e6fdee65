"""Callback data sanity, before any handler: buttons carry row ids (int4 in PostgreSQL), so
a number outside that range is forged, and would otherwise reach the database as an
overflow error. Refused with the same answer as any stale button."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, TelegramObject

from handlers.shared.i18n import T

ID_LIMIT = 2**31 - 1
_NUMBER = re.compile(r"-?\d+")


def plausible(data: str | None) -> bool:
    if not data or len(data.encode("utf-8")) > 64:
        return False
    return all(abs(int(part)) <= ID_LIMIT for part in data.split(":") if _NUMBER.fullmatch(part))


class CallbackGuard(BaseMiddleware):
    async def __call__(
        self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject, data: dict[str, Any],
    ) -> Any:
        if isinstance(event, CallbackQuery) and not plausible(event.data):
            await event.answer(T.BUTTON_EXPIRED, show_alert=True)
            return None
        return await handler(event, data)
