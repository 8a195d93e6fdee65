"""The 五单 service loop's share of the scheduler: one short job that sends members'
notices held through quiet hours, closes 联手说事 matters whose time is up (and publishes
their results), and awards grid members' points for tickets closed on time.

Every step claims its work in the database before sending (a conditional UPDATE, or a
ledger row with a unique key), so a second run or a second process sends and awards
nothing twice. Each step catches and logs its own failure: one must not stop the others.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.serviceapp import build_service_deps
from delivery.notifier import Notifier
from handlers.services.matters import publish
from handlers.shared.i18n import create_i18n
from handlers.shared.service_delivery import broadcast
from service_orders.errors import MatterRefused
from tickets.reports import utcnow

log = logging.getLogger(__name__)


@dataclass
class Outlet:
    """What the sending helpers need of handlers.shared.deps.Deps, outside an update."""

    notifier: Notifier
    tz: ZoneInfo
    languages: Any = None  # organisation.languages.LanguagePrefs
    i18n: Any = None
    service: Any = None  # tickets.service.TicketService: the outbox's session factory and clock


@dataclass
class ServiceSweep:
    broadcasts: int = 0
    notices: int = 0
    matters_closed: int = 0
    points_awarded: int = 0
    errors: list[str] = field(default_factory=list)


class ServiceJobs:
    def __init__(self, core: Any, notifier: Notifier, clock: Callable[[], datetime] = utcnow) -> None:
        self.services = build_service_deps(core)
        languages = getattr(core, "languages", None)
        i18n = create_i18n(languages.default) if languages is not None else None
        self.outlet = Outlet(notifier, core.tz, languages, i18n, getattr(core, "service", None))
        self.clock = clock

    async def run_once(self, now: datetime | None = None) -> ServiceSweep:
        now = now or self.clock()
        report = ServiceSweep()
        try:
            for b in await self.services.review.release_held(now):
                report.broadcasts += 1
                report.notices += await broadcast(self.outlet, b)
        except Exception:  # noqa: BLE001 - logged; the next run tries again
            log.exception("held order notices failed")
            report.errors.append("held")
        try:
            for matter_id in await self.services.matters.due(now):
                try:
                    tally = await self.services.matters.close(None, matter_id)
                except MatterRefused:
                    continue  # closed by hand meanwhile: its result went out then
                report.matters_closed += 1
                await publish(self.outlet, tally)
        except Exception:  # noqa: BLE001
            log.exception("closing matters failed")
            report.errors.append("matters")
        try:
            report.points_awarded = await self.services.points.award_tickets_on_time(now)
        except Exception:  # noqa: BLE001
            log.exception("awarding ticket points failed")
            report.errors.append("points")
        return report

    async def job(self) -> None:
        try:
            report = await self.run_once()
        except asyncio.CancelledError:
            log.info("service sweep interrupted by shutdown")  # the next start takes it up
            return
        if report.broadcasts or report.matters_closed or report.points_awarded:
            log.info("service sweep: %s", report)


def add_service_jobs(scheduler: AsyncIOScheduler, core: Any, notifier: Notifier, seconds: int,
                     clock: Callable[[], datetime] = utcnow) -> ServiceJobs:
    jobs = ServiceJobs(core, notifier, clock)
    scheduler.add_job(jobs.job, IntervalTrigger(seconds=seconds, timezone=core.tz), id="service-sweep",
                      name="五单 sweep", next_run_time=clock())
    return jobs
