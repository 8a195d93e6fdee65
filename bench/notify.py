"""Burst benchmark of the notifier against a rate-enforcing fake Bot API on loopback.

    python bench/notify.py --quick           # 600 messages at Telegram's real rates (~25 s)
    python bench/notify.py                   # 10,000 messages at real rates (~6 min)
    python bench/notify.py --scale 10        # 10,000 with every limit x10 (~40 s)
    python bench/notify.py --outbox          # what recording each send in the outbox costs

With --outbox, the same messages go three ways in one run, each with its own outbox row
in a fresh SQLite database: unrecorded (the baseline), recorded with one message in the
window between Telegram's answer and its mark (the default, limits.unrecorded_sends = 1),
and with four. Each at the link's round trip given by --latency-ms (a real Telegram link
is tens to hundreds of ms; loopback is ~1 ms), and the ratio to the baseline.

Every message goes through Notifier and a real aiogram Bot (AiohttpSession) to FakeBotApi,
which answers 429 to any send over its limits (30/s overall, 1/s per chat, 20/min per
group: all multiplied by --scale) and injects a 429 every N sends. It prints the time taken,
the peak rates the server saw, the 429s honoured, violations (must be 0) and whether every
message arrived exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script too

from delivery.notifier import Notifier  # noqa: E402
from tests.support.bot_api_server import FakeBotApi  # noqa: E402


def plan(messages: int, chats: int, groups: int, seed: int) -> list[tuple[int, str]]:
    """Every chat gets one message; the rest are spread Zipf-like (some chats get dozens)."""
    rng = random.Random(seed)
    ids = [100_000 + i for i in range(chats - groups)] + [-(500_000 + i) for i in range(groups)]
    targets = list(ids[: min(messages, len(ids))])
    weights = [1.0 / (rank + 1) ** 0.5 for rank in range(len(ids))]
    targets += rng.choices(ids, weights=weights, k=max(0, messages - len(targets)))
    rng.shuffle(targets)
    return [(chat, f"通知 #{i}：工单即将超期") for i, chat in enumerate(targets)]


async def run(args: argparse.Namespace) -> int:
    items = plan(args.messages, args.chats, args.groups, args.seed)
    k = args.scale
    api = FakeBotApi(
        enforce_limits=True,
        global_per_s=30 * k,
        per_chat_per_s=1 * k,
        group_per_minute=int(20 * k),
        inject_429_every=args.inject_429_every,
        inject_retry_after=1,
        reachable={chat for chat, _ in items},  # each of them wrote to the bot once
    )
    await api.start()
    bot = api.bot()
    notifier = Notifier(
        bot,
        global_per_s=args.global_per_s * k,
        per_chat_interval=1.05 / k,
        group_per_minute=int(19 * k),
        pause_on_429=1.0 / k,  # the brief global pause scales with the rates
    )
    per_chat = Counter(chat for chat, _ in items)
    print(
        f"{len(items)} messages to {len(per_chat)} chats ({args.groups} groups), busiest chat "
        f"{per_chat.most_common(1)[0][1]} messages; notifier {args.global_per_s * k:g}/s overall, "
        f"{1.05 / k:.3f}s per chat; server limits {30 * k:g}/s, {k:g}/s per chat, "
        f"{int(20 * k)}/min per group; a 429 every {args.inject_429_every} sends",
        flush=True,
    )
    started = time.perf_counter()
    progress = asyncio.ensure_future(report_progress(notifier, len(items), started))
    try:
        deliveries = await notifier.send_many(items)
    finally:
        progress.cancel()
        await notifier.aclose()
        await bot.session.close()
        await api.stop()
    elapsed = time.perf_counter() - started

    expected = Counter(items)
    received = Counter((c.chat_id, c.params["text"]) for c in api.calls("sendMessage", ok=True))
    lost = sum((expected - received).values())
    duplicated = sum((received - expected).values())
    failed = sum(not d.ok for d in deliveries)
    floor = len(items) / (args.global_per_s * k)
    busiest = (per_chat.most_common(1)[0][1] - 1) * 1.05 / k
    print(f"total time            {elapsed:8.1f} s  (floor: {floor:.1f} s at the global pace, "
          f"{busiest:.1f} s for the busiest chat)")
    print(f"throughput            {len(items) / elapsed:8.1f} msg/s")
    print(f"peak global rate      {api.peak_global:8d} sends in 1 s   (limit {30 * k:g})")
    print(f"peak per-chat rate    {api.peak_per_chat:8d} sends in 1 s   (limit {k:g})")
    print(f"429s injected         {api.injected_429:8d}")
    print(f"429s honoured         {notifier.stats.rate_limited - api.early_retries:8d}"
          f"  (retried early: {api.early_retries})")
    print(f"violations            {api.violations:8d}")
    print(f"retried / failed      {notifier.stats.retried:8d} / {failed}")
    print(f"delivered             {sum(received.values()):8d} of {len(items)}; "
          f"lost {lost}, duplicated {duplicated}")
    ok = api.violations == 0 and api.early_retries == 0 and lost == 0 and duplicated == 0 and failed == 0
    print("RESULT", "ok" if ok else "FAILED")
    return 0 if ok else 1


async def report_progress(notifier: Notifier, total: int, started: float) -> None:
    while True:
        await asyncio.sleep(30)
        done = notifier.stats.sent + notifier.stats.failed + notifier.stats.blocked
        print(f"  … {done}/{total} after {time.perf_counter() - started:.0f} s", flush=True)


async def outbox_run(args: argparse.Namespace, window: int | None, latency: float) -> float:
    """Seconds to send the plan with each message's outbox row marked as Telegram answers
    (`window` messages at most between answer and mark; None: sent without a record)."""
    import tempfile
    from types import SimpleNamespace

    from handlers.shared.delivery import recorder
    from storage.engine import create_engine, create_session_factory
    from storage.models import Base
    from storage.write_lock import WriteLock
    from tickets import outbox
    from tickets.reports import utcnow

    items = plan(args.messages, args.chats, args.groups, args.seed)
    k = args.scale
    api = FakeBotApi(enforce_limits=True, global_per_s=30 * k, per_chat_per_s=1 * k, group_per_minute=int(20 * k),
                     reachable={chat for chat, _ in items})
    await api.start()
    bot = api.bot()

    async def link(make_request, bot, method):  # the round trip of a real link
        await asyncio.sleep(latency)
        return await make_request(bot, method)

    bot.session.middleware(link)
    notifier = Notifier(bot, global_per_s=args.global_per_s * k, per_chat_interval=1.05 / k,
                        group_per_minute=int(19 * k), pause_on_429=1.0 / k, in_flight=window or 1)
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp}/bench.sqlite3", concurrency=16)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        sf = create_session_factory(engine)
        owner = SimpleNamespace(sf=sf, clock=utcnow, write_lock=WriteLock())  # as TicketService has them
        async with sf() as session, session.begin():
            rows = await outbox.put(session, (outbox.Row(f"bench:{i}", chat, "bench") for i, (chat, _) in
                                              enumerate(items)), utcnow())
        ids = [rows[f"bench:{i}"] for i in range(len(items))]

        async def one(i: int, chat: int, text: str) -> None:
            record = recorder(owner, ids[i]) if window else None
            await notifier.send_message(chat, text, record=record)

        started = time.perf_counter()
        try:
            await asyncio.gather(*(one(i, chat, text) for i, (chat, text) in enumerate(items)))
        finally:
            elapsed = time.perf_counter() - started
            await notifier.aclose()
            await bot.session.close()
            await api.stop()
            await engine.dispose()
    return elapsed


async def outbox_main(args: argparse.Namespace) -> int:
    n = len(plan(args.messages, args.chats, args.groups, args.seed))
    print(f"{n} messages, each with an outbox row (SQLite); notifier {args.global_per_s * args.scale:g}/s, "
          f"scale {args.scale:g}", flush=True)
    for latency_ms in args.latency_ms:
        base = await outbox_run(args, None, latency_ms / 1000)
        print(f"  link {latency_ms:5.0f} ms  unrecorded (baseline)   {n / base:7.1f} msg/s", flush=True)
        for window in (1, 4):
            t = await outbox_run(args, window, latency_ms / 1000)
            print(f"  link {latency_ms:5.0f} ms  recorded, window {window}     {n / t:7.1f} msg/s  "
                  f"({base / t:.2f}x the baseline)", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="600 messages to 300 chats")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=2_000)
    parser.add_argument("--groups", type=int, default=20, help="how many of the chats are groups")
    parser.add_argument("--global-per-s", type=float, default=28, help="notifier's overall pace")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every limit (both sides)")
    parser.add_argument("--inject-429-every", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--outbox", action="store_true", help="the cost of recording each send (see above)")
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[1, 50, 150],
                        help="with --outbox: the link's round trips to try")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.chats, args.groups = 600, 300, 5
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(outbox_main(args) if args.outbox else run(args))


if __name__ == "__main__":
    sys.exit(main())
