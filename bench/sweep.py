"""The reminder sweep must cost what is due, not what is stored.

    python bench/sweep.py                 # 100,000 and 1,000,000 tickets, 1% due
    python bench/sweep.py --sizes 100000  # one size only
    python bench/sweep.py --rebuild       # build the databases again

Builds SQLite databases under /tmp (migrated with Alembic, the example organisation,
tickets added by INSERT ... SELECT over a recursive CTE, so a million take seconds),
then times single sweeps with a no-op sender. Each database is reset before
each timed sweep (every 100th ticket due, its claims and escalations forgotten), so
runs compare; the sizes take turns.
Half the tickets also carry a sent delivery row, as a database in use would.
"""
from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script too

from bot.cli.orgtasks import import_org  # noqa: E402
from bot.cli.progress import Bar, Progress  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.engine import create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from supervision.calendar import WorkCalendar  # noqa: E402
from supervision.ladder import Ladder, Quiet  # noqa: E402
from supervision.reminders import sweep  # noqa: E402

ORG = Path(__file__).resolve().parents[1] / "bot" / "data" / "org.example.toml"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)  # Monday 11:00 in Shanghai
FMT = "%Y-%m-%d %H:%M:%S.%f"  # how storage.types.UTCDateTime stores times in SQLite


def stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).replace(tzinfo=None).strftime(FMT)


BUILD_STEPS = 4  # the organisation, the tickets, the past reminders, ANALYZE


def build(path: Path, n: int, on_progress: Progress | None = None) -> None:
    """`on_progress(done, BUILD_STEPS)` after each step."""
    step = (lambda done: on_progress(done, BUILD_STEPS)) if on_progress is not None else (lambda done: None)
    path.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    asyncio.run(import_org(Settings(database={"url": url}), ORG))
    step(1)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    grid = db.execute("SELECT id FROM units WHERE code='WT01'").fetchone()[0]
    member = db.execute("SELECT id FROM staff WHERE telegram_id=720101 AND role='grid_member'").fetchone()[0]
    db.execute("INSERT INTO residents (telegram_id, name, grid_id, language, created_at) VALUES (900001, '张阿姨', ?, "
               "'zh', ?)", (grid, stamp(NOW - timedelta(days=400))))
    resident = db.execute("SELECT id FROM residents").fetchone()[0]
    created = stamp(NOW - timedelta(hours=2))
    accept_by, resolve_by = stamp(NOW - timedelta(minutes=1)), stamp(NOW + timedelta(days=3))
    later = stamp(NOW + timedelta(days=1))
    # Per ticket i: 60% closed (nothing pending), 39% waiting for a later step, 1% due now.
    db.execute(
        """
        INSERT INTO tickets (state, text, category, keywords, confidence, urgent, request_kind,
            resident_id, grid_id, assignee_id, source_chat_id, source_message_id, created_at,
            dispatched_at, accept_deadline, resolve_deadline, original_resolve_deadline,
            reopen_count, escalation_level, next_check_at, version, updated_at)
        WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n)
        SELECT CASE WHEN i % 100 = 0 THEN 'dispatched' WHEN i % 5 < 3 THEN 'closed' ELSE 'accepted' END,
               '3号楼楼道堆满杂物，堵住了消防通道', '市容环境', '["杂物"]', 0.9, 0, '投诉',
               :resident, :grid, :member, 900001, i, :created, :created, :accept_by, :resolve_by, :resolve_by,
               0, 0,
               CASE WHEN i % 100 = 0 THEN :due WHEN i % 5 < 3 THEN NULL ELSE :later END,
               1, :created
        FROM seq
        """,
        {"n": n, "resident": resident, "grid": grid, "member": member, "created": created,
         "accept_by": accept_by, "resolve_by": resolve_by, "due": stamp(NOW - timedelta(minutes=1)),
         "later": later},
    )
    step(2)
    db.execute(
        """
        INSERT INTO reminder_deliveries (ticket_id, step, chat_id, staff_id, recipient_role, deadline,
            claimed_at, attempts, sent_at, outcome)
        SELECT id, 'history', 720101, :member, 'assignee', accept_deadline, created_at, 1, created_at, 'sent'
        FROM tickets WHERE id % 2 = 1
        """,
        {"member": member},
    )
    db.commit()
    step(3)
    db.execute("ANALYZE")
    db.close()
    step(4)


def reset(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("DELETE FROM reminder_deliveries WHERE step != 'history'")
    db.execute("DELETE FROM ticket_events WHERE action = '督办'")
    db.execute("UPDATE tickets SET next_check_at = ?, escalation_level = 0 WHERE id % 100 = 0",
               (stamp(NOW - timedelta(minutes=1)),))
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


@dataclass
class Sent:
    ok: bool = True
    blocked: bool = False


async def noop(reminder) -> Sent:
    return Sent()


async def time_sweeps(paths: dict[int, Path], runs: int, batch: int) -> dict[int, list[float]]:
    """One sweep per database per round, each from a reset database, the sizes taking
    turns so that a busy moment of the machine hits both alike."""
    engines = {n: create_engine(f"sqlite+aiosqlite:///{path}") for n, path in paths.items()}
    calendar = WorkCalendar("Asia/Shanghai")
    ladder = Ladder.from_config()
    timings: dict[int, list[float]] = {n: [] for n in paths}
    try:
        for _ in range(runs):
            for n, path in paths.items():
                reset(path)
                sf = create_session_factory(engines[n])
                async with sf() as s:  # the pool's connection is opened outside the timing
                    await s.connection()
                started = time.perf_counter()
                report = await sweep(sf, noop, NOW, ladder=ladder, calendar=calendar,
                                     quiet=Quiet(dtime(22, 0), dtime(7, 30)), batch=batch)
                timings[n].append(time.perf_counter() - started)
                assert report.tickets == batch and report.sent == 2 * batch, report
        return timings
    finally:
        for engine in engines.values():
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar while building the databases")
    parser.add_argument("--dir", type=Path, default=Path("/tmp"))
    args = parser.parse_args()

    paths = {}
    for n in args.sizes:
        path = args.dir / f"gridbot_sweep_bench_{n}.sqlite3"
        if args.rebuild or not path.exists():
            started = time.perf_counter()
            with Bar(f"building {n:,}", quiet=args.quiet, unit="step") as bar:
                build(path, n, bar)
            print(f"built {n:,} tickets in {time.perf_counter() - started:.1f} s "
                  f"({path.stat().st_size / 1e6:.0f} MB at {path})")
        paths[n] = path
    timings = asyncio.run(time_sweeps(paths, args.runs, args.batch))
    medians = {}
    for n, runs in timings.items():
        medians[n] = statistics.median(runs)
        print(f"{n:>9,} tickets, {n // 100:,} due: one sweep of {args.batch} tickets ({2 * args.batch} reminders) "
              f"median {medians[n] * 1000:.0f} ms, min {min(runs) * 1000:.0f} ms, "
              f"max {max(runs) * 1000:.0f} ms over {len(runs)} sweeps")
    if len(medians) >= 2:
        small, large = min(medians), max(medians)
        print(f"ratio {large:,}/{small:,}: {medians[large] / medians[small]:.2f} (goal <= 1.5); "
              f"at {large:,}: {medians[large] * 1000:.0f} ms (goal <= 500 ms)")


if __name__ == "__main__":
    main()
