"""五单 figures: a new order's notice to 1,000 members, and 100 members pressing 接单 at once.

    python bench/services.py --quick          # every limit x10 (~10 s)
    python bench/services.py                  # Telegram's real rates (~40 s)
    python bench/services.py --pg             # the race on PostgreSQL too (127.0.0.1:5432)

Everything goes through the real Dispatcher, the real handlers and the Notifier, to a
rate-enforcing fake Bot API on loopback (tests/support/bot_api_server.FakeBotApi, which
answers 429 to any send over 30/s overall or 1/s per chat, scaled by --scale, and injects a
429 every N sends).

1. Broadcast: the community has --members registered members; the cadre presses 通过发布
   on a new order. Timed from the press until the last member's notice is accepted; the
   server's peak rates, violations (must be 0), 429s honoured, delivered exactly once.
2. Race: --takers members press 接单 on one published order at the same moment (one
   asyncio task each, through Dispatcher.feed_update). Exactly one must win, every other
   press must be told it is taken; timed until the last press is answered.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script too

from aiogram.types import Update  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.app import create_dispatcher  # noqa: E402
from bot.cli.orgtasks import import_org  # noqa: E402
from bot.core import build_core
from bot.settings import Settings  # noqa: E402
from delivery.notifier import Notifier  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import ServiceMember, ServiceOrder, ServiceOrderEvent, Unit  # noqa: E402
from tests.support.bot_api_server import FakeBotApi  # noqa: E402

ORG = Path(__file__).resolve().parents[1] / "bot" / "data" / "org.example.toml"
RESIDENT, CADRE = 900001, 710001
FIRST_MEMBER = 2_000_000
# Monday 10:00 in Shanghai: outside quiet hours, so nothing is held.
NOON = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


class NoClassifier:
    """The bench types no free text: the shipped model's second of start-up is not needed."""

    def classify(self, text):
        raise AssertionError("not used")


class Clock:
    def __call__(self) -> datetime:
        return NOON


async def setup(url: str, members: int):
    settings = Settings(database={"url": url}, limits={"flood_updates": 0})
    await upgrade_async(url)
    await import_org(settings, ORG)
    core = build_core(settings, classifier=NoClassifier(), clock=Clock())
    await core.service.join(RESIDENT, "WT01", "张阿姨")
    async with core.session_factory() as s, s.begin():
        community = (await s.execute(select(Unit).where(Unit.code == "XF-WT"))).scalar_one()
        s.add_all(ServiceMember(telegram_id=FIRST_MEMBER + i, name=f"志愿者{i}", community_id=community.id,
                                kind="volunteer", status="active", via="invite", created_at=NOON, version=0)
                  for i in range(members))
    return core


def callback(update_id: int, user_id: int, data: str) -> dict:
    return {"update_id": update_id, "callback_query": {
        "id": str(update_id), "from": {"id": user_id, "is_bot": False, "first_name": "x"},
        "chat_instance": "ci", "data": data,
        "message": {"message_id": 1, "date": 0, "chat": {"id": user_id, "type": "private"}, "text": "…"}}}


async def feed(dp, bot, update: dict) -> float:
    started = time.perf_counter()
    await dp.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
    return time.perf_counter() - started


async def broadcast(core, dp, bot, api: FakeBotApi, notifier: Notifier, args) -> bool:
    services = dp["services"]
    order = await services.orders.open_order(RESIDENT, RESIDENT, 1, "帮独居老人买点降压药", "today")
    sends_before = len(api.calls("sendMessage", ok=True))
    started = time.perf_counter()
    await feed(dp, bot, callback(1, CADRE, f"sr:ok:{order.order.id}"))
    elapsed = time.perf_counter() - started
    members = {FIRST_MEMBER + i for i in range(args.members)}
    got = Counter(c.chat_id for c in api.calls("sendMessage", ok=True)[sends_before:] if c.chat_id in members)
    lost = len(members - set(got))
    duplicated = sum(n - 1 for n in got.values() if n > 1)
    k = args.scale
    floor = args.members / (28 * k)
    print(f"broadcast: {args.members} members, notifier {28 * k:g}/s; server limits {30 * k:g}/s overall, "
          f"{k:g}/s per chat, a 429 every {args.inject_429_every} sends")
    print(f"  time, press to last notice  {elapsed:8.2f} s   (floor at the notifier's pace: {floor:.2f} s)")
    print(f"  throughput                  {args.members / elapsed:8.1f} msg/s")
    print(f"  peak global rate            {api.peak_global:8d} in 1 s   (limit {30 * k:g})")
    print(f"  peak per-chat rate          {api.peak_per_chat:8d} in 1 s   (limit {k:g})")
    print(f"  429s injected / honoured    {api.injected_429:8d} / {notifier.stats.rate_limited - api.early_retries}"
          f"   (retried early: {api.early_retries})")
    print(f"  violations                  {api.violations:8d}")
    print(f"  delivered                   {sum(got.values()):8d} of {args.members}; lost {lost}, duplicated {duplicated}")
    return api.violations == 0 and api.early_retries == 0 and lost == 0 and duplicated == 0


