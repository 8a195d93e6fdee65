"""Creating a resident is an upsert: two first messages of one new person at once (two
updates handled concurrently) find one row, with no unique violation on residents.
Runs on SQLite, and on PostgreSQL with `--db=postgresql` (skipped where it does not answer)."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from storage.models import Resident
from storage.repositories import Residents


async def count(core, telegram_id: int) -> int:
    async with core.session_factory() as s:
        return (await s.execute(select(func.count()).where(Resident.telegram_id == telegram_id))).scalar_one()


async def test_two_transactions_that_both_saw_no_resident_create_one(core, clock, request):
    pg = request.config.getoption("--db") == "postgresql"
    # Both read "nobody yet" before either writes: the race a plain INSERT loses on PostgreSQL.
    # (SQLite has one writer: a second transaction that read first could not write at all.)
    both_read = asyncio.Barrier(2) if pg else None

    async def first_message(name: str) -> int:
        async with core.session_factory() as s, s.begin():
            residents = Residents(s)
            if both_read:
                assert await residents.by_telegram_id(930001) is None
                await both_read.wait()
            resident, _ = await residents.upsert(930001, clock(), name=name)
            return resident.id

    a, b = await asyncio.gather(first_message("甲"), first_message("乙"))
    assert a == b
    assert await count(core, 930001) == 1


async def test_two_concurrent_joins_of_a_new_resident_both_succeed(core):
    results = await asyncio.gather(*(core.service.join(930002 + n % 3, "WT01", name="王阿姨") for n in range(6)))
    assert {r[0] for r in results} == {"WT01"}
    for n in range(3):
        assert await count(core, 930002 + n) == 1


async def test_an_upsert_keeps_the_existing_resident_as_it_was(core, clock):
    async with core.session_factory() as s, s.begin():
        first, created = await Residents(s).upsert(930010, clock(), name="先来")
    async with core.session_factory() as s, s.begin():
        again, created_again = await Residents(s).upsert(930010, clock(), name="后到")
    assert created and not created_again
    assert again.id == first.id and again.name == "先来"
