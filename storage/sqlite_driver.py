"""SQLite through aiosqlite with one trip to its thread per statement, not four.

aiosqlite runs sqlite3 on a thread of its own per connection; every call is a trip there
and back (a queue, a thread wake-up, a wake-up of the event loop). SQLAlchemy's adaptation
makes four per statement: open a cursor, execute, fetch the rows, close the cursor. A
report's intake runs about nine statements: 36 trips, measured at 41 with the commits
and rollbacks, which cost more than the statements themselves, and most under load.

`OneTripCursor` does the four in one function on the connection's thread and keeps what
SQLAlchemy reads afterwards (the rows, description, rowcount, lastrowid); a commit or a
rollback with no transaction open (a session that only read; the pool's reset) makes no
trip. Installed on each new connection by storage.engine (`one_trip`); server-side cursors
and the rest are SQLAlchemy's own. It uses aiosqlite's queue
(`Connection._execute`) as SQLAlchemy's own dialect does for its isolation level.
"""
from __future__ import annotations

import collections
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.util import EMPTY_DICT


def _run(conn: Any, operation: Any, parameters: Any, many: bool) -> tuple[Any, list, int, Any]:
    """On the connection's thread: the whole statement, rows included."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        return description, cursor.fetchall() if description else [], cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_rowcount", "_lastrowid")

    _awaitable_cursor_close = False  # nothing is left open on the thread

    def __init__(self, adapt_connection: Any) -> None:  # no cursor opened ahead: no trip
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # every row is fetched at once anyway

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            result = await self._connection._execute(_run, self._connection._conn, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(operation, seq_of_parameters, True)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneTripCursor

    def _open_transaction(self) -> bool:
        conn = self._connection._connection  # the sqlite3 connection, None once closed
        return conn is not None and conn.in_transaction

    # sqlite3 opens a transaction only before a write: a session that only read, and the
    # pool's reset of every connection it takes back, have nothing to end. No trip for them.
    def rollback(self) -> None:
        if self._open_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._open_transaction():
            super().commit()


def one_trip(dbapi_conn: Any) -> None:
    """Makes a new aiosqlite connection of SQLAlchemy's use OneTripCursor (the same object,
    its class narrowed: the pool keeps what it created)."""
    if type(dbapi_conn) is AsyncAdapt_aiosqlite_connection:
        dbapi_conn.__class__ = OneTripConnection
