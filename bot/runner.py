"""`gridbot run`: migrate (unless --no-migrate), warm up, wait for Telegram, then take
updates by long polling (one instance) or by webhook (several, behind a proxy).

Every instance serves /healthz and /readyz when web.port is set (web.server); the jobs
without claims of their own run in the instance holding the leader lease
(bot.coordination.Leader).
"""
from __future__ import annotations

import asyncio
import faulthandler
import gc
import logging
import signal
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.app import create_bot, create_dispatcher, create_notifier
from bot.coordination import CacheSync, Leader
from bot.core import Core, build_core
from bot.jobs.outbox import add_outbox_job
from bot.jobs.services import add_service_jobs
from bot.polling import ConfirmWhenHandled
from bot.scheduler import _sessions, blocked_hook, create_scheduler
from bot.settings import Settings
from bot.workcalendar import warn_at_startup
from handlers.residents.language import publish_commands
from handlers.shared.i18n import create_i18n
from storage.migrate import upgrade_async
from web.health import Health, database_check, redis_check
from web.server import WebServer, build_app
from web.webhook import WebhookHandler

log = logging.getLogger("gridbot")


async def wait_for_telegram(bot: Bot, backoff_max: float = 60.0, first: float = 1.0) -> None:
    """getMe until Telegram answers: unreachable at start means wait and retry (doubling,
    capped at backoff_max), never exit. A refused token is not worth waiting for."""
    delay = first
    attempt = 0
    while True:
        attempt += 1
        try:
            me = await bot.get_me()
            log.info("Telegram answers: @%s", me.username)
            return
        except TelegramUnauthorizedError:
            raise
        except (TimeoutError, TelegramNetworkError, TelegramServerError, OSError) as exc:
            log.warning("Telegram unreachable at start (%s, attempt %d): trying again in %.1f s",
                        type(exc).__name__, attempt, delay)
            gc.enable()  # off while starting (bot.cli.main.run); a long wait must not pile garbage
        await asyncio.sleep(delay)
        delay = min(delay * 2, backoff_max)


def _org_check_message() -> str:
    return ("the database has no organisation yet: residents cannot join a grid. "
            "Import one with `gridbot org import FILE.toml` "
            "(try examples/org.example.toml, or start with `gridbot run --load-example`).")


async def _web(core: Core, settings: Settings, health: Health, webhook: WebhookHandler | None,
               **console) -> WebServer | None:
    port = settings.web.port
    if port is None and webhook is None:
        return None
    # The console's pages only when [web] enabled gave one (its `console` argument).
    app = build_app(health, webhook, settings.telegram.webhook_url,
                    **({"console": console["console"]} if console.get("console") is not None else {}))
    server = WebServer(app, settings.web.host, port or 0)
    try:
        await server.start()
    except OSError as exc:
        if webhook is not None:
            raise  # no server, no updates
        log.error("no /healthz and /readyz: %s:%s is taken (%s)", settings.web.host, port, exc.strerror)
        return None
    return server


def _console(core: Core, notifier, settings: Settings, dp: Dispatcher) -> dict:
    """The 指挥调度平台's pages, mounted on the same server when [web] enabled (web.app)."""
    if not settings.web.enabled:
        return {}
    from web.app import build_console

    log.info("command centre on http://%s:%s (links: %s)", settings.web.host, settings.web.port,
             settings.web.base_url)
    return {"console": build_console(core, notifier, settings, dp["deps"].cadre)}


async def poll(dp: Dispatcher, bot: Bot, *, concurrency: int, polling_timeout: int = 10,
               handle_signals: bool = True) -> None:
    """Poll with at most `concurrency` updates handled at once (settings.limits.concurrent_updates).
    Unbounded, a backlog after a restart starts one task per queued update, and they all wait
    for the database's connections until its pool times out (storage.engine sizes the pool to
    this limit)."""
    # An update is confirmed to Telegram only once handled: a crash loses none (bot.polling).
    ConfirmWhenHandled().install(dp)
    await dp.start_polling(bot, polling_timeout=polling_timeout, handle_signals=handle_signals,
                           tasks_concurrency_limit=concurrency)


def settle() -> None:
    """After start-up: freeze what start-up built (the routers, the models, the classifier)
    so the collector never walks it again, and turn the collector on (`gridbot run` starts
    with it off). No collection first: walking those ~280,000 objects took 0.15-0.3 s of the
    start to find ~2,300 of garbage (spare classes and closures, ~0.5 MB), now kept for good."""
    gc.freeze()
    gc.enable()


