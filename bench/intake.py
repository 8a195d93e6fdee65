"""Report intake, measured honestly: every measured report opens a ticket, counted in the database.

Three bots, each measured in the same run, both in-process and over HTTP polling:
- echo: bare aiogram, one send per update;
- ceiling: classify the text (gridbot's classifier) and send twice, no database: what a
  report costs when storage, routing and rendering were free;
- intake: gridbot's Dispatcher (create_dispatcher), an SQLite file (WAL): classify, the
  duplicate check, store, route, acknowledge the resident, send the grid member's card.
Texts are distinct complaints (bench/complaints.py) that do not trip the duplicate check,
so each one opens a ticket; the script checks that by COUNTING TICKETS, not messages.

in-process: Dispatcher.feed_update with delivery.offline.RecordingSession(strict=False),
  `--concurrency` updates in flight; latency is each feed_update.
polling:    tests/support/bot_api_server.FakeBotApi with every update queued at once, polled
  by bot.runner.poll (aiogram's start_polling with the update limit of `gridbot run`);
  latency is each update's handling, from the dispatcher's first middleware to its end.

    python bench/intake.py [--n 2000] [--concurrency 16] [--history 0,100000,1000000]
                           [--skip-polling] [--skip-inprocess] [--backlog 10000]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot, Dispatcher, F, Router  # noqa: E402
from aiogram.types import Message, Update  # noqa: E402

from bench.complaints import distinct  # noqa: E402
from bot.app import create_dispatcher  # noqa: E402
from bot.cli.orgtasks import import_org  # noqa: E402
from bot.cli.progress import Bar, Progress  # noqa: E402
from bot.core import Core, build_core  # noqa: E402
from bot.runner import poll  # noqa: E402
from bot.settings import Settings  # noqa: E402
from delivery.notifier import Notifier  # noqa: E402
from delivery.offline import RecordingSession, make_offline_bot  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402

ORG = Path(__file__).resolve().parents[1] / "bot" / "data" / "org.example.toml"
GRIDS = ["WT01", "WT02", "WT03", "FL01", "FL02", "FL03"]
# Senders: update i of a run comes from resident FIRST_USER + first_user + i, who lives in
# GRIDS[i % 6]. Each report has a sender of its own: a resident's second report within
# minutes, or while their first is unaccepted, is asked about as a 补充 (it opens no ticket).
NEIGHBOURS = 600  # other residents, who own the history's tickets and send nothing
FIRST_USER = 5_000_000
GRID_MEMBER = 720101  # the ceiling bot's second send goes to one staff chat, as a card would
CACHE = Path(tempfile.gettempdir()) / "gridbot-bench"


def complaints(n: int, classifier) -> list[str]:
    """n distinct complaints (cached on disk: choosing them classifies each candidate)."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"complaints-{n}.txt"
    if path.exists():
        texts = path.read_text(encoding="utf-8").split("\n")
        if len(texts) == n:
            return texts
    texts = distinct(n, classifier, len(GRIDS))
    path.write_text("\n".join(texts), encoding="utf-8")
    return texts


def fresh(classifier) -> None:
    """Forget the classifier's memo of recent texts: each bot classifies every text itself."""
    classifier._recent.clear()


def updates(texts: list[str], first_id: int = 1, first_user: int = 0) -> list[dict]:
    """Telegram updates, one text each, each from a sender of its own (see NEIGHBOURS)."""
    out = []
    for i, text in enumerate(texts):
        user = FIRST_USER + first_user + i
        out.append({
            "update_id": first_id + i,
            "message": {
                "message_id": first_id + i, "date": 1_790_000_000,
                "chat": {"id": user, "type": "private", "first_name": "居民"},
                "from": {"id": user, "is_bot": False, "first_name": "居民", "language_code": "zh-hans"},
                "text": text,
            },
        })
    return out


# -- the three bots ----------------------------------------------------------------------
def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def _echo(message: Message) -> None:
        await message.answer(message.text)

    dp = Dispatcher()
    dp.include_router(router)
    return dp


