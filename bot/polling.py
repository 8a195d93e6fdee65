"""Polling that confirms an update to Telegram only once it has been handled.

aiogram's polling confirms every update of a batch with the next getUpdates (its offset),
while the batch's updates may still be in hand: a crash then loses them, Telegram having
forgotten them. Here the offset stays at the oldest update still in hand, so a crash leaves
it queued at Telegram and the next start gets it again; the replay guard
(handlers.guards.replays) keeps an update handled before the crash from acting twice.
Updates a getUpdates returns again while still in hand here are not handled twice.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

log = logging.getLogger(__name__)

IDLE = 0.2  # seconds between two polls that brought only updates already in hand


class ConfirmWhenHandled:
    def __init__(self) -> None:
        self.in_hand: set[int] = set()
        self.next_id = 0  # every update below it was handed out (or confirmed before we started)

    def install(self, dp: Dispatcher) -> Dispatcher:
        process = dp._process_update

        async def tracked(bot: Bot, update: Update, **kwargs: Any) -> Any:
            try:
                return await process(bot=bot, update=update, **kwargs)
            finally:
                self.in_hand.discard(update.update_id)

        dp._process_update = tracked  # type: ignore[method-assign]
        dp._listen_updates = self.listen  # type: ignore[method-assign]
        return dp

    def offset(self) -> int | None:
        """Everything below it is handled: what getUpdates may confirm."""
        return min(self.in_hand, default=self.next_id) or None

    async def listen(self, bot: Bot, polling_timeout: int = 30, backoff_config: BackoffConfig | None = None,
                     allowed_updates: list[str] | None = None) -> AsyncGenerator[Update, None]:
        backoff = Backoff(config=backoff_config) if backoff_config else Backoff()
        get_updates = GetUpdates(timeout=polling_timeout, allowed_updates=allowed_updates)
        kwargs = {"request_timeout": int(bot.session.timeout + polling_timeout)} if bot.session.timeout else {}
        while True:
            get_updates.offset = self.offset()
            try:
                updates = await bot(get_updates, **kwargs)
            except Exception as exc:  # noqa: BLE001 - as aiogram: a network error must not stop polling
                log.error("Failed to fetch updates - %s: %s", type(exc).__name__, exc)
                await backoff.asleep()
                continue
            backoff.reset()
            fresh = [u for u in updates if u.update_id >= self.next_id and u.update_id not in self.in_hand]
            for update in fresh:
                self.in_hand.add(update.update_id)
                self.next_id = update.update_id + 1
                yield update
            if updates and not fresh:
                await asyncio.sleep(IDLE)  # only updates still in hand: do not spin on them
