"""Sections of the settings kept apart from bot/settings.py (which stays under the module
limit); bot.settings imports them, so `from bot.settings import RedisSettings` still works."""
from __future__ import annotations

from pydantic import BaseModel, Field


class RedisSettings(BaseModel):
    """Shared limits between instances (Telegram pacing, flood guard, reports per hour) and
    cache invalidation. None: every instance keeps its own limits in memory."""

    url: str | None = None
    # Key prefix, so several bots can share one Redis.
    prefix: str = "gridbot"
    # Sends per second of all the instances together. Below Telegram's 30: requests from
    # several processes reach Telegram with more jitter than one process's.
    global_per_s: float = Field(25.0, gt=0)


class ConversationSettings(BaseModel):
    """A conversation, not a form: what follows a report."""

    # 补充: a message sent this many minutes after a report (or while it is unaccepted) is
    # asked about: 补充到 #N, or 这是新问题. 0: only while unaccepted.
    supplement_minutes: float = Field(10.0, ge=0, le=24 * 60)
    # False: never asked; every message is its own report (a load test, a kiosk).
    supplements: bool = True