def ceiling_dispatcher(classifier) -> Dispatcher:
    """What intake would cost with a free database: classify, answer, send a card."""
    router = Router()

    @router.message(F.text)
    async def _report(message: Message, bot: Bot) -> None:
        p = classifier.classify(message.text.strip())
        await message.answer(f"已受理：{p.category}")
        await bot.send_message(GRID_MEMBER, f"新工单 {p.category}\n{message.text}")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


# -- the database ------------------------------------------------------------------------
async def prepare(folder: Path, history: int, classifier, quiet: bool = True,
                  senders: int = 2060) -> tuple[Settings, Core]:
    """A migrated SQLite file with the example organisation, `senders` residents who send
    (FIRST_USER + i, in GRIDS[i % 6]), NEIGHBOURS who don't, and `history` older tickets."""
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    settings = Settings(database={"url": url}, limits={"reports_per_hour": 10**9, "flood_updates": 0})
    await upgrade_async(url)
    await import_org(settings, ORG)
    core = build_core(settings, classifier=classifier)
    for i in range(len(GRIDS)):  # one through the service, as the picker does; the rest in bulk
        await core.service.join(FIRST_USER + i, GRIDS[i], "居民")
    add_residents(folder / "bench.sqlite3", senders, NEIGHBOURS)
    if history:
        with Bar("history", quiet=quiet, unit="ticket") as bar:
            add_history(folder / "bench.sqlite3", history, bar)
    return settings, core


def add_residents(path: Path, senders: int, neighbours: int) -> None:
    """Residents FIRST_USER + i (i < senders, those not there yet) in GRIDS[i % 6], and
    `neighbours` more after them (sqlite3 executemany: joining 10,000 one by one is minutes)."""
    con = sqlite3.connect(path)
    ids = dict(con.execute("SELECT code, id FROM units WHERE code IN (%s)" % ",".join("?" * len(GRIDS)), GRIDS))
    known = {r[0] for r in con.execute("SELECT telegram_id FROM residents")}
    at = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    con.executemany(
        "INSERT INTO residents (telegram_id, name, grid_id, language, created_at, anonymous) VALUES (?,?,?,?,?,0)",
        [(FIRST_USER + i, "居民", ids[GRIDS[i % len(GRIDS)]], "zh", at)
         for i in range(senders + neighbours) if FIRST_USER + i not in known])
    con.commit()
    con.close()


