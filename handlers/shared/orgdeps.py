"""What the organisation, onboarding and privacy handlers are given (Dispatcher keyword
argument `org`), beside the core `deps`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import Bot

from organisation.gridmap import GridMap
from organisation.privacy import Privacy
from organisation.staffing import Staffing


@dataclass(frozen=True)
class OrgDeps:
    staffing: Staffing
    privacy: Privacy
    gridmap: GridMap
    outbox: Any  # bot.jobs.outbox.OutboxSender: sends queued hand-over notices now
    bot_username: str | None = None  # settings.telegram.username; else asked of Telegram

    async def username(self, bot: Bot) -> str:
        return self.bot_username or (await bot.me()).username or ""
