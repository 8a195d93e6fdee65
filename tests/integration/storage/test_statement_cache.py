"""A report's statements are compiled once and taken from SQLAlchemy's cache after that.

A statement SQLAlchemy cannot key (a multi-row `.values([...])`, for one) is compiled anew
on every execution: about half a millisecond of CPU each, on every report. The outbox's and
the processed updates' upserts were such statements until they passed their rows as
parameters (bench/profile_report.py found them).
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from tests.conftest import NEIGHBOUR, RESIDENT

FIRST = "3号楼楼道堆满杂物，堵住了消防通道，好几天了"
SECOND = "小区东门的路灯坏了一个星期，晚上出入看不清路"


async def test_a_second_report_compiles_no_statement_anew(chat, core):
    for person in (RESIDENT, NEIGHBOUR):
        await chat.say(person, "/start WT01")
    await chat.say(RESIDENT, FIRST)  # the first of each statement is compiled and cached
    uncached: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if context is not None and context.cache_hit == CacheStats.NO_CACHE_KEY:
            uncached.append(statement.split("(")[0].strip())

    event.listen(core.engine.sync_engine, "before_cursor_execute", watch)
    try:
        out = await chat.say(NEIGHBOUR, SECOND)
    finally:
        event.remove(core.engine.sync_engine, "before_cursor_execute", watch)
    assert any("已受理" in t for t in chat.texts_to(NEIGHBOUR, out)), "the second report opened no ticket"
    assert uncached == [], f"compiled on every report: {uncached}"
