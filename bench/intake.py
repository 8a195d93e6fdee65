"""Report intake throughput, beside bare aiogram echo measured in the same run.

Two settings, each measured for echo and for gridbot:
- in-process: Dispatcher.feed_update with a recording Bot session (no network), N
  updates with a fixed number in flight: what gridbot's own work costs on top of aiogram's;
- polling: the real thing, `Dispatcher.start_polling` against a local HTTP server that
  speaks the Bot API (tests/support/bot_api_server.py), all N updates queued at once.
gridbot's work per report: classify, store (SQLite file, WAL), route, reply to the
resident, notify the grid member (two messages where echo sends one).

    python bench/intake.py [--n 2000] [--concurrency 16] [--skip-polling]
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

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Dispatcher, F, Router  # noqa: E402
from aiogram.types import Message, Update  # noqa: E402

from bot.app import create_dispatcher  # noqa: E402
from bot.cli.orgtasks import import_org  # noqa: E402
from bot.core import build_core
from bot.settings import Settings  # noqa: E402
from delivery.notifier import Notifier  # noqa: E402
from delivery.offline import RecordingSession, make_offline_bot  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402

ORG = Path(__file__).resolve().parents[1] / "bot" / "data" / "org.example.toml"
GRIDS = ["WT01", "WT02", "WT03", "FL01", "FL02", "FL03"]
TEXTS = [
    "3号楼2单元楼道堆满杂物，堵住了消防通道",
    "楼上天天半夜蹦迪，吵得睡不着",
    "小区门口那个坑还没人填，晚上差点摔倒",
    "电瓶车在楼道里充电吓死人了",
    "幸福路18号门口有人占道经营，早上堵得走不动",
    "5栋后面的路灯坏了一个星期了",
    "楼下的垃圾三天没人清运，臭得不行",
    "有人在小区绿化带里私搭乱建，把树都砍了",
]


def updates(n: int, first_user: int = 5_000_000) -> list[dict]:
    out = []
    for i in range(n):
        user = first_user + i % 500
        out.append({
            "update_id": i + 1,
            "message": {
                "message_id": i + 1, "date": 1_790_000_000,
                "chat": {"id": user, "type": "private", "first_name": "居民"},
                "from": {"id": user, "is_bot": False, "first_name": "居民"},
                "text": f"{TEXTS[i % len(TEXTS)]}（{i}）",
            },
        })
    return out


async def drive(dp: Dispatcher, bot, raw: list[dict], concurrency: int) -> tuple[float, list[float]]:
    parsed = [Update.model_validate(u, context={"bot": bot}) for u in raw]
    latencies: list[float] = []
    queue = iter(parsed)

    async def worker() -> None:
        for update in queue:
            t0 = time.perf_counter()
            await dp.feed_update(bot, update)
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies


async def echo(n: int, concurrency: int) -> tuple[float, list[float]]:
    dp = echo_dispatcher()
    session = RecordingSession(strict=False)  # synthetic senders: measure, don't police
    bot = make_offline_bot(session)
    await drive(dp, bot, updates(50), concurrency)  # warm up
    result = await drive(dp, bot, updates(n), concurrency)
    assert len(session.sent(method="sendMessage")) == n + 50
    await bot.session.close()
    return result


async def intake(n: int, concurrency: int, folder: Path) -> tuple[float, list[float], int]:
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    settings = Settings(database={"url": url}, limits={"reports_per_hour": 10**9})
    await upgrade_async(url)
    await import_org(settings, ORG)
    core = build_core(settings)
    core.classifier.classify("预热")  # jieba's dictionary, as `gridbot run` does at start-up
    for i, user in enumerate(range(4_000_000, 4_000_500)):
        await core.service.join(user, GRIDS[i % len(GRIDS)], "居民")
    for i, user in enumerate(range(5_000_000, 5_000_500)):
        await core.service.join(user, GRIDS[i % len(GRIDS)], "居民")
    session = RecordingSession(strict=False)  # synthetic senders: measure, don't police
    bot = make_offline_bot(session)
    notifier = Notifier(bot, per_chat_interval=0, global_per_s=10**9)
    dp = create_dispatcher(core, notifier)
    await drive(dp, bot, updates(50, first_user=4_000_000), concurrency)  # warm up
    elapsed, latencies = await drive(dp, bot, [dict(u, update_id=u["update_id"] + 10**6) for u in updates(n)], concurrency)
    sent = len(session.sent(method="sendMessage"))
    await notifier.aclose()
    await bot.session.close()
    await core.close()
    return elapsed, latencies, sent


async def polled(dp: Dispatcher, raw: list[dict], sends_per_update: int) -> tuple[float, list[float]]:
    """Queue every update on the fake server, poll them with aiogram, wait for the replies."""
    from tests.support.bot_api_server import FakeBotApi

    api = FakeBotApi()
    await api.start()
    bot = api.bot()
    for update in raw:
        api.push_update({k: v for k, v in update.items() if k != "update_id"})
    expected = len(raw) * sends_per_update
    start = time.perf_counter()
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    while len(api.calls("sendMessage", ok=True)) < expected:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - start
    await dp.stop_polling()
    await polling
    await bot.session.close()
    await api.stop()
    # Per-update latency is not visible from outside here; report time per update.
    return elapsed, [elapsed / len(raw)] * 2


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def _echo(message: Message) -> None:
        await message.answer(message.text)

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def echo_polling(n: int) -> tuple[float, list[float]]:
    return await polled(echo_dispatcher(), updates(n), 1)


async def intake_polling(n: int, folder: Path) -> tuple[float, list[float]]:
    url = f"sqlite+aiosqlite:///{folder / 'poll.sqlite3'}"
    settings = Settings(database={"url": url}, limits={"reports_per_hour": 10**9})
    await upgrade_async(url)
    await import_org(settings, ORG)
    core = build_core(settings)
    core.classifier.classify("预热")
    for i, user in enumerate(range(5_000_000, 5_000_500)):
        await core.service.join(user, GRIDS[i % len(GRIDS)], "居民")
    from aiogram import Bot

    # The notifier needs a bot; the dispatcher is fed by polling with the server's bot.
    dp_holder: dict = {}

    class LateNotifier:
        """Sends through whichever bot the polling loop runs, without pacing (as in-process)."""

        def __getattr__(self, name):
            return getattr(dp_holder["notifier"], name)

    dp = create_dispatcher(core, LateNotifier())

    @dp.startup()
    async def _bind(bot: Bot) -> None:
        dp_holder["notifier"] = Notifier(bot, per_chat_interval=0, global_per_s=10**9)

    result = await polled(dp, updates(n), 2)
    await dp_holder["notifier"].aclose()
    await core.close()
    return result


def describe(name: str, n: int, elapsed: float, latencies: list[float]) -> float:
    rate = n / elapsed
    q = statistics.quantiles(latencies, n=100)
    print(f"{name:<28} {rate:9.0f} msg/s   p50 {q[49] * 1000:6.2f} ms   p99 {q[98] * 1000:6.2f} ms")
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--skip-polling", action="store_true")
    args = parser.parse_args()
    proc = psutil.Process(os.getpid())
    print(f"{args.n} messages, {args.concurrency} in flight, Python {sys.version.split()[0]}")
    e_time, e_lat = await echo(args.n, args.concurrency)
    echo_rate = describe("bare aiogram echo", args.n, e_time, e_lat)
    with tempfile.TemporaryDirectory() as tmp:
        i_time, i_lat, sent = await intake(args.n, args.concurrency, Path(tmp))
    intake_rate = describe("gridbot report intake", args.n, i_time, i_lat)
    print(f"messages sent by intake: {sent} (ack + grid member card per report)")
    print(f"ratio intake/echo: {intake_rate / echo_rate:.2f}   (goal >= 0.5)")
    if not args.skip_polling:
        print(f"\npolling a local Bot API server over HTTP, {args.n} updates queued at once:")
        p_echo = args.n / (await echo_polling(args.n))[0]
        print(f"{'bare aiogram echo':<28} {p_echo:9.0f} msg/s")
        with tempfile.TemporaryDirectory() as tmp:
            p_intake = args.n / (await intake_polling(args.n, Path(tmp)))[0]
        print(f"{'gridbot report intake':<28} {p_intake:9.0f} msg/s")
        print(f"ratio intake/echo: {p_intake / p_echo:.2f}   (goal >= 0.5)")
    print(f"RSS: {proc.memory_info().rss / 2**20:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())
