"""Telegram unreachable at start: `gridbot run` waits and retries with a growing, capped
delay (logged, never the token), and goes on once Telegram answers. While it waits, the
garbage collector (off while starting) is on again."""
from __future__ import annotations

import asyncio
import gc
import logging

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.runner import wait_for_telegram
from tests.support.bot_api_server import FakeBotApi
from tests.support.instances import free_port

TOKEN = "4242:STARTUP-TOKEN-NEVER-LOGGED"


async def test_waits_for_telegram_then_goes_on(caplog):
    caplog.set_level(logging.INFO)
    port = free_port()
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(f"http://127.0.0.1:{port}")))
    api = FakeBotApi()
    gc.disable()  # as `gridbot run` starts
    try:
        waiting = asyncio.create_task(wait_for_telegram(bot, backoff_max=0.4, first=0.1))
        await asyncio.sleep(1.5)
        assert not waiting.done()  # still trying, not exited
        assert gc.isenabled()  # a wait of hours must not pile up the failed attempts' garbage
        await api.start(port=port)
        await asyncio.wait_for(waiting, 5)
    finally:
        gc.enable()
        await bot.session.close()
        await api.stop()
    tries = [r for r in caplog.records if "unreachable at start" in r.getMessage()]
    assert len(tries) >= 4
    delays = [float(r.getMessage().rsplit("in ", 1)[1].split(" s")[0]) for r in tries]
    assert delays[:3] == [0.1, 0.2, 0.4] and max(delays) == 0.4  # doubling, capped
    assert "Telegram answers" in caplog.text
    assert "STARTUP-TOKEN" not in caplog.text