async def race(core, dp, bot, args, label: str) -> bool:
    services = dp["services"]
    order = await services.orders.open_order(RESIDENT, RESIDENT, 2, "陪老人去医院复查", "tomorrow")
    # Published without a broadcast (the race is about the claim, not the notices).
    services.review.quiet = lambda now: NOON.replace(year=2030)
    await services.review.approve(CADRE, order.order.id)
    takers = [FIRST_MEMBER + i for i in range(args.takers)]
    updates = [callback(1000 + i, t, f"sd:take:{order.order.id}") for i, t in enumerate(takers)]
    started = time.perf_counter()
    latencies = await asyncio.gather(*(feed(dp, bot, u) for u in updates))
    settle = time.perf_counter() - started
    async with core.session_factory() as s:
        o = await s.get(ServiceOrder, order.order.id)
        takes = (await s.execute(select(func.count(ServiceOrderEvent.id)).where(
            ServiceOrderEvent.order_id == o.id, ServiceOrderEvent.action == "take"))).scalar_one()
        winner = await s.get(ServiceMember, o.taker_id) if o.taker_id else None
    lat = sorted(latencies)
    print(f"race ({label}): {args.takers} members press 接单 on one order at once")
    print(f"  winners                     {takes:8d}   (taker {winner.telegram_id if winner else None}, "
          f"state {o.state})")
    print(f"  time to settle (all answered) {settle:6.3f} s")
    print(f"  per press: median {statistics.median(lat) * 1000:.0f} ms, "
          f"p95 {lat[int(len(lat) * 0.95) - 1] * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")
    return takes == 1 and o.state == "taken" and winner is not None


async def run_on(url: str, label: str, args, api: FakeBotApi, with_broadcast: bool) -> bool:
    core = await setup(url, args.members)
    bot = api.bot()
    k = args.scale
    notifier = Notifier(bot, global_per_s=28 * k, per_chat_interval=1.05 / k, group_per_minute=int(19 * k),
                        pause_on_429=1.0 / k)
    dp = create_dispatcher(core, notifier)
    try:
        ok = await broadcast(core, dp, bot, api, notifier, args) if with_broadcast else True
        return await race(core, dp, bot, args, label) and ok
    finally:
        await notifier.aclose()
        await bot.session.close()
        await core.close()


async def run(args) -> int:
    k = args.scale
    api = FakeBotApi(enforce_limits=True, global_per_s=30 * k, per_chat_per_s=1 * k, group_per_minute=int(20 * k),
                     inject_429_every=args.inject_429_every, inject_retry_after=1)
    await api.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ok = await run_on(f"sqlite+aiosqlite:///{tmp}/bench.sqlite3", "SQLite, one writer", args, api, True)
        if args.pg:
            from tests.support.reminder_kit import postgres_database

            async for url in postgres_database():
                ok = await run_on(url, "PostgreSQL, no lock", args, api, False) and ok
    finally:
        await api.stop()
    print("RESULT", "ok" if ok else "FAILED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="every limit x10")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--takers", type=int, default=100)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every rate limit (both sides)")
    parser.add_argument("--inject-429-every", type=int, default=400)
    parser.add_argument("--pg", action="store_true", help="race on PostgreSQL too (127.0.0.1:5432)")
    args = parser.parse_args()
    if args.quick:
        args.scale = 10.0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
