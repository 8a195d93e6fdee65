"""SQLite through aiosqlite, one trip to its thread per statement (storage.sqlite_driver):
the same answers as SQLAlchemy's own adaptation (rows, rowcount, errors), in fewer trips."""
from __future__ import annotations

import collections

import aiosqlite.core
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.engine import create_engine, create_session_factory
from storage.sqlite_driver import OneTripConnection


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}", concurrency=2)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT UNIQUE, n INTEGER)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch):
    counted: collections.Counter = collections.Counter()
    real = aiosqlite.core.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        counted[getattr(fn, "__name__", "?")] += 1
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counting)
    return counted


async def test_answers_as_sqlalchemy_expects(engine):
    sf = create_session_factory(engine)
    async with sf() as s, s.begin():
        await s.execute(text("INSERT INTO t (s, n) VALUES (:s, :n)"), [{"s": f"x{i}", "n": i} for i in range(5)])
        assert isinstance((await (await s.connection()).get_raw_connection()).dbapi_connection, OneTripConnection)
    async with sf() as s, s.begin():
        moved = await s.execute(text("UPDATE t SET n = n + 10 WHERE n >= 3"))
        assert moved.rowcount == 2
        none = await s.execute(text("UPDATE t SET n = 0 WHERE s = 'nobody'"))
        assert none.rowcount == 0  # a conditional claim that lost reads as lost
        assert (await s.execute(text("SELECT s, n FROM t ORDER BY id"))).all() == [
            ("x0", 0), ("x1", 1), ("x2", 2), ("x3", 13), ("x4", 14)]
        assert (await s.execute(text("SELECT s FROM t WHERE n < 0"))).all() == []
        returned = await s.execute(text("INSERT INTO t (s, n) VALUES ('y', 7) RETURNING id, n"))
        assert returned.one() == (6, 7)
    with pytest.raises(IntegrityError):
        async with sf() as s, s.begin():
            await s.execute(text("INSERT INTO t (s, n) VALUES ('x0', 1)"))
    async with sf() as s:  # the failed transaction was rolled back, the others kept
        assert (await s.execute(text("SELECT count(*) FROM t"))).scalar_one() == 6


async def test_one_trip_per_statement_none_to_end_a_read(engine, trips):
    sf = create_session_factory(engine)
    async with sf() as s:  # warm: the pool has its connection
        await s.execute(text("SELECT 1"))
    trips.clear()
    async with sf() as s:
        await s.execute(text("SELECT s FROM t"))
        await s.execute(text("SELECT count(*) FROM t"))
    assert sum(trips.values()) == 2  # no cursor, fetch, close, rollback or pool reset trips
    trips.clear()
    async with sf() as s, s.begin():
        await s.execute(text("INSERT INTO t (s, n) VALUES ('z', 1)"))
    assert sum(trips.values()) == 2  # the statement and the commit