async def run_bot(settings: Settings, example_org: Path | None = None, *, migrate: bool = True) -> int:
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>`: every thread's stack, to the log
    core = build_core(settings)
    # The migration (under a lock: instances take turns) and jieba's dictionary (about a
    # second, on the first cut, off the loop) side by side; the classifier touches no database.
    warm_up = asyncio.to_thread(core.classifier.classify, "楼道堆放杂物")
    if migrate:
        await asyncio.gather(upgrade_async(settings.database.url), warm_up)
    else:
        log.info("--no-migrate: the database is expected at the code's migration head")
        await warm_up
    warn_at_startup(core.calendar, core.service.clock().astimezone(core.tz).date())  # years without official 调休
    if not await core.queries.has_organisation():
        if example_org is not None:
            from bot.cli.orgtasks import import_org  # the org file's parsers: only for --load-example

            await import_org(settings, example_org)
            log.info("imported the example organisation from %s", example_org)
        else:
            log.warning(_org_check_message())
    webhook_mode = settings.telegram.mode == "webhook"
    bot = create_bot(settings)
    checks = {"database": database_check(core.engine)}
    if core.redis is not None:
        checks["redis"] = redis_check(core.redis)
    health = Health(checks)
    server: WebServer | None = None
    notifier = None
    dp = None
    scheduler = None
    leader = Leader(_sessions(core))
    sync = CacheSync(_sessions(core), units=core.service.units, languages=core.languages, redis=core.redis,
                     channel=f"{settings.redis.prefix}:cache")
    try:
        await wait_for_telegram(bot, settings.telegram.startup_backoff_max)
        notifier = create_notifier(bot, core)
        dp = create_dispatcher(core, notifier)
        console = _console(core, notifier, settings, dp)
        if not webhook_mode:  # webhook mode starts its server in _serve_webhook
            server = await _web(core, settings, health, None, **console)
        notifier.on_blocked = blocked_hook(core, notifier)
        scheduler = create_scheduler(core, notifier, settings)
        # The outbox: what a crash, a failed send or `gridbot org import` left unsent (tickets.outbox).
        add_outbox_job(scheduler, dp["org"].outbox, settings.scheduler.outbox_seconds)
        add_service_jobs(scheduler, core, notifier, settings.scheduler.sweep_seconds)  # 五单: held notices, matters, points
        leader.guard_jobs(scheduler)  # digests, bulletin, 五单 sweep, calendar notice: one instance
        await leader.start()
        await sync.start()
        # The command menu, in each language (handlers.residents.language.COMMANDS lists the commands).
        await publish_commands(bot, create_i18n(core.languages.default))
        scheduler.start()  # 督办: the reminder sweep and the digests
        settle()
        if webhook_mode:
            await _serve_webhook(core, settings, health, bot, dp, console)
        else:
            await poll(dp, bot, concurrency=settings.limits.concurrent_updates,
                       polling_timeout=settings.telegram.polling_timeout)
    finally:
        gc.enable()  # if start-up failed before settle()
        health.draining = True
        if server is not None:
            await server.stop()
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        await sync.stop()
        await leader.stop()
        if notifier is not None:
            await notifier.aclose()
        if dp is not None:
            await dp.storage.close()
        await bot.session.close()
        await core.close()
    return 0


async def _serve_webhook(core: Core, settings: Settings, health: Health, bot: Bot, dp,
                         console: dict | None = None) -> None:
    secret = settings.telegram.webhook_secret
    handler = WebhookHandler(dp, bot, secret.get_secret_value() if secret else "",
                             max_in_flight=settings.telegram.webhook_max_in_flight)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = await _web(core, settings, health, handler, dispatcher=dp, bot=bot, **(console or {}))
    await dp.emit_startup(bot=bot, dispatcher=dp, **dp.workflow_data)
    log.info("taking updates by webhook on %s:%s", settings.web.host, server.port if server else "?")
    try:
        await stop.wait()
        health.draining = True
        # Let the updates being handled finish (Telegram waits for their 200).
        for _ in range(100):
            if not handler.in_flight:
                break
            await asyncio.sleep(0.1)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if server is not None:
            await server.stop()
        await dp.emit_shutdown(bot=bot, dispatcher=dp, **dp.workflow_data)
