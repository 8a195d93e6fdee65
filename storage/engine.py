"""Engine and session factory. Built by functions, never at import time."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage.sqlite_driver import one_trip
from storage.updates import RecordingSession


# How long a connection waits for another's write before "database is locked". Generous:
# a second instance cold-starting on the same file waits out the first one's migration.
BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    one_trip(dbapi_conn)  # aiosqlite: one trip to its thread per statement (storage.sqlite_driver)
    cur = dbapi_conn.cursor()
    # The wait first: switching to WAL takes the file's exclusive lock once, and on a file
    # that is already WAL (every start after the first migration) it takes none.
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL; None for a server or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def ensure_database_folder(url: str) -> None:
    """Creates the folder of an SQLite file (`data/` on a fresh clone); nothing for a server."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


# Connections beyond the updates in flight: the scheduler's sweep, the command centre, a
# handler that opens a second session while its first is still open.
RESERVE = 4


def pool_options(url: str, concurrency: int | None) -> dict:
    """Pool size for `concurrency` updates handled at once (settings.limits.concurrent_updates):
    each holds at most one connection at a time, plus RESERVE, and as many again as overflow
    before anyone waits. SQLite keeps one writer (the workflow's write lock), but its readers
    run side by side under WAL, so it gets the same pool. An in-memory SQLite database has
    one shared connection: nothing to size."""
    in_memory = make_url(url).get_backend_name() == "sqlite" and sqlite_file(url) is None
    if concurrency is None or in_memory:
        return {}
    return {"pool_size": concurrency + RESERVE, "max_overflow": concurrency}


def create_engine(url: str, *, echo: bool = False, concurrency: int | None = None) -> AsyncEngine:
    ensure_database_folder(url)
    # hide_parameters: neither echo nor an error message may print a resident's data.
    engine = create_async_engine(url, echo=echo, hide_parameters=True, **pool_options(url, concurrency))
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    # RecordingSession: the transaction that carries a command's effect also records the
    # Telegram update it answers (storage.updates), so a replay changes nothing twice.
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=RecordingSession)

