"""Personal data goes to private chats only. In a group, supergroup or channel the bot
answers "请私聊我" once per chat (at most once a day, so a busy group is not spammed) and
does nothing else: no ticket, no card, no resident's name or phone in the group.

An outer middleware on the update, before any handler or database work.
"""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from handlers.shared.i18n import T

REMIND_EVERY = 24 * 3600.0  # seconds between two "请私聊我" in the same group
MAX_TRACKED = 10_000


class PrivateOnly(BaseMiddleware):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._told: dict[int, float] = {}
        self.dropped = 0

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = data.get("event_chat")
        if chat is None or chat.type == "private":
            return await handler(event, data)  # private chats, polls and poll answers
        self.dropped += 1
        query = event.callback_query if isinstance(event, Update) else None
        if query is not None:
            await query.answer(T.PRIVATE_ONLY, show_alert=True)
        elif chat.type != "channel" and self._first_today(chat.id):
            bot = data.get("bot")
            if bot is not None:
                await bot.send_message(chat.id, T.PRIVATE_ONLY)
        return None

    def _first_today(self, chat_id: int) -> bool:
        now = self.clock()
        if len(self._told) >= MAX_TRACKED:
            self._told = {c: t for c, t in self._told.items() if now - t < REMIND_EVERY}
        if now - self._told.get(chat_id, -REMIND_EVERY) < REMIND_EVERY:
            return False
        self._told[chat_id] = now
        return True
