"""`gridbot run` killed with SIGKILL mid-send at each step of the loop, and restarted on the
same database: after the report (the acknowledgement, then the grid member's card in
flight), after 签收 (the resident's notice in flight), after 办结 (the 回访 question in
flight) and after the rating (the grid member's notice in flight). At each kill no notice
is lost, at most the one in flight arrives twice, and the ticket is where it should be.
The strict local Bot API server holds the send (it is delivered, the answer never read)."""
from __future__ import annotations

import asyncio
import os
import sqlite3
import sys

import pytest

from tests.conftest import MEMBER, NEIGHBOUR, RESIDENT, STAFF_IDS
from tests.e2e.bot.test_process import TOKEN, button
from tests.support.bot_api_server import FakeBotApi

REPORT = "5号楼楼道里有人飞线充电，电动车就停在消防通道上"
SECOND = "3号楼门口的路灯坏了一个星期，晚上很黑"
# Each notice, by whom it goes to and what it says (a send: edits of a card are not counted).
ACK, CARD, ACCEPTED, QUESTION, CLOSED = "已受理", "新工单", "签收，正在处理", "问题解决了吗", "居民评价"
LEASE = 3  # seconds (the outbox sweep runs every second): the restart itself takes longer


@pytest.fixture
async def api():
    server = FakeBotApi(reachable=STAFF_IDS)
    await server.start()
    yield server
    await server.stop()


