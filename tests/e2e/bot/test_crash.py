"""`gridbot run` killed with SIGKILL mid-send (after the report, after 签收) and restarted on
the same database: no notice is lost, and at most the one in flight at each kill arrives twice."""
from __future__ import annotations

import asyncio
import os
import sys

import pytest

from tests.conftest import MEMBER, RESIDENT, STAFF_IDS
from tests.e2e.bot.test_process import TOKEN, button, started
from tests.support.bot_api_server import FakeBotApi


@pytest.fixture
async def api():
    server = FakeBotApi(reachable=STAFF_IDS)
    await server.start()
    yield server
    await server.stop()


class Gridbot:
    def __init__(self, api: FakeBotApi, tmp_path) -> None:
        self.api, self.cwd = api, tmp_path
        self.env = dict(os.environ)
        self.env.update({
            "GRIDBOT_TELEGRAM__TOKEN": TOKEN,
            "GRIDBOT_TELEGRAM__API_BASE": api.base_url,
            "GRIDBOT_TELEGRAM__POLLING_TIMEOUT": "1",
            "GRIDBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'crash.sqlite3'}",
            "GRIDBOT_SCHEDULER__OUTBOX_SECONDS": "1",
            "GRIDBOT_SCHEDULER__OUTBOX_LEASE_SECONDS": "2",
        })
        self.proc = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--load-example", cwd=self.cwd, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        await started(self.api, self.proc)

    async def kill_mid_send(self, hold) -> None:
        await asyncio.wait_for(hold.arrived.wait(), 90)  # a loaded machine is slow to restart
        self.proc.kill()  # SIGKILL: no clean-up, no answer read
        await self.proc.wait()
        hold.release()
        await self.start()

    async def stop(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


def count(api, chat_id: int, text: str) -> int:
    return sum(text in (c.text or "") for c in api.sent(chat_id))


async def test_a_kill_at_every_step_loses_no_notice(api, tmp_path):
    bot = Gridbot(api, tmp_path)
    await bot.start()
    try:
        api.push_message(RESIDENT.id, "/start WT01", first_name=RESIDENT.name)
        await api.wait_for_text(RESIDENT.id, "梧桐一网格")

        # 1. The report is stored; the bot dies while the grid member's card is in flight.
        hold = api.hold("sendMessage", chat_id=MEMBER.id)
        api.push_message(RESIDENT.id, "5号楼楼道里有人飞线充电，电动车就停在消防通道上", first_name=RESIDENT.name)
        await bot.kill_mid_send(hold)
        card = await api.wait_for_text(MEMBER.id, "新工单", timeout=30)
        await asyncio.sleep(4)  # past the lease: a second copy, if any, has gone out
        assert 1 <= count(api, MEMBER.id, "新工单") <= 2

        # 2. 签收: the resident's acknowledgement is in flight.
        hold = api.hold("sendMessage", chat_id=RESIDENT.id)
        api.push_callback(MEMBER.id, button(card, "签收"), card.result["message_id"])
        await bot.kill_mid_send(hold)
        await api.wait_for_text(RESIDENT.id, "签收", timeout=30)

        await asyncio.sleep(4)
        # TODO(issue 10): kills after 办结 and after the rating. Tried: after a restart the
        # redelivered 签收 press fails answerCallbackQuery (400) and the next 办结 press got
        # no prompt within 30 s; not understood yet, so those two steps are not asserted.

        # Nothing lost; at most the one message in flight at each of the four kills doubled.
        expected = {MEMBER.id: ["新工单"], RESIDENT.id: ["已由网格员"]}
        doubled = 0
        for chat_id, texts in expected.items():
            for text in texts:
                n = count(api, chat_id, text)
                assert n >= 1, f"lost: {text!r} to {chat_id}"
                doubled += n - 1
        assert doubled <= 2
    finally:
        await bot.stop()
