"""Start-up of `gridbot run` beside a bare aiogram bot with jieba initialised (a script,
not a test), in the same run, against a local Bot API server:

    PYTHONPATH=. python bench/startup.py [--repeat 3]

Prints, for each: seconds from the process start to ready (gridbot: /readyz answers 200;
the bare bot: getMe answered and jieba's dictionary loaded, then it polls), and RSS at
ready; the ratios (goals: ready within 1.5x, RSS within 1.2x). Beside them, the CPU seconds
(user + system, all threads) each process spent until ready: on a machine shared with other
work the wall time mostly measures the others, the CPU time much less. And which heavy libraries
(matplotlib, scikit-learn, openpyxl, Pillow, qrcode) `gridbot run` has loaded once warmed
up (they should load when first used, not at start-up).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.bot_api_server import FakeBotApi
from tests.support.instances import free_port

HEAVY = ("matplotlib", "sklearn", "openpyxl", "PIL", "qrcode", "scipy")

BARE = """
import asyncio, sys
import jieba
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart

async def main():
    bot = Bot(sys.argv[2], session=AiohttpSession(api=TelegramAPIServer.from_base(sys.argv[1])))
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message):
        await message.answer("hi")

    await asyncio.to_thread(jieba.initialize)
    await bot.get_me()
    print("READY", flush=True)
    await dp.start_polling(bot, polling_timeout=2, handle_signals=True)

asyncio.run(main())
"""

WARM = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from bot.core import build_core
from bot.app import create_bot, create_dispatcher, create_notifier
from bot.scheduler import create_scheduler
from bot.settings import Settings

async def main():
    settings = Settings(database={"url": "sqlite+aiosqlite:///" + sys.argv[2]}, telegram={"token": "1:X"})
    core = build_core(settings)
    core.classifier.classify("楼道堆放杂物")
    bot = create_bot(settings)
    dp = create_dispatcher(core, create_notifier(bot, core))
    create_scheduler(core, create_notifier(bot, core), settings)
    await bot.session.close()
    await core.close()
    print(" ".join(m for m in HEAVY if m in sys.modules))

asyncio.run(main())
""".replace("HEAVY", repr(HEAVY))


def _at_ready(pid: int) -> tuple[float, float]:
    """(RSS in MB, CPU seconds: user + system of all its threads) of process `pid` now."""
    proc = psutil.Process(pid)
    cpu = proc.cpu_times()
    return proc.memory_info().rss / 2**20, cpu.user + cpu.system


async def bare(api: FakeBotApi) -> tuple[float, float, float]:
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", BARE, api.base_url, "4242:BENCH",
                                                stdout=asyncio.subprocess.PIPE)
    try:
        line = await proc.stdout.readline()
        assert line.strip() == b"READY", line
        return time.perf_counter() - started, *_at_ready(proc.pid)
    finally:
        proc.terminate()
        await proc.wait()


async def gridbot(api: FakeBotApi, folder: Path) -> tuple[float, float, float]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), GRIDBOT_TELEGRAM__TOKEN="4242:BENCH",
               GRIDBOT_TELEGRAM__API_BASE=api.base_url, GRIDBOT_TELEGRAM__POLLING_TIMEOUT="2",
               GRIDBOT_WEB__PORT=str(port),
               GRIDBOT_DATABASE__URL=f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}")
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=folder, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        # A loaded machine may take seconds to answer while start-up still holds the loop: wait
        # for that answer (a refused connection still fails at once) rather than give up on it.
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            while True:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as r:
                        if r.status == 200:
                            # ready means polling too: wait for the first getUpdates
                            await api.wait_for(lambda c: c.method == "getUpdates", timeout=60)
                            return time.perf_counter() - started, *_at_ready(proc.pid)
                except (aiohttp.ClientError, TimeoutError):
                    pass
                if proc.returncode is not None:
                    raise RuntimeError("gridbot run exited")
                await asyncio.sleep(0.05)
    finally:
        proc.terminate()
        await proc.wait()


async def main(repeat: int) -> None:
    from storage.migrate import upgrade_async

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        await upgrade_async(f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}")  # as after the first start
        runs: dict[str, list[tuple[float, float, float]]] = {"bare aiogram + jieba": [], "gridbot run": []}
        for _ in range(repeat):
            for name, fn in (("bare aiogram + jieba", bare), ("gridbot run", gridbot)):
                api = FakeBotApi()
                await api.start()
                try:
                    runs[name].append(await (fn(api) if fn is bare else fn(api, folder)))
                finally:
                    await api.stop()
        print("each run (bare then gridbot, back to back):")
        for i, ((bt, brss, bc), (gt, grss, gc)) in enumerate(zip(runs["bare aiogram + jieba"], runs["gridbot run"]), 1):
            print(f"  run {i}: bare {bt:5.2f} s {brss:6.1f} MB {bc:5.2f} s CPU   "
                  f"gridbot {gt:5.2f} s {grss:6.1f} MB {gc:5.2f} s CPU   "
                  f"ratios {gt / bt:4.2f}x {grss / brss:4.2f}x {gc / bc:4.2f}x CPU")
        print(f"start-up, median of {repeat} (same machine, same run):")
        med = {}
        for name, values in runs.items():
            t = statistics.median(v[0] for v in values)
            rss = statistics.median(v[1] for v in values)
            cpu = statistics.median(v[2] for v in values)
            med[name] = (t, rss, cpu)
            print(f"  {name:22s} ready {t:5.2f} s   RSS {rss:6.1f} MB   CPU {cpu:5.2f} s")
        (bt, brss, bc), (gt, grss, gc) = med["bare aiogram + jieba"], med["gridbot run"]
        print(f"  ratio                  ready {gt / bt:5.2f}x (goal <= 1.5)   RSS {grss / brss:5.2f}x (goal <= 1.2)"
              f"   CPU {gc / bc:5.2f}x")
        warm = await asyncio.create_subprocess_exec(sys.executable, "-c", WARM, str(ROOT), str(folder / "bench.sqlite3"),
                                                    stdout=asyncio.subprocess.PIPE)
        out, _ = await warm.communicate()
        print(f"  heavy libraries loaded once warmed up: {out.decode().strip() or 'none'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(main(parser.parse_args().repeat))
