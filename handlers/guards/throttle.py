"""Flood guard: an outer middleware that drops a person's updates beyond a rate, before
any handler or database work, and tells them once per window. Others are not slowed:
it is a dictionary look-up per update. With `shared` (storage.shared_limits.RedisWindow),
the count is kept in Redis, so a person spreading updates over several instances is
counted once."""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from handlers.shared.i18n import T

MAX_TRACKED = 50_000  # people remembered at once; idle ones are forgotten first


class FloodGuard(BaseMiddleware):
    def __init__(self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic,
                 shared: Any = None) -> None:
        self.limit = limit
        self.shared = shared  # a Window (hit(key, now) -> bool) shared by the instances
        self.seconds = seconds
        self.clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self.dropped = 0

    def allow(self, user_id: int) -> bool:
        now = self.clock()
        hits = self._hits.get(user_id)
        if hits is None:
            if len(self._hits) >= MAX_TRACKED:
                self._forget(now)
            hits = self._hits[user_id] = deque(maxlen=self.limit)
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    async def _allow(self, user_id: int) -> bool:
        if self.shared is None:
            return self.allow(user_id)
        try:
            return await self.shared.hit(user_id, time.time())
        except Exception:  # noqa: BLE001 - Redis away: fall back to this instance's count
            return self.allow(user_id)

    def _forget(self, now: float) -> None:
        for uid in [u for u, h in self._hits.items() if not h or h[-1] <= now - self.seconds]:
            self._hits.pop(uid, None)
            self._warned.pop(uid, None)
        if len(self._hits) >= MAX_TRACKED:  # all busy: start over rather than grow
            self._hits.clear()
            self._warned.clear()

    def should_warn(self, user_id: int) -> bool:
        now = self.clock()
        if now - self._warned.get(user_id, -1e18) < self.seconds:
            return False
        self._warned[user_id] = now
        return True

    async def __call__(
        self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject, data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        if self.limit <= 0 or user is None or await self._allow(user.id):
            return await handler(event, data)
        self.dropped += 1
        if self.should_warn(user.id):
            await self._warn(event, data, user.id)
        return None

    async def _warn(self, event: TelegramObject, data: dict[str, Any], user_id: int) -> None:
        text = T.FLOOD.format(seconds=max(int(self.seconds), 1))
        query = event.callback_query if isinstance(event, Update) else None
        if query is not None:
            await query.answer(text, show_alert=True)
            return
        deps = data.get("deps")
        if deps is not None:
            await deps.notifier.send_message(user_id, text)
