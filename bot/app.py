"""Factories that wire settings, storage, the classifier, the workflow and aiogram together.

Nothing here runs at import time; every test and command builds its own instances.
"""
from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage

from bot.cadre import build_cadre_tools
from bot.core import Core
from bot.orgapp import build_org_deps
from bot.serviceapp import build_service_deps
from bot.settings import Settings
from delivery.notifier import Notifier
from handlers import build_routers
from handlers.guards.callback_guard import CallbackGuard
from handlers.guards.throttle import FloodGuard
from handlers.shared.deps import Deps
from handlers.shared.i18n import LanguageMiddleware, create_i18n
from storage.shared_limits import RedisPacer

log = logging.getLogger("gridbot")


class MissingToken(RuntimeError):
    pass


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    token = settings.telegram.token.get_secret_value() if settings.telegram.token else None
    if not token:
        raise MissingToken("no Telegram token")
    if session is None:
        api = settings.telegram.api_base
        session = AiohttpSession(api=TelegramAPIServer.from_base(api)) if api else AiohttpSession()
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_notifier(bot: Bot, core: Core, **limits) -> Notifier:
    """With Redis, sends are paced across the instances too (30/s overall, 1/s per chat)."""
    cfg = core.settings.limits
    limits.setdefault("global_per_s", cfg.send_per_s)
    limits.setdefault("per_chat_interval", cfg.chat_interval_s)
    if core.redis is not None and "pacer" not in limits:
        limits["pacer"] = RedisPacer(core.redis, core.settings.redis.prefix,
                                     global_per_s=core.settings.redis.global_per_s,
                                     per_chat_interval=limits["per_chat_interval"])
    return Notifier(bot, **limits)


def fsm_storage(settings: Settings) -> BaseStorage:
    """Dialog state (a note being typed). Redis keeps it across restarts and instances."""
    url = settings.fsm_storage
    if url.startswith(("redis://", "rediss://")):
        from aiogram.fsm.storage.redis import RedisStorage

        # A dialog left half-way is forgotten after a while, as in memory on a restart.
        ttl = settings.fsm_ttl_seconds
        return RedisStorage.from_url(url, state_ttl=ttl, data_ttl=ttl)
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
    shared = core.shared_window("flood", limits.flood_updates, limits.flood_seconds) if limits.flood_updates else None
    dp.update.outer_middleware(FloodGuard(limits.flood_updates, limits.flood_seconds, shared=shared))
    dp.callback_query.outer_middleware(CallbackGuard())
    dp["services"] = build_service_deps(core)  # the 五单 service loop (handlers' `services`)
    dp.include_routers(*build_routers())
    return dp
