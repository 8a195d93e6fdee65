"""Catching up after a restart: the cron run a restart just missed, if any."""
from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger


def last_fire_time(trigger: CronTrigger, now: datetime, window: timedelta) -> datetime | None:
    """The trigger's latest time in (now - window, now], if any: a run a restart missed."""
    last = None
    at = trigger.get_next_fire_time(None, now - window)
    while at is not None and at <= now:
        last = at
        at = trigger.get_next_fire_time(at, at + timedelta(seconds=1))
    return last
