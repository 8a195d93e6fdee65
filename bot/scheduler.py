"""督办 in process: APScheduler 3.11 runs the reminder sweep and the digests.

The scheduler holds no state worth keeping (in-memory job store): the truth is in the
database (tickets.next_check_at, reminder and digest deliveries), so a restart loses
nothing. Every job catches and logs its own exceptions: a failing sweep must not take
the scheduler, or the bot, down with it.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.bulletins import schedule_bulletin
from bot.jobs.catchup import last_fire_time
from bot.settings import Settings
from bot.workcalendar import schedule_calendar_notice
from delivery.notifier import Delivery, Notifier
from handlers.shared.i18n import Recipients
from handlers.views import reminder_cards as views
from organisation.unreachable import flag_blocked
from supervision import digests
from supervision.calendar import WorkCalendar
from supervision.ladder import Ladder, Quiet
from supervision.reminders import Reminder, SweepReport, sweep
from tickets.reports import utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class CoreLike(Protocol):
    """What the jobs need of bot.app.Core."""

    session_factory: async_sessionmaker[AsyncSession]
    calendar: WorkCalendar


class _TakingTurns:
    """A session factory whose sessions wait on a lock while open.

    SQLite has one writer. The workflow queues its transactions on a lock, as waiting
    there is cheaper than SQLite's busy-wait; the sweep's and digests' transactions join
    the same queue rather than make a button press sleep in the busy handler. They are
    short: nothing is sent while one is open.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], lock: asyncio.Lock) -> None:
        self._sf = session_factory
        self._lock = lock

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        async with self._lock, self._sf() as session:
            yield session


def _sessions(core: CoreLike) -> Any:
    lock = getattr(getattr(core, "service", None), "write_lock", None)  # set on SQLite only
    return _TakingTurns(core.session_factory, lock) if lock is not None else core.session_factory


class ReminderJobs:
    """The jobs' bodies; each takes `now` from the clock, so tests call them directly."""

    def __init__(self, core: CoreLike, notifier: Notifier, settings: Settings, clock: Clock = utcnow) -> None:
        self.sf = _sessions(core)
        self.calendar = core.calendar
        self.notifier = notifier
        self.settings = settings
        self.clock = clock
        self.tz = ZoneInfo(settings.timezone)
        cfg = settings.scheduler
        self.ladder = Ladder.from_config(cfg.ladder)
        self.quiet = Quiet(settings.quiet_hours.start, settings.quiet_hours.end)
        self.lease = timedelta(minutes=cfg.lease_minutes)
        # No update, hence no I18n context: each message is rendered in its recipient's language.
        self.languages = Recipients.of(core, settings.language)

    async def sweep_once(self, now: datetime | None = None) -> SweepReport:
        cfg = self.settings.scheduler
        return await sweep(
            self.sf, self.send_reminder, now or self.clock(), ladder=self.ladder, calendar=self.calendar,
            quiet=self.quiet, batch=cfg.batch, lease=self.lease, max_attempts=cfg.max_attempts,
        )

    async def sweep_job(self) -> None:
        """Sweeps until the backlog is gone or the interval is used up (the next run goes on)."""
        started = time.monotonic()
        try:
            while True:
                report = await self.sweep_once()
                if report.tickets or report.retried:
                    log.info("reminder sweep: %s", report)
                full = max(report.tickets, report.retried) >= self.settings.scheduler.batch
                if not full or time.monotonic() - started > self.settings.scheduler.sweep_seconds:
                    return
        except asyncio.CancelledError:
            # Shutting down mid-run: what was not sent is still due, and the next start
            # (or sweep) takes it up. Not an error worth a traceback.
            log.info("job interrupted by shutdown")
        except Exception:  # noqa: BLE001 - logged; the next run tries again
            log.exception("reminder sweep failed")

    async def send_reminder(self, r: Reminder) -> Delivery:
        with await self.languages.speaking_to(r.chat_id):
            rendered = views.reminder(r, self.tz)
        return await self.notifier.send_message(r.chat_id, rendered.text, reply_markup=rendered.markup)

    async def digest_once(self, kind: str, fired_at: datetime | None = None) -> digests.DigestReport:
        now = self.clock()
        period = digests.period_for(kind, fired_at or now, self.tz)
        async with self.sf() as session:
            items = await digests.gather(session, kind, now, self.tz, period)
        cfg = self.settings.scheduler
        return await digests.deliver(self.sf, kind, period, items, self.send_digest, now,
                                     lease=self.lease, max_attempts=cfg.max_attempts)

    async def digest_job(self, kind: str, fired_at: datetime | None = None) -> None:
        try:
            report = await self.digest_once(kind, fired_at)
            log.info("digest %s: %s", kind, report)
        except asyncio.CancelledError:
            # Shutting down mid-run: what was not sent is still due, and the next start
            # (or sweep) takes it up. Not an error worth a traceback.
            log.info("job interrupted by shutdown")
        except Exception:  # noqa: BLE001 - logged; one digest failing must not stop the others
            log.exception("digest %s failed", kind)

    async def send_digest(self, chat_id: int, payload: tuple[Any, ...]) -> Delivery:
        with await self.languages.speaking_to(chat_id):
            texts = views.digest_messages(payload, self.tz)
        results = [await self.notifier.send_message(chat_id, text) for text in texts]
        return Delivery(ok=all(r.ok for r in results), blocked=any(r.blocked for r in results),
                        attempts=sum(r.attempts for r in results))


