"""/stats and the monthly bulletin (一月一通报) over a million tickets on SQLite.

    python bench/kpi.py                 # 1,000,000 tickets (built once under /tmp)
    python bench/kpi.py --size 100000   # another size
    python bench/kpi.py --rebuild       # build the database again

The database: one street, 20 communities, 200 grids, 23 months of tickets (about 43,000
a month), each with its events (上报, 签收, 办结, 关闭 and some 退回/重办) and 回访 ratings:
about 4.5 million event rows. Built with INSERT ... SELECT over a recursive CTE.

Timed, each as the bot runs it (warm cache, best of --runs):
* /stats for the street cadre (every grid: by grid, community and category);
* /stats for one community cadre (its 10 grids);
* the monthly bulletin's figures for the street (KPIs by grid and category, scores, bands);
* the whole bulletin for the street: figures, three PNG charts and the XLSX.
"""
from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script too

from bot.cli.progress import Bar, Progress  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)  # Thursday 10:00 in Shanghai
FIRST = datetime(2025, 1, 1, tzinfo=timezone.utc)
SPAN_SECONDS = int((datetime(2026, 12, 1, tzinfo=timezone.utc) - FIRST).total_seconds())
COMMUNITIES, GRIDS_EACH = 20, 10
CATEGORIES = ("市容环境", "消防安全", "噪音扰民", "停车交通", "物业服务", "市政设施", "违法建设",
              "矛盾纠纷", "社会治安", "民生服务", "园林绿化", "其他")
STREET_CADRE, COMMUNITY_CADRE = 800001, 810001
GOAL, BASELINE = 2.0, 2.14  # seconds: the whole street bulletin; last measured before issue 12

FMT = "%Y-%m-%d %H:%M:%S.%f"  # how storage.types.UTCDateTime stores times in SQLite


def stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).replace(tzinfo=None).strftime(FMT)


def _t(expr: str) -> str:
    """SQL for a time `expr` seconds after FIRST, in the stored format."""
    return f"strftime('%Y-%m-%d %H:%M:%S', :first, '+' || ({expr}) || ' seconds') || '.000000'"


BUILD_STEPS = 10  # the organisation, the tickets, six kinds of events, the ratings, ANALYZE


def build(path: Path, n: int, on_progress: Progress | None = None) -> None:
    """`on_progress(done, BUILD_STEPS)` after each of the big statements."""
    steps = iter(range(1, BUILD_STEPS + 1))

    def step() -> None:
        done = next(steps)
        if on_progress is not None:
            on_progress(done, BUILD_STEPS)

    path.unlink(missing_ok=True)
    upgrade(f"sqlite+aiosqlite:///{path}")
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("INSERT INTO units (id, code, name, kind, parent_id, active) VALUES (1, 'ST', '幸福街道', 'street', NULL, 1)")
    grid_ids = []
    for c in range(COMMUNITIES):
        cid = 2 + c * (GRIDS_EACH + 1)
        db.execute("INSERT INTO units (id, code, name, kind, parent_id, active) VALUES (?, ?, ?, 'community', 1, 1)",
                   (cid, f"C{c:02d}", f"第{c + 1}社区"))
        db.execute("INSERT INTO staff (telegram_id, name, role, unit_id, is_backup, active) "
                   "VALUES (?, '社区书记', 'community_cadre', ?, 0, 1)", (COMMUNITY_CADRE + c, cid))
        for g in range(GRIDS_EACH):
            gid = cid + 1 + g
            grid_ids.append(gid)
            db.execute("INSERT INTO units (id, code, name, kind, parent_id, active) VALUES (?, ?, ?, 'grid', ?, 1)",
                       (gid, f"C{c:02d}G{g}", f"第{c + 1}社区{g + 1}网格", cid))
            db.execute("INSERT INTO staff (telegram_id, name, role, unit_id, is_backup, active) "
                       "VALUES (?, '网格员', 'grid_member', ?, 0, 1)", (900000 + gid, gid))
    db.execute("INSERT INTO staff (telegram_id, name, role, unit_id, is_backup, active) "
               "VALUES (?, '街道主任', 'street_cadre', 1, 0, 1)", (STREET_CADRE,))
    db.executemany("INSERT INTO residents (id, telegram_id, name, grid_id, language, created_at, anonymous) "
                   "VALUES (?, ?, '居民', ?, 'zh', ?, 0)",
                   [(i + 1, 1_000_000 + i, grid_ids[i % len(grid_ids)], stamp(FIRST)) for i in range(2000)])
    db.execute("CREATE TEMP TABLE cats (i INTEGER PRIMARY KEY, name TEXT)")
    db.executemany("INSERT INTO cats VALUES (?, ?)", list(enumerate(CATEGORIES)))
    db.execute("CREATE TEMP TABLE grids (i INTEGER PRIMARY KEY, id INTEGER)")
    db.executemany("INSERT INTO grids VALUES (?, ?)", list(enumerate(grid_ids)))
    step()
    recent = int((NOW - timedelta(days=45) - FIRST).total_seconds())
    # r picks the fate; older tickets are done, the last weeks' still open in part.
    db.execute(
        f"""
        INSERT INTO tickets (id, state, text, category, keywords, confidence, urgent, request_kind,
            resident_id, grid_id, assignee_id, source_chat_id, source_message_id, anonymous,
            created_at, dispatched_at, accept_deadline, accepted_at, resolve_deadline,
            original_resolve_deadline, resolved_at, closed_at, reopen_count, escalation_level,
            version, updated_at)
        WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n),
        t AS (SELECT i, (i * 7919) % 100 AS r, (i * 104729) % 1000 AS q, i * :span / :n AS s FROM seq)
        SELECT i,
          CASE WHEN s < :recent THEN
                 CASE WHEN r < 93 THEN 'closed' WHEN r < 97 THEN 'cancelled' ELSE 'merged' END
               ELSE CASE WHEN r < 50 THEN 'closed' WHEN r < 60 THEN 'resolved' WHEN r < 75 THEN 'accepted'
                         WHEN r < 85 THEN 'dispatched' WHEN r < 90 THEN 'returned'
                         WHEN r < 95 THEN 'reopened' ELSE 'escalated' END END,
          '楼道堆满杂物', (SELECT name FROM cats WHERE cats.i = t.i % 12), '[]', 0.9, 0, '投诉',
          1 + i % 2000, (SELECT id FROM grids WHERE grids.i = ((t.i * 2654435761) % 4294967296) / 65536 % 200), NULL, 1, i, 0,
          {_t('s')}, {_t('s + 60')}, {_t('s + 7200')},
          CASE WHEN r < 75 OR s < :recent THEN {_t('s + q * 12')} END,
          {_t('s + 259200')}, {_t('s + 259200')},
          CASE WHEN r < 60 OR s < :recent THEN {_t('s + q * 400')} END,
          CASE WHEN r < 50 OR s < :recent THEN {_t('s + q * 400 + 86400')} END,
          CASE WHEN r >= 90 AND r < 95 THEN 1 ELSE 0 END, 0, 3, {_t('s')}
        FROM t
        """,
        {"n": n, "span": SPAN_SECONDS, "recent": recent, "first": stamp(FIRST)},
    )
    step()
    events = [("open", "created_at", "1"), ("accept", "accepted_at", "accepted_at IS NOT NULL"),
              ("resolve", "resolved_at", "resolved_at IS NOT NULL"), ("close", "closed_at", "closed_at IS NOT NULL"),
              ("return", "dispatched_at", "state = 'returned'"), ("reopen", "accept_deadline", "reopen_count > 0")]
    for action, column, where in events:
        db.execute(f"INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_name, action) "
                   f"SELECT id, {column}, 'staff', '', '{action}' FROM tickets WHERE {where}")
        step()
    db.execute(
        "INSERT INTO ratings (ticket_id, round, solved, satisfaction, at) "
        "SELECT id, 0, id % 20 <> 0, CASE WHEN id % 20 = 0 THEN NULL WHEN id % 7 = 0 THEN 'basically' "
        "WHEN id % 31 = 0 THEN 'dissatisfied' ELSE 'satisfied' END, closed_at FROM tickets WHERE closed_at IS NOT NULL")
    db.commit()
    step()
    db.execute("ANALYZE")
    db.close()
    step()


