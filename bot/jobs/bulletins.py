"""一月一通报 with charts, on its schedule: every community and street cadre gets last
month's charts and XLSX for their unit, once.

Delivery is supervision.digests' (a row per kind, period and person, claimed before sending):
a second run, or a run after a restart, sends nobody the same month twice. Each unit's
files are drawn once, when the first of its cadres is sent them.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.cadre import Bundle, build_reports
from bot.jobs.catchup import last_fire_time
from bot.settings import Settings
from delivery.notifier import Delivery
from figures.bulletin import BulletinData, cadre_units
from figures.periods import last_month
from handlers.cadres.publishing import send_bundle
from handlers.shared.i18n import Recipients
from handlers.views.cadre_cards import bulletin_caption
from supervision import digests

log = logging.getLogger(__name__)

KIND = "bulletin"  # supervision.digests delivery kind


class BulletinJob:
    def __init__(self, core: Any, notifier: Any, settings: Settings, *, clock: Callable[[], datetime],
                 sessions: Any = None) -> None:
        self.reports = build_reports(settings, core.session_factory, clock=clock)
        self.sf = sessions or core.session_factory  # for the delivery rows (the scheduler's writer queue)
        self.notifier = notifier
        self.clock = clock
        self.tz = ZoneInfo(settings.timezone)
        self.lease = timedelta(minutes=settings.scheduler.lease_minutes)
        self.max_attempts = settings.scheduler.max_attempts
        self._drawn: dict[int, asyncio.Task[Bundle]] = {}
        self.languages = Recipients.of(core, settings.language)  # each caption in its reader's language

    async def run_once(self, fired_at: datetime | None = None) -> digests.DigestReport:
        now = self.clock()
        period = last_month(fired_at or now, self.tz)
        async with self.reports.sf() as session:
            units = await cadre_units(session)
        found = await self.reports.bulletin_data(None, period, [u for u, _ in units])
        by_chat: dict[int, list[BulletinData]] = {}
        for (_, chats), data in zip(units, found):
            for chat in chats:
                by_chat.setdefault(chat, []).append(data)
        self._drawn = {}
        items = [(chat, tuple(datas)) for chat, datas in by_chat.items()]
        return await digests.deliver(self.sf, KIND, period, items, self.send, now,
                                     lease=self.lease, max_attempts=self.max_attempts)

    def _bundle(self, data: BulletinData) -> asyncio.Task[Bundle]:
        if data.unit_id not in self._drawn:
            self._drawn[data.unit_id] = asyncio.ensure_future(self.reports.render(data))
        return self._drawn[data.unit_id]

    async def send(self, chat_id: int, payload: tuple[BulletinData, ...]) -> Delivery:
        results: list[Delivery] = []
        for data in payload:
            bundle = await self._bundle(data)
            with await self.languages.speaking_to(chat_id):
                caption = bulletin_caption(data, self.tz)
            results += await send_bundle(self.notifier, chat_id, bundle, caption)
        return Delivery(ok=all(r.ok for r in results), blocked=any(r.blocked for r in results),
                        attempts=sum(r.attempts for r in results))

    async def job(self, fired_at: datetime | None = None) -> None:
        try:
            log.info("bulletin: %s", await self.run_once(fired_at))
        except asyncio.CancelledError:
            # Shutting down mid-run: what was not sent is still due, and the next start
            # (or sweep) takes it up. Not an error worth a traceback.
            log.info("job interrupted by shutdown")
        except Exception:  # noqa: BLE001 - logged; the scheduler and the bot go on
            log.exception("the monthly bulletin failed")


def schedule_bulletin(scheduler, core: Any, notifier: Any, settings: Settings, *,
                      clock: Callable[[], datetime], sessions: Any = None) -> BulletinJob | None:
    """Adds the monthly job (and a catch-up run if a restart just missed it)."""
    expr = settings.cadre.bulletin
    if not expr:
        return None
    tz = ZoneInfo(settings.timezone)
    job = BulletinJob(core, notifier, settings, clock=clock, sessions=sessions)
    trigger = CronTrigger.from_crontab(expr, timezone=tz)
    catch_up = timedelta(minutes=settings.scheduler.catch_up_minutes)
    scheduler.add_job(job.job, trigger, id="bulletin-monthly", name="一月一通报 charts",
                      misfire_grace_time=max(int(catch_up.total_seconds()), 1))
    now = clock()
    missed = last_fire_time(trigger, now, catch_up) if catch_up else None
    if missed is not None:
        scheduler.add_job(job.job, DateTrigger(now, timezone=tz), args=[missed], id="bulletin-monthly-catch-up",
                          name="一月一通报 charts (catch-up)")
    return job
