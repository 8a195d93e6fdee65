"""The working calendar from settings, and telling people when a year has no official schedule.

* :func:`build_calendar`: the WorkCalendar the SLA, the reminders and the CLI use: the
  libraries (supervision.workdays) under the ``[calendar]`` overrides.
* :func:`warn_at_startup`: a WARNING naming the year(s) whose deadlines are estimated.
* :class:`CalendarNotice`: from 1 December, a message to every admin (``admins``) when the
  coming year (or the current one) has no official schedule; once per admin and year
  (a supervision.digests delivery row of kind ``calendar``). Added to the scheduler by
  :func:`schedule_calendar_notice`: every day at 09:00 local, and once at start-up.
"""
from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.settings import Settings
from supervision import digests
from supervision.calendar import WorkCalendar
from supervision.workdays import YearWarning, source_label, year_warning

log = logging.getLogger(__name__)

KIND = "calendar"  # supervision.digests delivery kind; the period key is the year


def build_calendar(settings: Settings) -> WorkCalendar:
    """Raises ValueError (naming the file or key) on a bad ``[calendar]`` section or file."""
    o = settings.calendar.overrides()
    return WorkCalendar(
        settings.timezone, settings.office_hours.start, settings.office_hours.end,
        extra_holidays=o.holidays, extra_workdays=o.workdays, official_years=o.official_years,
    )


def due_warnings(calendar: WorkCalendar, today: date, language: str = "zh") -> list[YearWarning]:
    """Warnings due on local date ``today``: this year's, and from 1 December the next year's."""
    out = []
    for year in (today.year, today.year + 1):
        w = year_warning(year, calendar.source(year), language)
        if w is not None and today >= w.due:
            out.append(w)
    return out


def warn_at_startup(calendar: WorkCalendar, today: date) -> list[int]:
    """Logs one WARNING naming the years whose deadlines are estimated; returns them."""
    warnings = due_warnings(calendar, today, "en")
    for w in warnings:
        log.warning(
            "working calendar: no official holiday schedule for %d (%s): deadlines there may be wrong. "
            "Give it in [calendar] (holidays, workdays, official_years) or upgrade chinesecalendar/holidays; "
            "check with `gridbot sla --start \"%d-02-01 09:00\"`",
            w.year, source_label(w.source), w.year,
        )
    return [w.year for w in warnings]


class CalendarNotice:
    def __init__(self, calendar: WorkCalendar, notifier: Any, settings: Settings, *,
                 clock: Callable[[], datetime], sessions: Any) -> None:
        self.calendar = calendar
        self.notifier = notifier
        self.settings = settings
        self.clock = clock
        self.sf = sessions
        self.tz = ZoneInfo(settings.timezone)

    async def run_once(self) -> list[digests.DigestReport]:
        now = self.clock()
        today = now.astimezone(self.tz).date()
        reports = []
        for w in due_warnings(self.calendar, today, self.settings.language):
            period = digests.Period(str(w.year), datetime(w.year - 1, 12, 1, tzinfo=timezone.utc),
                                    datetime(w.year + 1, 1, 1, tzinfo=timezone.utc))
            items = [(admin, w.text) for admin in self.settings.admins]
            cfg = self.settings.scheduler
            reports.append(await digests.deliver(
                self.sf, KIND, period, items, self.send, now,
                lease=timedelta(minutes=cfg.lease_minutes), max_attempts=cfg.max_attempts,
            ))
        return reports

    async def send(self, chat_id: int, text: str):
        return await self.notifier.send_message(chat_id, html.escape(text))

    async def job(self) -> None:
        try:
            for report in await self.run_once():
                log.info("calendar notice: %s", report)
        except asyncio.CancelledError:
            # Shutting down mid-run: what was not sent is still due, and the next start
            # (or sweep) takes it up. Not an error worth a traceback.
            log.info("job interrupted by shutdown")
        except Exception:  # noqa: BLE001 - logged; the scheduler and the bot go on
            log.exception("the calendar notice failed")


def schedule_calendar_notice(scheduler, core: Any, notifier: Any, settings: Settings, *,
                             clock: Callable[[], datetime], sessions: Any) -> CalendarNotice:
    """Daily at 09:00 local, and once now (a bot started in December tells the admins at once)."""
    tz = ZoneInfo(settings.timezone)
    notice = CalendarNotice(core.calendar, notifier, settings, clock=clock, sessions=sessions)
    scheduler.add_job(notice.job, CronTrigger(hour=9, minute=0, timezone=tz), id="calendar-notice",
                      name="working calendar notice", next_run_time=clock())
    return notice