async def measure(path: Path, runs: int) -> None:
    from bot.cadre import build_reports
    from bot.settings import Settings
    from figures.periods import month_period, parse_period
    from figures.stats import CadreStats
    from storage.engine import create_engine, create_session_factory

    settings = Settings(database={"url": f"sqlite+aiosqlite:///{path}"})
    engine = create_engine(settings.database.url)
    sf = create_session_factory(engine)
    stats = CadreStats(sf, clock=lambda: NOW)
    reports = build_reports(settings, sf, clock=lambda: NOW)
    period = parse_period("上月", NOW, TZ)[0]
    month = month_period("2026-11", TZ)

    async def timed(label: str, make) -> object:
        times, result = [], None
        for _ in range(runs):
            started = time.perf_counter()
            result = await make()
            times.append(time.perf_counter() - started)
        print(f"{label:<44} best {min(times):6.3f} s   median {statistics.median(times):6.3f} s")
        return result

    street = await timed("/stats 上月, street cadre (200 grids)", lambda: stats.report(STREET_CADRE, period))
    await timed("/stats 上月, community cadre (10 grids)", lambda: stats.report(COMMUNITY_CADRE, period))
    data = await timed("bulletin figures, street (200 grids)", lambda: reports.bulletin_data(STREET_CADRE, month))
    files = await timed("bulletin, street: figures + 3 PNG + XLSX", lambda: reports.bulletin(STREET_CADRE, month))
    total = street.total
    print(f"\n上月 for the street: created {total.created}, dispatched {total.dispatched}, due {total.due}, "
          f"rated {total.rated}, open now {total.open_now}, overdue now {total.overdue_now}")
    kpis = ", ".join(f"{k} {'—' if v is None else (f'{v:.1%}' if isinstance(v, float) else v)}"
                     for k, v in total.kpis().items())
    print(f"KPIs: {kpis}")
    print(f"bulletin: {len(data[0].grids)} grids ranked; files: "
          + ", ".join(f"{name} ({len(body) // 1024} KB)" for name, body in files[0].files))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar while building the database")
    args = parser.parse_args()
    path = Path(f"/tmp/gridbot-bench-kpi-{args.size}.sqlite3")
    if args.rebuild or not path.exists():
        started = time.perf_counter()
        with Bar("building", quiet=args.quiet, unit="step") as bar:
            build(path, args.size, bar)
        print(f"built {args.size:,} tickets in {time.perf_counter() - started:.1f} s: {path}")
    with sqlite3.connect(path) as db:
        counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("tickets", "ticket_events", "ratings")}
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    print(f"goal: the full bulletin under {GOAL:g} s; baseline: {BASELINE:g} s before issue 12 (same machine class)")
    with sqlite3.connect(path) as db:  # this machine's speed, to read the figures below against
        started = time.perf_counter()
        db.execute("SELECT count(*), sum(length(action)) FROM ticket_events").fetchone()
        print(f"calibration: a full scan of ticket_events takes {time.perf_counter() - started:.3f} s here")
    asyncio.run(measure(path, args.runs))


if __name__ == "__main__":
    main()
