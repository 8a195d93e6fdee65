"""Factories that wire settings, storage, the classifier, the workflow and aiogram together.

Nothing here runs at import time; every test and command builds its own instances.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.notifier import Notifier
from bot.settings import Settings
from handlers import build_routers
from bot.orgapp import build_org_deps
from bot.serviceapp import build_service_deps
from bot.cadre import build_cadre_tools
from bot.workcalendar import build_calendar
from handlers.deps import Deps
from handlers.i18n import LanguageMiddleware, create_i18n
from handlers.callback_guard import CallbackGuard
from handlers.throttle import FloodGuard
from nlp.classifier import Classifier
from nlp.taxonomy import Taxonomy, load_taxonomy
from storage.engine import create_engine, create_session_factory
from tickets.calendar import WorkCalendar
from tickets.languages import DEFAULT_LOCALE, LanguagePrefs, parse_locale
from tickets.queries import TicketQueries
from tickets.service import TicketService, utcnow
from tickets.sla import SlaPolicy

log = logging.getLogger("gridbot")


class MissingToken(RuntimeError):
    pass


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

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def deadlines(self, start: datetime, category: str, urgent: bool) -> tuple[datetime, datetime]:
        return self.sla.deadlines(self.calendar, start, category, urgent)

    async def close(self) -> None:
        await self.engine.dispose()


def build_taxonomy(settings: Settings) -> Taxonomy:
    return load_taxonomy(settings.nlp.categories_file)


def build_core(settings: Settings, *, classifier: Classifier | None = None, clock=utcnow) -> Core:
    """Builds the classifier too (jieba's dictionary loads on the first cut: call
    `classifier.classify` once in a thread at start-up, off the event loop)."""
    engine = create_engine(settings.database.url, echo=settings.database.echo)
    sf = create_session_factory(engine)
    taxonomy = build_taxonomy(settings)
    classifier = classifier or Classifier.load(settings.nlp.model_dir, taxonomy)
    calendar = build_calendar(settings)  # the libraries under [calendar]
    sla = SlaPolicy.from_mapping(settings.sla.model_dump())
    core = Core(settings, engine, sf, taxonomy, classifier, calendar, sla, None, None)  # type: ignore[arg-type]
    core.service = TicketService(
        sf, classifier, core.deadlines, admins=settings.admins,
        confidence_threshold=settings.nlp.confidence_threshold,
        reports_per_hour=settings.limits.reports_per_hour, clock=clock,
    )
    core.queries = TicketQueries(sf, admins=settings.admins)
    core.languages = LanguagePrefs(sf, default=parse_locale(settings.language) or DEFAULT_LOCALE,
                                   write_lock=core.service.write_lock)
    return core


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    token = settings.telegram.token.get_secret_value() if settings.telegram.token else None
    if not token:
        raise MissingToken("no Telegram token")
    if session is None:
        api = settings.telegram.api_base
        session = AiohttpSession(api=TelegramAPIServer.from_base(api)) if api else AiohttpSession()
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_notifier(bot: Bot, core: Core, **limits) -> Notifier:
    return Notifier(bot, **limits)


def fsm_storage(settings: Settings) -> BaseStorage:
    """Dialog state (a note being typed). Redis keeps it across restarts and instances."""
    url = settings.fsm_storage
    if url.startswith(("redis://", "rediss://")):
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(url)
    return MemoryStorage()


def create_dispatcher(core: Core, notifier: Notifier, storage: BaseStorage | None = None) -> Dispatcher:
    deps = Deps(
        service=core.service,
        queries=core.queries,
        notifier=notifier,
        tz=core.tz,
        categories=list(core.taxonomy.names),
        max_text_chars=core.settings.limits.max_text_chars,
        languages=core.languages,
        cadre=build_cadre_tools(core),
    )
    dp = Dispatcher(storage=storage or fsm_storage(core.settings), deps=deps, org=build_org_deps(core, notifier))
    # First, so the flood guard's warning and every handler below speak the person's language.
    LanguageMiddleware(create_i18n(core.languages.default), core.languages).install(dp)
    limits = core.settings.limits
    dp.update.outer_middleware(FloodGuard(limits.flood_updates, limits.flood_seconds))
    dp.callback_query.outer_middleware(CallbackGuard())
    dp["services"] = build_service_deps(core)  # the 五单 service loop (handlers' `services`)
    dp.include_routers(*build_routers())
    return dp
