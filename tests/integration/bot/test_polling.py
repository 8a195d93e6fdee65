"""Polling confirms an update to Telegram only once handled (bot.polling): an update still
in hand when the process dies stays queued at the strict local Bot API server, and is
not handed out twice while it is in hand."""
from __future__ import annotations

import asyncio

from aiogram import Dispatcher
from aiogram.types import Message

from bot.polling import ConfirmWhenHandled
from tests.support.bot_api_server import FakeBotApi


async def test_an_update_in_hand_stays_queued_and_is_handled_once():
    async with FakeBotApi() as api:
        bot = api.bot("4242:TEST")
        dp = Dispatcher()
        release = asyncio.Event()
        seen: list[str] = []

        @dp.message()
        async def handle(message: Message) -> None:
            seen.append(message.text)
            if message.text == "slow":
                await release.wait()

        ConfirmWhenHandled().install(dp)
        api.push_message(1, "slow")
        api.push_message(2, "quick")
        polling = asyncio.create_task(dp.start_polling(bot, polling_timeout=1, handle_signals=False))
        try:
            for _ in range(100):
                if len(seen) == 2:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.5)  # a few more polls while "slow" is in hand
            # "quick" is done, but "slow" is not: both stay unconfirmed (the offset is slow's).
            assert [u["message"]["text"] for u in api.pending_updates] == ["slow", "quick"]
            assert seen == ["slow", "quick"], "nothing handed out twice"
            release.set()
            for _ in range(100):
                if not api.pending_updates:
                    break
                await asyncio.sleep(0.05)
            assert api.pending_updates == []
        finally:
            release.set()
            await dp.stop_polling()
            await asyncio.wait_for(polling, 10)
            await bot.session.close()
