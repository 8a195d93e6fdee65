"""Replays: an outer middleware that makes every command idempotent (storage.updates).

An update Telegram sends again (same update_id, or the same chat and message) is dropped
unanswered when it was handled before. Otherwise it is handled with its keys in context:
the first transaction that writes records them with the command's effect; if another
handler recorded them first, that transaction rolls back (`ReplayedUpdate`) and the
replay ends here, silently. A handling that wrote nothing is recorded once it is done.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from storage import updates

log = logging.getLogger(__name__)


class ReplayGuard(BaseMiddleware):
    def __init__(self, session_factory: Any, clock: Callable[[], datetime], write_lock: Any = None) -> None:
        self.sf = session_factory
        self.clock = clock
        self.write_lock = write_lock  # SQLite's single writer: the workflow's lock
        self.dropped = 0

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        message = event.message
        keys = updates.keys_of(event.update_id, message.chat.id if message else None,
                               message.message_id if message else None)
        async with self.sf() as session:
            if await updates.seen(session, keys):
                return self._drop(keys)
        with updates.handling(keys, self.clock()) as h:
            try:
                result = await handler(event, data)
            except updates.ReplayedUpdate:
                return self._drop(keys)
            async with self.write_lock or nullcontext():
                await updates.record(self.sf, h)
            return result

    def _drop(self, keys: list[str]) -> None:
        self.dropped += 1
        log.info("replayed update dropped: %s", keys[0] if keys else "?")
        return None
