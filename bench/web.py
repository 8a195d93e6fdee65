"""The command centre (指挥调度平台) with 10,000 open tickets on SQLite.

    python bench/web.py                   # 10,000 open tickets, 20 concurrent sessions
    python bench/web.py --tickets 50000 --sessions 40 --rounds 10

The example organisation with outlines for its grids; every ticket open, most with a
location, some overdue. The street cadre (all six grids) is signed in.

Timed over HTTP against the real application (aiohttp, one process, as `gridbot run` serves it):
* first render of the list (GET /tickets, 50 rows of 10,000, tab counts) and of the map
  (GET /map, then /map/data.json with every marker), on a cold process;
* p50/p95 per request with --sessions signed-in browsers each going over the list, its
  polled rows, the map's markers and a ticket page, --think seconds apart (0: flat out);
* the baseline from the same run: a static file (/static/console.css), alone and under the same load.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script too

from aiohttp import ClientSession  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402

from bot.cli.progress import Bar, Progress  # noqa: E402

STREET_CADRE = 700001
CATEGORIES = ("市容环境", "消防安全", "噪音扰民", "停车交通", "物业服务", "市政设施")
STATES = ("dispatched", "accepted", "accepted", "returned", "escalated", "reopened")
FMT = "%Y-%m-%d %H:%M:%S.%f"


def stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).replace(tzinfo=None).strftime(FMT)


def seed(path: Path, n: int, now: datetime, on_progress: Progress | None = None) -> None:
    """n tickets over the last 30 days; `on_progress(done, n)` every 1,000 made and at the end."""
    db = sqlite3.connect(path)
    grids = db.execute("SELECT id FROM units WHERE kind = 'grid' ORDER BY code").fetchall()
    staff = dict(db.execute("SELECT unit_id, id FROM staff WHERE role = 'grid_member' AND is_backup = 0"))
    for i, (gid,) in enumerate(grids):
        lon, lat = 121.470 + 0.0045 * (i % 3), 31.230 + 0.0045 * (i // 3)
        ring = [[lon, lat], [lon + 0.004, lat], [lon + 0.004, lat + 0.004], [lon, lat + 0.004], [lon, lat]]
        db.execute("UPDATE units SET boundary = ? WHERE id = ?",
                   (f'{{"type": "Polygon", "coordinates": [{ring}]}}', gid))
    db.executemany("INSERT INTO residents (id, telegram_id, name, grid_id, language, created_at, anonymous) "
                   "VALUES (?, ?, '居民', ?, 'zh', ?, 0)",
                   [(i + 1, 5_000_000 + i, grids[i % len(grids)][0], stamp(now)) for i in range(500)])
    rnd = random.Random(15)
    rows = []
    for i in range(n):
        g = rnd.randrange(len(grids))
        gid = grids[g][0]
        created = now - timedelta(minutes=rnd.randrange(60 * 24 * 30))
        located = rnd.random() < 0.8
        lon, lat = 121.470 + 0.0045 * (g % 3) + rnd.random() * 0.004, 31.230 + 0.0045 * (g // 3) + rnd.random() * 0.004
        rows.append((STATES[i % len(STATES)], f"第{i}号工单：楼道堆放杂物，影响通行", CATEGORIES[i % len(CATEGORIES)],
                     lat if located else None, lon if located else None, 1 + i % 500, gid, staff.get(gid),
                     i + 1, stamp(created), stamp(created + timedelta(hours=2)), stamp(created + timedelta(days=rnd.choice((3, 40)))),
                     stamp(created)))
        if on_progress is not None and (len(rows) % 1000 == 0 or len(rows) == n):
            on_progress(len(rows), n)
    db.executemany(
        "INSERT INTO tickets (state, text, category, keywords, confidence, urgent, request_kind, latitude, longitude, "
        "resident_id, grid_id, assignee_id, source_chat_id, source_message_id, anonymous, created_at, "
        "accept_deadline, resolve_deadline, reopen_count, escalation_level, version, updated_at) "
        "VALUES (?, ?, ?, '[]', 0.9, 0, '投诉', ?, ?, ?, ?, ?, 1, ?, 0, ?, ?, ?, 0, 0, 0, ?)", rows)
    db.commit()
    db.close()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


async def timed(session: ClientSession, url: str) -> float:
    start = time.perf_counter()
    async with session.get(url) as r:
        await r.read()
        assert r.status == 200, (url, r.status)
    return time.perf_counter() - start


async def sign_in(base: str, links) -> ClientSession:
    from aiohttp import CookieJar

    session = ClientSession(cookie_jar=CookieJar(unsafe=True))
    url, _ = await links.issue(STREET_CADRE)
    async with session.post(base + "/login", data={"token": url.rsplit("/", 1)[1]}, allow_redirects=False) as r:
        assert r.status == 303
    return session


async def main(args) -> None:
    from bot.app import build_login_links
    from bot.cadre import build_cadre_tools
    from bot.cli.orgtasks import import_org
    from bot.core import build_core
    from bot.settings import Settings
    from delivery.notifier import Notifier
    from delivery.offline import RecordingSession, make_offline_bot
    from storage.migrate import upgrade_async
    from web.app import build_web_app

    folder = Path(tempfile.mkdtemp(prefix="gridbot-web-bench-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    settings = Settings(database={"url": url}, web={"enabled": True, "cache_dir": str(folder / "cache")})
    await upgrade_async(url)
    await import_org(settings, Path(__file__).resolve().parents[1] / "bot" / "data" / "org.example.toml")
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    with Bar("seeding", quiet=args.quiet, unit="ticket") as bar:
        seed(folder / "bench.sqlite3", args.tickets, now, bar)
    print(f"seeded {args.tickets:,} open tickets in {time.perf_counter() - started:.1f} s")
    core = build_core(settings)
    notifier = Notifier(make_offline_bot(RecordingSession()))
    app = build_web_app(core, notifier, settings, cadre=build_cadre_tools(core))
    links = build_login_links(core)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    sessions = [await sign_in(base, links) for _ in range(args.sessions)]
    try:
        first = sessions[0]
        static = await timed(first, base + "/static/console.css")
        cold_list = await timed(first, base + "/tickets")
        cold_map = await timed(first, base + "/map") + await timed(first, base + "/map/data.json")
        async with first.get(base + "/map/data.json") as r:
            markers = len((await r.json())["markers"])
        warm_list = min([await timed(first, base + "/tickets") for _ in range(3)])
        warm_map = min([await timed(first, base + "/map") + await timed(first, base + "/map/data.json")
                        for _ in range(3)])
        print(f"\nfirst render (cold process), {args.tickets:,} open tickets, {markers:,} on the map:")
        print(f"  baseline: static file      {static * 1000:8.1f} ms")
        print(f"  list  GET /tickets         {cold_list * 1000:8.1f} ms  (warm best {warm_list * 1000:.1f} ms)")
        print(f"  map   GET /map + data.json {cold_map * 1000:8.1f} ms  (warm best {warm_map * 1000:.1f} ms)  goal < 1000 ms")

        paths = ["/tickets", "/tickets/rows?view=overdue", "/map/data.json", f"/tickets/{args.tickets // 2}",
                 "/static/console.css"]
        times: dict[str, list[float]] = {p: [] for p in paths}

        async def browse(session: ClientSession) -> None:
            await asyncio.sleep(random.random() * args.think)  # browsers do not start in step
            for _ in range(args.rounds):
                for p in paths:
                    times[p].append(await timed(session, base + p))
                    await asyncio.sleep(args.think)

        started = time.perf_counter()
        await asyncio.gather(*(browse(s) for s in sessions))
        wall = time.perf_counter() - started
        total = sum(len(v) for v in times.values())
        print(f"\n{args.sessions} concurrent sessions x {args.rounds} rounds, {args.think:g} s between a session's "
              f"requests: {total} requests in {wall:.1f} s ({total / wall:.0f}/s)")
        print(f"  {'request':32} {'p50 ms':>8} {'p95 ms':>8}")
        for p, v in times.items():
            label = p if not p.startswith("/static") else p + " (baseline)"
            print(f"  {label:32} {pct(v, 50):8.1f} {pct(v, 95):8.1f}")
        dynamic = [t for p, v in times.items() if not p.startswith("/static") for t in v]
        print(f"  {'all pages':32} {pct(dynamic, 50):8.1f} {pct(dynamic, 95):8.1f}  "
              f"(mean {statistics.mean(dynamic) * 1000:.1f})")
    finally:
        for s in sessions:
            await s.close()
        await server.close()
        await notifier.aclose()
        await core.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar while seeding")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a session waits between requests (the pages poll every 5 s); 0: flat out")
    asyncio.run(main(parser.parse_args()))
