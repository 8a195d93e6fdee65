"""`gridbot run`: migrate, warm up, poll."""
from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path

from aiogram import Bot, Dispatcher

from bot.app import create_bot, create_dispatcher
from bot.cli.orgtasks import import_org
from bot.core import build_core
from bot.jobs.outbox import add_outbox_job
from bot.jobs.services import add_service_jobs
from bot.scheduler import blocked_hook, create_scheduler
from bot.settings import Settings
from bot.workcalendar import warn_at_startup
from delivery.notifier import Notifier
from handlers.residents.language import publish_commands
from handlers.shared.i18n import create_i18n
from storage.migrate import upgrade_async

log = logging.getLogger("gridbot")


async def poll(dp: Dispatcher, bot: Bot, *, concurrency: int, polling_timeout: int = 10,
               handle_signals: bool = True) -> None:
    """Poll with at most `concurrency` updates handled at once (settings.limits.concurrent_updates).
    Unbounded, a backlog after a restart starts one task per queued update, and they all wait
    for the database's connections until its pool times out (storage.engine sizes the pool to
    this limit)."""
    await dp.start_polling(bot, polling_timeout=polling_timeout, handle_signals=handle_signals,
                           tasks_concurrency_limit=concurrency)


def settle() -> None:
    """After start-up: collect once, then freeze what start-up built (the routers, the models,
    jieba's dictionary, the classifier) so the collector never walks it again."""
    gc.collect()
    gc.freeze()


async def run_bot(settings: Settings, example_org: Path | None = None) -> int:
    core = build_core(settings)
    # The migration and jieba's dictionary (about a second, on the first cut, off the loop)
    # side by side; the classifier touches no database.
    await asyncio.gather(upgrade_async(settings.database.url),
                         asyncio.to_thread(core.classifier.classify, "楼道堆放杂物"))
    warn_at_startup(core.calendar, core.service.clock().astimezone(core.tz).date())  # years without official 调休
    if not await core.queries.has_organisation():
        if example_org is not None:
            await import_org(settings, example_org)
            log.info("imported the example organisation from %s", example_org)
        else:
            log.warning(
                "the database has no organisation yet: residents cannot join a grid. "
                "Import one with `gridbot org import FILE.toml` "
                "(try examples/org.example.toml, or start with `gridbot run --load-example`)."
            )
    bot = create_bot(settings)
    notifier = Notifier(bot)
    dp = create_dispatcher(core, notifier)
    notifier.on_blocked = blocked_hook(core, notifier)
    scheduler = create_scheduler(core, notifier, settings)
    # The outbox: what a crash, a failed send or `gridbot org import` left unsent (tickets.outbox).
    add_outbox_job(scheduler, dp["org"].outbox, settings.scheduler.outbox_seconds)
    add_service_jobs(scheduler, core, notifier, settings.scheduler.sweep_seconds)  # 五单: held notices, matters, points
    web_runner = None
    try:
        if settings.web.enabled:  # 指挥调度平台, on the same loop as the bot
            from web.app import build_web_app, serve

            web_app = build_web_app(core, notifier, settings, cadre=dp["deps"].cadre)
            web_runner = await serve(web_app, settings.web.host, settings.web.port)
            log.info("command centre on http://%s:%s (links: %s)", settings.web.host, settings.web.port,
                     settings.web.base_url)
        # The command menu, in each language (handlers.residents.language.COMMANDS lists the commands).
        await publish_commands(bot, create_i18n(core.languages.default))
        scheduler.start()  # 督办: the reminder sweep and the digests
        settle()
        await poll(dp, bot, concurrency=settings.limits.concurrent_updates,
                   polling_timeout=settings.telegram.polling_timeout)
    finally:
        if web_runner is not None:
            await web_runner.cleanup()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await notifier.aclose()
        await dp.storage.close()
        await bot.session.close()
        await core.close()
    return 0
