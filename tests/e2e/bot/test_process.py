"""The whole program: `gridbot run` as a real process, polling a local Bot API server."""
from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from tests.conftest import MEMBER, RESIDENT, STAFF_IDS
from tests.support.bot_api_server import FakeBotApi

TOKEN = "4242:SECRET-TOKEN-NEVER-LOGGED"


def button(call, label: str) -> str:
    for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if label in b["text"]:
                return b["callback_data"]
    raise LookupError(f"no button {label!r} in {call.params}")


@pytest.fixture
async def api():
    server = FakeBotApi(reachable=STAFF_IDS)  # staff started the bot when invited
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def gridbot(api, tmp_path):
    env = dict(os.environ)
    env.update({
        "GRIDBOT_TELEGRAM__TOKEN": TOKEN,
        "GRIDBOT_TELEGRAM__API_BASE": api.base_url,
        "GRIDBOT_TELEGRAM__POLLING_TIMEOUT": "2",
        "GRIDBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}",
    })
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--load-example",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    yield proc
    if proc.returncode is None:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def started(api, proc) -> None:
    """Wait for the first poll; if the process dies first, show why."""
    polling = asyncio.ensure_future(api.wait_for(lambda c: c.method == "getUpdates", timeout=90))
    exited = asyncio.ensure_future(proc.wait())
    await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
    if exited.done():
        polling.cancel()
        output = (await proc.stdout.read()).decode()
        pytest.fail(f"gridbot run exited with {proc.returncode}:\n{output}")
    exited.cancel()
    polling.result()


async def test_the_whole_loop_through_a_running_gridbot(api, gridbot):
    await started(api, gridbot)

    api.push_message(RESIDENT.id, "/start WT01", first_name=RESIDENT.name)
    await api.wait_for_text(RESIDENT.id, "梧桐一网格")

    api.push_message(RESIDENT.id, "5号楼楼道里有人飞线充电，电动车就停在消防通道上", first_name=RESIDENT.name)
    ack = await api.wait_for_text(RESIDENT.id, "已受理")
    assert "孙网格" in ack.text
    card = await api.wait_for_text(MEMBER.id, "新工单")

    api.push_callback(MEMBER.id, button(card, "签收"), card.result["message_id"])
    await api.wait_for_text(RESIDENT.id, "已由网格员 孙网格 签收")

    api.push_callback(MEMBER.id, button(card, "退回").replace("ret", "res"), card.result["message_id"])
    await api.wait_for_text(MEMBER.id, "处理结果")
    api.push_message(MEMBER.id, "已清理飞线，电动车移到充电棚", first_name=MEMBER.name)
    question = await api.wait_for_text(RESIDENT.id, "问题解决了吗")

    api.push_callback(RESIDENT.id, button(question, "已解决"), question.result["message_id"])
    ask = await api.wait_for_text(RESIDENT.id, "满意吗")
    api.push_callback(RESIDENT.id, button(ask, "基本满意"), ask.result["message_id"])
    await api.wait_for_text(RESIDENT.id, "已关闭")
    await api.wait_for_text(MEMBER.id, "基本满意")

    gridbot.send_signal(signal.SIGINT)
    await asyncio.wait_for(gridbot.wait(), 30)
    output = (await gridbot.stdout.read()).decode()
    assert TOKEN not in output and "SECRET-TOKEN" not in output
    assert "Traceback" not in output, output
