"""Factories that wire settings, storage, the classifier, the workflow and aiogram together.

Nothing here runs at import time; every test and command builds its own instances.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from aiogram import Bot, Dispatcher, Router
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
from delivery.dialogs import DatabaseDialogStorage
from delivery.harmless import install as install_harmless
from delivery.notifier import Notifier
from delivery.responses import pin_responses
from handlers import build_routers
from handlers.guards.callback_guard import CallbackGuard
from handlers.guards.hygiene import TextHygiene
from handlers.guards.private import PrivateOnly
from handlers.guards.replays import ReplayGuard
from handlers.guards.throttle import FloodGuard
from handlers.residents.albums import AlbumCollector
from handlers.shared.deps import Deps
from handlers.shared.i18n import LanguageMiddleware, create_i18n
from organisation.signin import LoginLinks, SignIn
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
    # Each Response[T] kept from its first call: else pydantic rebuilds Response[Message]
    # about every tenth call (delivery.responses).
    pin_responses(session)
    # Telegram's harmless 400s (a late callback answer, an edit that changes nothing) never
    # turn into an error, an apology or a lost notice: swallowed in one place.
    return install_harmless(Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)))


def create_notifier(bot: Bot, core: Core, **limits) -> Notifier:
    """With Redis, sends are paced across the instances too (30/s overall, 1/s per chat)."""
    cfg = core.settings.limits
    limits.setdefault("global_per_s", cfg.send_per_s)
    limits.setdefault("per_chat_interval", cfg.chat_interval_s)
    limits.setdefault("in_flight", cfg.unrecorded_sends)
    if core.redis is not None and "pacer" not in limits:
        limits["pacer"] = RedisPacer(core.redis, core.settings.redis.prefix,
                                     global_per_s=core.settings.redis.global_per_s,
                                     per_chat_interval=limits["per_chat_interval"])
    return Notifier(bot, **limits)


def fsm_storage(core: Core) -> BaseStorage:
    """Dialog state (a note being typed): the database by default, so a restart loses no
    dialog; Redis for several instances; memory only if asked. Both expire after
    `dialog_ttl_hours`."""
    settings = core.settings
    url = settings.fsm_storage
    ttl = timedelta(hours=settings.dialog_ttl_hours)
    if url.startswith(("redis://", "rediss://")):
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(url, state_ttl=ttl, data_ttl=ttl)
    if url == "memory":
        return MemoryStorage()
    return DatabaseDialogStorage(core.session_factory, ttl=ttl, clock=core.service.clock,
                                 write_lock=core.service.write_lock)


def build_login_links(core: Core) -> LoginLinks | None:
    """The command centre's login links (/web, `gridbot web login-link`); None when [web] is off."""
    w = core.settings.web
    if not w.enabled:
        return None
    signin = SignIn(core.session_factory, admins=core.settings.admins, clock=core.service.clock,
                    link_ttl=timedelta(minutes=w.link_minutes), session_ttl=timedelta(hours=w.session_hours),
                    write_lock=core.service.write_lock)
    return LoginLinks(signin, w.base_url)


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
    dp = Dispatcher(storage=storage or fsm_storage(core), deps=deps, org=build_org_deps(core, notifier))
    # Before anything else: nothing personal in a group, and no ticket from one.
    dp.update.outer_middleware(PrivateOnly())
    # A replayed update (a crash, a late webhook answer) changes nothing twice, unanswered.
    dp.update.outer_middleware(ReplayGuard(core.session_factory, core.service.clock, core.service.write_lock))
    # First, so the flood guard's warning and every handler below speak the person's language.
    LanguageMiddleware(create_i18n(core.languages.default), core.languages).install(dp)
    limits = core.settings.limits
    shared = core.shared_window("flood", limits.flood_updates, limits.flood_seconds) if limits.flood_updates else None
    dp.update.outer_middleware(FloodGuard(limits.flood_updates, limits.flood_seconds, shared=shared))
    dp.callback_query.outer_middleware(CallbackGuard())
    hygiene = TextHygiene()  # NFC, no control characters, NUL refused: before any handler
    dp.message.outer_middleware(hygiene)
    dp.edited_message.outer_middleware(hygiene)
    dp["albums"] = AlbumCollector()  # an album's photos become one report
    dp["services"] = build_service_deps(core)  # the 五单 service loop (handlers' `services`)
    dp["web_links"] = build_login_links(core)  # /web (None while the command centre is off)
    dp.include_routers(*build_routers())
    inline_sync_filters(dp)
    return dp


def inline_sync_filters(router: Router) -> int:
    """Runs every plain-function filter (F.text, F.photo, says(...), the emergency button)
    on the event loop. aiogram hands a filter that is not a coroutine function to
    asyncio.to_thread, one thread hop per filter per handler it is tried against: about 18
    for one report. Filters are a comparison or two; the hop costs far more than the work.
    Handlers are left alone (a sync handler may block). Returns how many were inlined."""
    count = 0
    for r in router.chain_tail:
        for observer in r.observers.values():
            for handler in (observer._handler, *observer.handlers):  # the router's own filters too
                for f in handler.filters or ():
                    if not f.awaitable:
                        f.callback = _on_loop(f.callback)
                        f.awaitable = True
                        count += 1
    return count


def _on_loop(callback):
    async def run(*args, **kwargs):
        return callback(*args, **kwargs)

    return run