def add_history(path: Path, n: int, on_progress: Progress | None = None) -> None:
    """n tickets over the past two years (sqlite3 executemany), owned by the NEIGHBOURS (the
    residents after the senders): the older than a month closed, the rest in every state;
    their texts share no word with the complaints. `on_progress(done, n)` every 10,000
    tickets and at the end."""
    con = sqlite3.connect(path)
    grids = [r[0] for r in con.execute("SELECT id FROM units WHERE code IN (%s)" % ",".join("?" * len(GRIDS)), GRIDS)]
    residents = [r[0] for r in con.execute("SELECT id FROM residents ORDER BY telegram_id DESC LIMIT ?",
                                           (NEIGHBOURS,))]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rng = random.Random(3)
    open_states = ["dispatched", "accepted", "new"]
    span = 730 * 86400

    def rows():
        for i in range(n):
            created = now - timedelta(seconds=span * (n - i) / n)
            old = (now - created).days > 30
            state = "closed" if old or rng.random() < 0.5 else rng.choice(open_states)
            at = created.isoformat(sep=" ")
            yield (state, f"历史诉求第{i}件已归档", "其他", "[]", 0.9, 0, "投诉", residents[i % len(residents)],
                   grids[i % len(grids)], -1, i, 0, at, at, at, 0, 0, 0)
            if on_progress is not None and ((i + 1) % 10_000 == 0 or i + 1 == n):
                on_progress(i + 1, n)

    con.executemany(
        "INSERT INTO tickets (state, text, category, keywords, confidence, urgent, request_kind, resident_id,"
        " grid_id, source_chat_id, source_message_id, anonymous, created_at, updated_at, dispatched_at,"
        " reopen_count, escalation_level, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows())
    con.commit()
    con.execute("ANALYZE")
    con.close()


def tickets(core_or_path: Any) -> int:
    con = sqlite3.connect(core_or_path)
    try:
        return con.execute("SELECT count(*) FROM tickets WHERE source_chat_id >= ?", (FIRST_USER,)).fetchone()[0]
    finally:
        con.close()


def intake_dispatcher(core: Core, bot_of: dict) -> Dispatcher:
    class LateNotifier:
        """The notifier of whichever bot is running (polling builds its own), unpaced."""

        def __getattr__(self, name):
            return getattr(bot_of["notifier"], name)

    return create_dispatcher(core, LateNotifier())  # type: ignore[arg-type]


# -- driving -----------------------------------------------------------------------------
async def feed(dp: Dispatcher, bot, raw: list[dict], concurrency: int) -> tuple[float, list[float]]:
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


async def in_process(dp: Dispatcher, raw: list[dict], warm: list[dict], concurrency: int,
                     bot_of: dict | None = None) -> tuple[float, list[float]]:
    session = RecordingSession(strict=False)  # synthetic senders: measure, don't police
    bot = make_offline_bot(session)
    if bot_of is not None:
        bot_of["notifier"] = Notifier(bot, per_chat_interval=0, global_per_s=10**9)
    await feed(dp, bot, warm, concurrency)
    result = await feed(dp, bot, raw, concurrency)
    if bot_of is not None:
        await bot_of["notifier"].aclose()
    await bot.session.close()
    return result


def timed(dp: Dispatcher, latencies: list[float]) -> None:
    """Each update's handling time as polling sees it: around the dispatcher's feed_update."""
    feed_update = dp.feed_update

    async def clocked(bot, update, **kwargs):
        t0 = time.perf_counter()
        try:
            return await feed_update(bot, update, **kwargs)
        finally:
            latencies.append(time.perf_counter() - t0)

    dp.feed_update = clocked  # type: ignore[method-assign]


async def polled(dp: Dispatcher, raw: list[dict], warm: list[dict], concurrency: int, done,
                 bot_of: dict | None = None) -> tuple[float, list[float]]:
    """Queue the warm-up, wait for it, queue everything, poll with bot.runner.poll, wait for `done`."""
    from tests.support.bot_api_server import FakeBotApi

    latencies: list[float] = []
    timed(dp, latencies)
    api = FakeBotApi(strict=False)
    await api.start()
    bot = api.bot()
    if bot_of is not None:
        bot_of["notifier"] = Notifier(bot, per_chat_interval=0, global_per_s=10**9)
    polling = asyncio.create_task(poll(dp, bot, concurrency=concurrency, polling_timeout=1, handle_signals=False))
    for update in warm:
        api.push_update({k: v for k, v in update.items() if k != "update_id"})
    while not done(api, len(warm), 0) or len(latencies) < len(warm):
        await asyncio.sleep(0.02)
    del latencies[:]
    base = len(api.calls("sendMessage", ok=True))
    start = time.perf_counter()
    for update in raw:
        api.push_update({k: v for k, v in update.items() if k != "update_id"})
    # Every update handled to its end, not only its messages out: an urgent report still asks
    # for a phone number after both, and it must not run on into the next bot's measurement.
    while not done(api, len(warm) + len(raw), base) or len(latencies) < len(raw):
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - start
    await dp.stop_polling()
    await polling
    if bot_of is not None:
        await bot_of["notifier"].aclose()
    await bot.session.close()
    await api.stop()
    return elapsed, latencies


def sends(per_update: int, n_measured: int):
    def done(api, total, base):
        return len(api.calls("sendMessage", ok=True)) - base >= (n_measured if base else total) * per_update
    return done


def describe(name: str, n: int, elapsed: float, latencies: list[float]) -> float:
    rate = n / elapsed
    q = statistics.quantiles(latencies, n=100)
    print(f"  {name:<10} {rate:8.1f} upd/s   p50 {q[49] * 1000:7.1f} ms   p99 {q[98] * 1000:7.1f} ms", flush=True)
    return rate


class Trips:
    """What the database did during the measured reports: statements, commits and sessions
    (SQLAlchemy's engine and session events), to show where an intake's time goes."""

    def __init__(self, core: Core) -> None:
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        self.counts = {"statements": 0, "commits": 0, "sessions": 0}
        self.on = False

        def count(name):
            def _count(*_args, **_kw):
                if self.on:
                    self.counts[name] += 1
            return _count

        event.listen(core.engine.sync_engine, "before_cursor_execute", count("statements"))
        event.listen(core.engine.sync_engine, "commit", count("commits"))
        event.listen(Session, "after_begin", count("sessions"))  # a session's first use of a connection

    def per(self, n: int) -> str:
        return ", ".join(f"{v / n:.1f} {k}" for k, v in self.counts.items())


async def measure(mode: str, n: int, concurrency: int, history: int, texts: list[str], classifier,
                  quiet: bool = True) -> dict:
    warm_texts, texts = texts[:60], texts[60:60 + n]
    warm_raw, raw = updates(warm_texts, 1), updates(texts, 10**6, len(warm_texts))
    out: dict[str, Any] = {}
    cpu: dict[str, float] = {}  # process CPU time per measured report (all threads), ms
    for name in ("echo", "ceiling"):
        dp = echo_dispatcher() if name == "echo" else ceiling_dispatcher(classifier)
        per = 1 if name == "echo" else 2
        fresh(classifier)
        c0 = time.process_time()
        if mode == "in-process":
            elapsed, lat = await in_process(dp, raw, warm_raw, concurrency)
        else:
            elapsed, lat = await polled(dp, raw, warm_raw, concurrency, sends(per, n))
        cpu[name] = (time.process_time() - c0) / (n + len(warm_raw)) * 1000
        out[name] = describe(name, n, elapsed, lat)
    with tempfile.TemporaryDirectory() as tmp:
        settings, core = await prepare(Path(tmp), history, classifier, quiet, senders=60 + n)
        path = Path(tmp) / "bench.sqlite3"
        bot_of: dict = {}
        dp = intake_dispatcher(core, bot_of)
        fresh(classifier)
        trips = Trips(core)
        trips.on = True
        c0, t0 = time.process_time(), time.thread_time()
        if mode == "in-process":
            elapsed, lat = await in_process(dp, raw, warm_raw, concurrency, bot_of)
        else:
            def done(api, total, base):
                return tickets(path) >= total and len(api.calls("sendMessage", ok=True)) - base >= (n * 2 if base else 0)
            elapsed, lat = await polled(dp, raw, warm_raw, concurrency, done, bot_of)
        cpu["intake"] = (time.process_time() - c0) / (n + len(warm_raw)) * 1000
        # The event loop's own thread, apart from aiosqlite's worker thread (SQLite itself)
        cpu["loop"] = (time.thread_time() - t0) / (n + len(warm_raw)) * 1000
        trips.on = False
        opened = tickets(path) - len(warm_raw)
        await dp.storage.close()
        await core.close()
    out["intake"] = describe("intake", n, elapsed, lat)
    out["p50"], out["p99"] = statistics.quantiles(lat, n=100)[49] * 1000, statistics.quantiles(lat, n=100)[98] * 1000
    print(f"  tickets opened by the {n} measured reports: {opened}"
          + ("" if opened == n else f"   <-- NOT every report opened a ticket ({n - opened} short)"))
    print(f"  intake/ceiling {out['intake'] / out['ceiling']:.2f}   intake/echo {out['intake'] / out['echo']:.2f}"
          f"   (goal intake/ceiling >= 0.5, p99 < 200 ms)", flush=True)
    # The machine is shared: CPU time per report is steadier than the rates, and says what
    # an intake costs beside the ceiling's classify-and-two-sends.
    print(f"  CPU per report: echo {cpu['echo']:.2f} ms, ceiling {cpu['ceiling']:.2f} ms, intake {cpu['intake']:.2f} ms"
          f" (ceiling/intake {cpu['ceiling'] / cpu['intake']:.2f}; of intake's, the event loop thread"
          f" {cpu['loop']:.2f} ms, other threads {cpu['intake'] - cpu['loop']:.2f} ms);"
          f" database per report: {trips.per(n + len(warm_raw))}", flush=True)
    out["cpu"] = cpu
    return out


async def backlog(n: int, concurrency: int, classifier) -> None:
    """n updates queued before the bot starts (a restart after an outage): none may fail."""
    from aiogram import loggers

    texts = complaints(n + 60, classifier)
    failures: list[str] = []

    class Count:
        def __init__(self):
            import logging
            self.handler = logging.Handler(logging.ERROR)
            self.handler.emit = lambda record: failures.append(record.getMessage())  # type: ignore[method-assign]

    counter = Count()
    loggers.event.addHandler(counter.handler)
    import logging
    logging.getLogger("gridbot").addHandler(counter.handler)
    with tempfile.TemporaryDirectory() as tmp:
        settings, core = await prepare(Path(tmp), 0, classifier, senders=n + 60)
        path = Path(tmp) / "bench.sqlite3"
        bot_of: dict = {}
        dp = intake_dispatcher(core, bot_of)

        finished = [0]

        @dp.update.outer_middleware()
        async def _count(handler, event, data):
            try:
                return await handler(event, data)
            finally:
                finished[0] += 1

        def done(api, total, base):
            return finished[0] >= total  # handled, whether it opened a ticket or not
        elapsed, lat = await polled(dp, updates(texts[60:], 10**6, 60), updates(texts[:60], 1), concurrency, done, bot_of)
        opened = tickets(path) - 60
        await dp.storage.close()
        await core.close()
    describe("backlog", n, elapsed, lat)
    print(f"  backlog of {n}: {opened} tickets, {len(failures)} failures"
          + (f" (first: {failures[0][:200]})" if failures else ""), flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--history", default="0", help="existing tickets, comma-separated (e.g. 0,100000,1000000)")
    parser.add_argument("--skip-polling", action="store_true")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar while building the history")
    parser.add_argument("--skip-inprocess", action="store_true")
    parser.add_argument("--backlog", type=int, default=0, help="also: this many updates queued before start")
    args = parser.parse_args()
    from bot.core import build_taxonomy
    from nlp.classifier import Classifier

    settings = Settings()
    classifier = Classifier.load(settings.nlp.model_dir, build_taxonomy(settings))
    classifier.classify("预热")
    texts = complaints(args.n + 60, classifier)
    gc.freeze()  # as bot.runner does after start-up
    proc = psutil.Process(os.getpid())
    print(f"{args.n} reports, {args.concurrency} in flight, Python {sys.version.split()[0]}, pid {os.getpid()}")
    results = {}
    for history in [int(h) for h in args.history.split(",")]:
        for mode in ("in-process", "polling"):
            if (mode == "polling" and args.skip_polling) or (mode == "in-process" and args.skip_inprocess):
                continue
            print(f"{mode}, {history:,} existing tickets:", flush=True)
            results[(mode, history)] = await measure(mode, args.n, args.concurrency, history, texts, classifier,
                                                     args.quiet)
    for mode in ("in-process", "polling"):
        base = results.get((mode, 0))
        for (m, h), r in results.items():
            if m == mode and h and base:
                print(f"{mode}: latency at {h:,} / at 0 tickets: p50 {r['p50'] / base['p50']:.2f}  "
                      f"p99 {r['p99'] / base['p99']:.2f}   (goal <= 1.5)")
    if args.backlog:
        await backlog(args.backlog, args.concurrency, classifier)
    print(f"RSS: {proc.memory_info().rss / 2**20:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())