class Gridbot:
    def __init__(self, api: FakeBotApi, tmp_path) -> None:
        self.api, self.cwd = api, tmp_path
        self.db = tmp_path / "crash.sqlite3"
        self.env = dict(os.environ)
        self.env.update({
            "GRIDBOT_TELEGRAM__TOKEN": TOKEN,
            "GRIDBOT_TELEGRAM__API_BASE": api.base_url,
            "GRIDBOT_TELEGRAM__POLLING_TIMEOUT": "1",
            "GRIDBOT_DATABASE__URL": f"sqlite+aiosqlite:///{self.db}",
            "GRIDBOT_SCHEDULER__OUTBOX_SECONDS": "1",
            "GRIDBOT_SCHEDULER__OUTBOX_LEASE_SECONDS": str(LEASE),
            "GRIDBOT_CADRE__DUPLICATE_DAYS": "0",  # the second report is not offered the first
        })
        self.proc = None
        self.kills = 0

    async def start(self) -> None:
        mark = len(self.api.calls())
        log = self.cwd / f"gridbot-{self.kills}.log"
        with log.open("wb") as out:  # the child keeps its own descriptor
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--load-example", cwd=self.cwd, env=self.env,
                stdout=out, stderr=asyncio.subprocess.STDOUT)
        # This process's first poll (not one of its predecessor's); if it dies first, say why.
        polling = asyncio.ensure_future(self.api.wait_for(lambda c: c.method == "getUpdates", 120, start=mark))
        exited = asyncio.ensure_future(self.proc.wait())
        await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            polling.cancel()
            pytest.fail(f"gridbot run exited with {self.proc.returncode}:\n{log.read_text()[-3000:]}")
        exited.cancel()
        polling.result()

    async def kill_mid_send(self, hold) -> None:
        await asyncio.wait_for(hold.arrived.wait(), 90)  # a loaded machine is slow to restart
        self.proc.kill()  # SIGKILL: no clean-up, no answer read
        await self.proc.wait()
        self.kills += 1
        hold.release()
        await self.start()

    async def settled(self, timeout: float = 60) -> None:
        """The restarted bot's outbox sweep has sent what the kill left unmarked."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.pending():
            assert loop.time() < deadline, f"{self.pending()} notice(s) still queued after {timeout} s"
            await asyncio.sleep(0.5)

    def state(self, ticket_id: int) -> str:
        with sqlite3.connect(self.db) as db:
            return db.execute("SELECT state FROM tickets WHERE id = ?", (ticket_id,)).fetchone()[0]

    def pending(self) -> int:
        with sqlite3.connect(self.db) as db:
            return db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]

    async def stop(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


def sends(api, chat_id: int, text: str) -> list:
    return [c for c in api.calls(chat_id=chat_id, ok=True)
            if c.method in ("sendMessage", "sendPhoto") and text in (c.text or "")]


def count(api, chat_id: int, text: str) -> int:
    return len(sends(api, chat_id, text))


async def test_a_kill_at_every_step_loses_no_notice(api, tmp_path):
    bot = Gridbot(api, tmp_path)
    await bot.start()
    try:
        api.push_message(RESIDENT.id, "/start WT01", first_name=RESIDENT.name)
        await api.wait_for_text(RESIDENT.id, "梧桐一网格")

        # 1. The report is stored; the bot dies while the grid member's card is in flight.
        hold = api.hold("sendMessage", chat_id=MEMBER.id)
        api.push_message(RESIDENT.id, REPORT, first_name=RESIDENT.name)
        await bot.kill_mid_send(hold)
        await api.wait_for_text(MEMBER.id, CARD, timeout=30)
        await bot.settled()
        assert count(api, RESIDENT.id, ACK) == 1, "the acknowledgement went out before the kill, once"
        assert 1 <= count(api, MEMBER.id, CARD) <= 2
        assert bot.state(1) == "dispatched"
        card = sends(api, MEMBER.id, CARD)[-1]

        # 2. 签收: the resident's notice is in flight.
        hold = api.hold("sendMessage", chat_id=RESIDENT.id)
        api.push_callback(MEMBER.id, button(card, "签收"), card.result["message_id"])
        await bot.kill_mid_send(hold)
        await api.wait_for_text(RESIDENT.id, ACCEPTED, timeout=30)
        await bot.settled()
        assert 1 <= count(api, RESIDENT.id, ACCEPTED) <= 2
        assert bot.state(1) == "accepted"

        # 3. 办结: the member's note closes the work; the resident's 回访 question is in flight.
        api.push_callback(MEMBER.id, button(card, "退回").replace("ret", "res"), card.result["message_id"])
        await api.wait_for_text(MEMBER.id, "处理结果", timeout=30)
        hold = api.hold("sendMessage", chat_id=RESIDENT.id)
        api.push_message(MEMBER.id, "已清理飞线，电动车移到充电棚", first_name=MEMBER.name)
        await bot.kill_mid_send(hold)
        await api.wait_for_text(RESIDENT.id, QUESTION, timeout=30)
        await bot.settled()
        assert 1 <= count(api, RESIDENT.id, QUESTION) <= 2
        assert bot.state(1) == "resolved"

        # 4. The rating: the grid member's notice of it is in flight.
        question = sends(api, RESIDENT.id, QUESTION)[-1]
        api.push_callback(RESIDENT.id, button(question, "已解决"), question.result["message_id"])
        ask = await api.wait_for_text(RESIDENT.id, "满意吗", timeout=30)
        hold = api.hold("sendMessage", chat_id=MEMBER.id)
        api.push_callback(RESIDENT.id, button(ask, "满意"), ask.result["message_id"])
        await bot.kill_mid_send(hold)
        await api.wait_for_text(MEMBER.id, CLOSED, timeout=30)
        await bot.settled()
        assert 1 <= count(api, MEMBER.id, CLOSED) <= 2
        assert bot.state(1) == "closed"

        # 5. Another report; this time the acknowledgement itself is in flight.
        api.push_message(NEIGHBOUR.id, "/start WT01", first_name=NEIGHBOUR.name)
        await api.wait_for_text(NEIGHBOUR.id, "梧桐一网格", timeout=30)
        hold = api.hold("sendMessage", chat_id=NEIGHBOUR.id)
        api.push_message(NEIGHBOUR.id, SECOND, first_name=NEIGHBOUR.name)
        await bot.kill_mid_send(hold)
        await api.wait_for_text(MEMBER.id, "路灯坏了", timeout=30)
        await bot.settled()
        assert bot.state(2) == "dispatched"

        # Nothing lost; at most the one message in flight at each kill doubled; nothing left.
        expected = [(RESIDENT.id, ACK), (MEMBER.id, CARD), (RESIDENT.id, ACCEPTED), (RESIDENT.id, QUESTION),
                    (MEMBER.id, CLOSED), (NEIGHBOUR.id, ACK)]
        lost = [(chat, text) for chat, text in expected if count(api, chat, text) == 0]
        assert not lost, f"lost: {lost}"
        assert count(api, MEMBER.id, CARD) <= 3, "two cards (tickets 1 and 2), one of them perhaps twice"
        doubled = sum(count(api, chat, text) - 1 for chat, text in expected if text != CARD)
        doubled += count(api, MEMBER.id, CARD) - 2
        assert doubled <= bot.kills == 5
        assert bot.pending() == 0
    finally:
        await bot.stop()
