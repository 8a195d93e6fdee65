"""A backlog after a restart: thousands of updates queued before the bot polls (issue 17).

Unbounded, aiogram started one task per update and they all waited for the connection
pool (5 + 10) until it timed out: 11 of 2,000 failed with `QueuePool limit ... timeout`.
bot.runner.poll handles at most limits.concurrent_updates at once and storage.engine sizes
the pool to it. 2,000 here (under a minute); bench/intake.py --backlog 10000 runs 10,000.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3

import pytest
from aiogram.client.session.base import Response
from aiogram.types import Message

from bench.complaints import candidates
from bot.app import create_dispatcher
from bot.runner import poll
from bot.settings import Settings
from delivery.notifier import Notifier
from delivery.offline import make_offline_bot
from storage.engine import RESERVE, pool_options
from tests.support.bot_api_server import FakeBotApi

BACKLOG = 2_000
LIMIT = 16
GRIDS = ["WT01", "WT02", "WT03", "FL01", "FL02", "FL03"]
RESIDENTS = 400
FIRST = 6_000_000
SHORT = ["你好", "谢谢", "好的", "收到", "辛苦了", "在吗"]


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(database={"url": db_url},
                    limits={"reports_per_hour": 10**9, "flood_updates": 0, "concurrent_updates": LIMIT})


async def test_a_backlog_of_queued_updates_is_handled_with_no_failure(core, settings, caplog):
    for i in range(RESIDENTS):
        await core.service.join(FIRST + i, GRIDS[i % len(GRIDS)], "居民")
    assert core.engine.pool.size() == LIMIT + RESERVE
    api = FakeBotApi(strict=False)
    await api.start()
    texts = candidates(seed=5)
    for i in range(BACKLOG):  # queued before the bot polls: a restart after an outage
        # One in four a complaint (a ticket, the duplicate check, two sends), the rest short
        # small talk (the staff check and an answer): the pool is asked on every update.
        api.push_message(FIRST + i % RESIDENTS, next(texts) if i % 4 == 0 else SHORT[i % len(SHORT)])
    bot = api.bot()
    dp = create_dispatcher(core, Notifier(bot, per_chat_interval=0, global_per_s=10**9))
    in_flight, peak, handled = 0, 0, 0

    @dp.update.outer_middleware()
    async def count(handler, event, data):
        nonlocal in_flight, peak, handled
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await handler(event, data)
        finally:
            in_flight -= 1
            handled += 1

    caplog.set_level(logging.ERROR)
    polling = asyncio.create_task(poll(dp, bot, concurrency=LIMIT, polling_timeout=1, handle_signals=False))
    try:
        for _ in range(240 * 20):
            if handled >= BACKLOG:
                break
            await asyncio.sleep(0.05)
    finally:
        await dp.stop_polling()
        await polling
        await bot.session.close()
        await api.stop()
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert handled == BACKLOG
    assert failures == []
    assert peak <= LIMIT
    answered = {c.chat_id for c in api.calls("sendMessage", ok=True)}
    assert answered >= {FIRST + i for i in range(RESIDENTS)}
    con = sqlite3.connect(settings.database.url.split("///", 1)[1])
    opened = con.execute("SELECT count(*) FROM tickets").fetchone()[0]
    con.close()
    # Not every complaint opens a ticket: 求助 offers, look-alikes offered to follow, and a
    # resident's further complaints within minutes are asked 补充到 #N or 这是新问题 first.
    asked = sum("补充到" in str(c.params.get("text", "")) for c in api.calls("sendMessage", ok=True))
    # (one resident in four complains, five times in all: the first opens, the rest are asked)
    assert opened + asked >= BACKLOG // 4 // 2 and opened >= RESIDENTS // 4 // 2


def test_the_pool_is_sized_to_the_updates_handled_at_once():
    assert Settings().limits.concurrent_updates == 16
    assert pool_options("postgresql+asyncpg://h/db", 16) == {"pool_size": 16 + RESERVE, "max_overflow": 16}
    assert pool_options("sqlite+aiosqlite:///x.sqlite3", 8) == {"pool_size": 8 + RESERVE, "max_overflow": 8}
    assert pool_options("sqlite+aiosqlite://", 8) == {}  # one shared in-memory connection


def test_no_filter_leaves_the_event_loop(core):
    dp = create_dispatcher(core, Notifier(make_offline_bot(), per_chat_interval=0))
    observers = (o for r in dp.chain_tail for o in r.observers.values())
    filters = [f for o in observers for h in (o._handler, *o.handlers) for f in h.filters or ()]
    assert filters and all(f.awaitable for f in filters)


def test_response_types_are_built_once(core):
    from bot.app import create_bot

    create_bot(Settings(telegram={"token": "1:T"}))
    first = Response[Message]
    gc.collect()
    assert Response[Message] is first


async def test_a_message_delivered_twice_opens_one_ticket(core):
    """intake's already-stored check seeks the (chat, message) index: exact pairs only."""
    from tickets.reports import Report

    await core.service.join(FIRST, "WT01", "居民")
    await core.service.join(FIRST + 1, "WT01", "居民")
    a = await core.service.report(Report(telegram_id=FIRST, chat_id=FIRST, message_id=7, text="3号楼路灯坏了", name="居民"))
    again = await core.service.report(Report(telegram_id=FIRST, chat_id=FIRST, message_id=7, text="3号楼路灯坏了", name="居民"))
    crossed = await core.service.report(Report(telegram_id=FIRST + 1, chat_id=FIRST + 1, message_id=8, text="楼下垃圾没人清运", name="居民"))
    other = await core.service.report(Report(telegram_id=FIRST, chat_id=FIRST, message_id=8, text="楼道里有人充电", name="居民"))
    assert again.duplicate and again.ticket.id == a.ticket.id
    assert not crossed.duplicate and not other.duplicate
    assert len({a.ticket.id, crossed.ticket.id, other.ticket.id}) == 3
