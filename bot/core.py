"""The core: everything but Telegram (settings, storage, the classifier, the calendar and
SLA, the ticket workflow), which the bot, the CLI and the scheduler share.

Built by build_core(); nothing here runs at import time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.workcalendar import build_calendar
from nlp.classifier import Classifier
from nlp.taxonomy import Taxonomy, load_taxonomy
from organisation.languages import DEFAULT_LOCALE, LanguagePrefs, parse_locale
from storage.engine import create_engine, create_session_factory
from storage.shared_limits import RedisWindow, redis_client
from supervision.calendar import WorkCalendar
from supervision.ladder import Quiet
from supervision.sla import SlaPolicy
from tickets.queries import TicketQueries
from tickets.reports import utcnow
from tickets.service import TicketService


@dataclass
class Core:
    """Everything but Telegram: what the bot, the CLI and the scheduler share."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    taxonomy: Taxonomy
    classifier: Classifier
    calendar: WorkCalendar
    sla: SlaPolicy
    service: TicketService
    queries: TicketQueries
    # Each person's language: one per process, so /lang reaches the scheduler's cache too.
    languages: LanguagePrefs | None = None
    # redis.asyncio.Redis when settings.redis.url is set: limits shared by the instances.
    redis: Any = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def deadlines(self, start: datetime, category: str, urgent: bool) -> tuple[datetime, datetime]:
        return self.sla.deadlines(self.calendar, start, category, urgent)

    def department_deadlines(self, start: datetime, urgent: bool) -> tuple[datetime, datetime]:
        """吹哨报到's (accept, resolve) deadlines for a department given a ticket at `start`."""
        return self.sla.department_deadlines(self.calendar, start, urgent)

    @property
    def quiet(self) -> Quiet:
        return Quiet(self.settings.quiet_hours.start, self.settings.quiet_hours.end)

    def quiet_release(self, at: datetime) -> datetime | None:
        """When a broadcast to residents written at `at` may go out (None: now): quiet hours."""
        return self.quiet.release(self.calendar, at)

    def shared_window(self, name: str, limit: int, seconds: float) -> RedisWindow | None:
        if self.redis is None:
            return None
        return RedisWindow(self.redis, f"{self.settings.redis.prefix}:{name}", limit, seconds)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


def build_taxonomy(settings: Settings) -> Taxonomy:
    return load_taxonomy(settings.nlp.categories_file)


def build_core(settings: Settings, *, classifier: Classifier | None = None, clock=utcnow) -> Core:
    """Builds the classifier too (jieba's dictionary loads on the first cut: call
    `classifier.classify` once in a thread at start-up, off the event loop)."""
    engine = create_engine(settings.database.url, echo=settings.database.echo,
                           concurrency=settings.limits.concurrent_updates)
    sf = create_session_factory(engine)
    taxonomy = build_taxonomy(settings)
    classifier = classifier or Classifier.load(settings.nlp.model_dir, taxonomy)
    calendar = build_calendar(settings)  # the libraries under [calendar]
    sla = SlaPolicy.from_mapping(settings.sla.model_dump())
    core = Core(settings, engine, sf, taxonomy, classifier, calendar, sla, None, None)  # type: ignore[arg-type]
    core.service = TicketService(
        sf, classifier, core.deadlines, department_deadlines=core.department_deadlines, admins=settings.admins,
        confidence_threshold=settings.nlp.confidence_threshold,
        reports_per_hour=settings.limits.reports_per_hour, clock=clock,
        supplement_window=(timedelta(minutes=settings.conversation.supplement_minutes)
                           if settings.conversation.supplements else None),
    )
    core.queries = TicketQueries(sf, admins=settings.admins)
    core.languages = LanguagePrefs(sf, default=parse_locale(settings.language) or DEFAULT_LOCALE,
                                   write_lock=core.service.write_lock, clock=clock)
    if settings.redis.url:
        core.redis = redis_client(settings.redis.url)
        # Reports per hour, counted across the instances.
        core.service.limiter = core.shared_window("reports", settings.limits.reports_per_hour, 3600)
    return core
