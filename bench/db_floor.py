"""The floor under intake's database work: what one indexed SELECT costs, by the road it takes,
in the same run (a script, not a test):

    PYTHONPATH=. python bench/db_floor.py [--n 2000]

Prints CPU microseconds (the whole process: the event loop and aiosqlite's worker thread) and
wall microseconds per SELECT of one processed-update key (the replay check every update makes),
on a migrated SQLite file (WAL), taken:
- through sqlite3 directly (no event loop);
- through aiosqlite (one trip to its worker thread);
- through SQLAlchemy Core on an AsyncConnection kept open;
- through an AsyncSession kept open (the ORM's execute, no new transaction);
- through a new AsyncSession each time (gridbot's session factory: begin, SELECT, rollback).
Beside them, for scale: bench/intake.py's ceiling bot spends 0.5-0.6 ms of CPU on a whole
report in-process (classify and two sends), and gridbot's intake makes about 13.5 statements
in 7.8 sessions per report.
"""
from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402

from storage.engine import create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import ProcessedUpdate  # noqa: E402

KEYS = ["message:1:2", "update:3"]
SQL = "SELECT key FROM processed_updates WHERE key IN (?, ?) LIMIT 1"


def report(name: str, n: int, wall: float, cpu: float) -> None:
    print(f"  {name:<44} CPU {cpu / n * 1e6:7.0f} us   wall {wall / n * 1e6:7.0f} us", flush=True)


async def measure(path: Path, n: int) -> None:
    import aiosqlite

    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url, concurrency=16)
    factory = create_session_factory(engine)
    q = select(ProcessedUpdate.key).where(ProcessedUpdate.key.in_(KEYS)).limit(1)

    def direct() -> None:
        con = sqlite3.connect(path)
        for _ in range(n):
            con.execute(SQL, KEYS).fetchone()
        con.close()

    async def via_aiosqlite() -> None:
        async with aiosqlite.connect(path) as con:
            for _ in range(n):
                await (await con.execute(SQL, KEYS)).fetchone()

    async def core_connection() -> None:
        async with engine.connect() as con:
            for _ in range(n):
                (await con.execute(q)).first()

    async def open_session() -> None:
        async with factory() as session:
            for _ in range(n):
                (await session.execute(q)).first()

    async def new_session() -> None:
        for _ in range(n):
            async with factory() as session:
                (await session.execute(q)).first()

    async with engine.connect() as con:  # warm: the pool, the statement cache
        await con.execute(text("SELECT 1"))
    for _round in range(2):
        print(f"round {_round + 1} ({n} SELECTs each):")
        for name, fn in (("sqlite3, direct", direct), ("aiosqlite", via_aiosqlite),
                         ("SQLAlchemy Core, open AsyncConnection", core_connection),
                         ("SQLAlchemy ORM, open AsyncSession", open_session),
                         ("SQLAlchemy ORM, a new AsyncSession each", new_session)):
            w, c = time.perf_counter(), time.process_time()
            if asyncio.iscoroutinefunction(fn):
                await fn()
            else:
                fn()
            report(name, n, time.perf_counter() - w, time.process_time() - c)
    await engine.dispose()


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "floor.sqlite3"
        await upgrade_async(f"sqlite+aiosqlite:///{path}")
        await measure(path, n)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    asyncio.run(main(parser.parse_args().n))