def blocked_hook(core: CoreLike, notifier: Notifier, clock: Clock = utcnow) -> Callable[[Any], Awaitable[None]]:
    """Notifier.on_blocked: flag the person and tell their cadre, once."""
    sessions = _sessions(core)
    languages = Recipients.of(core, getattr(getattr(core, "settings", None), "language", None))

    async def on_blocked(chat_id: Any) -> None:
        try:
            chat = int(chat_id)
        except (TypeError, ValueError):
            return  # a channel name: no person behind it
        for notice in await flag_blocked(sessions, chat, clock()):
            with await languages.speaking_to(notice.chat_id):
                text = views.blocked_notice(notice).text
            await notifier.send_message(notice.chat_id, text)

    return on_blocked


def create_scheduler(
    core: CoreLike, notifier: Notifier, settings: Settings, *, clock: Clock = utcnow
) -> AsyncIOScheduler:
    """Not started: the caller starts it inside the running loop and shuts it down."""
    tz = ZoneInfo(settings.timezone)
    cfg = settings.scheduler
    jobs = ReminderJobs(core, notifier, settings, clock)
    scheduler = AsyncIOScheduler(
        timezone=tz,
        job_defaults={
            # After a stall, one run rather than a burst of missed ones...
            "coalesce": True,
            # ...and never two sweeps of one process at once (the claim would cope; no need).
            "max_instances": 1,
            # APScheduler's 1 s default would skip a sweep that starts a little late: a late
            # sweep is still worth running, up to one interval late (then the next one is due).
            "misfire_grace_time": cfg.sweep_seconds,
        },
    )
    now = clock()
    scheduler.add_job(jobs.sweep_job, IntervalTrigger(seconds=cfg.sweep_seconds, timezone=tz),
                      id="reminder-sweep", name="督办 sweep", next_run_time=now)
    catch_up = timedelta(minutes=cfg.catch_up_minutes)
    for kind in digests.KINDS:
        expr = getattr(settings.digests, kind)
        if not expr:
            continue
        trigger = CronTrigger.from_crontab(expr, timezone=tz)
        # A digest an hour late still helps; past the catch-up window it is skipped.
        scheduler.add_job(jobs.digest_job, trigger, args=[kind], id=f"digest-{kind}", name=f"digest {kind}",
                          misfire_grace_time=max(int(catch_up.total_seconds()), 1))
        missed = last_fire_time(trigger, now, catch_up) if catch_up else None
        if missed is not None:
            # Deliveries are recorded per period and person: those who got it are skipped.
            scheduler.add_job(jobs.digest_job, DateTrigger(now, timezone=tz), args=[kind, missed],
                              id=f"digest-{kind}-catch-up", name=f"digest {kind} (catch-up)")
    # 一月一通报's charts and XLSX (bot.jobs.bulletins): a job of its own beside the text digest.
    schedule_bulletin(scheduler, core, notifier, settings, clock=clock, sessions=_sessions(core))
    # From 1 December: tell the admins when the coming year has no official holiday schedule.
    schedule_calendar_notice(scheduler, core, notifier, settings, clock=clock, sessions=_sessions(core))
    return scheduler
