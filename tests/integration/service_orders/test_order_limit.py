"""五单 orders per hour hold across instances: one resident's orders arriving at once, split
over two instances on one database, open exactly `limits.reports_per_hour`; the others are
refused as rate_limited and store nothing.

The limit counts the resident's orders of the last hour in the database, in the order's own
transaction, so it is shared by every instance already (no Redis needed, and a Redis flush
cannot reset it). What two instances could do is count at the same moment and both open one
more: the resident's row is locked (FOR UPDATE) before the count, so they take turns."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.cli.orgtasks import import_org
from bot.core import build_core
from bot.serviceapp import build_service_deps
from bot.settings import Settings
from service_orders.errors import OrderRefused
from storage.migrate import upgrade_async
from storage.models import ServiceOrder
from tests.support.reminder_kit import EXAMPLE_ORG, postgres_database

RESIDENT = 900002
LIMIT = 3
ORDERS = 16


class NoClassifier:
    def classify(self, text):  # opening an order never asks
        raise AssertionError("not used")


async def instances(url: str, n: int):
    settings = Settings(database={"url": url}, limits={"reports_per_hour": LIMIT})
    await upgrade_async(url)
    await import_org(settings, EXAMPLE_ORG)
    cores = [build_core(settings, classifier=NoClassifier()) for _ in range(n)]
    await cores[0].service.join(RESIDENT, "WT01", "张阿姨")
    return cores, [build_service_deps(c).orders for c in cores]


async def burst(cores, desks) -> None:
    results = await asyncio.gather(
        *(desks[i % len(desks)].open_order(RESIDENT, RESIDENT, 100 + i, f"帮忙买药 {i}", "today")
          for i in range(ORDERS)),
        return_exceptions=True)
    opened = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(opened) == LIMIT, results
    assert all(isinstance(e, OrderRefused) and e.reason == "rate_limited" for e in refused), refused
    async with cores[0].session_factory() as s:
        assert (await s.execute(select(func.count(ServiceOrder.id)))).scalar_one() == LIMIT


async def test_orders_per_hour_on_sqlite(tmp_path):
    cores, desks = await instances(f"sqlite+aiosqlite:///{tmp_path / 'orders.sqlite3'}", 1)
    try:
        await burst(cores, desks)
    finally:
        for c in cores:
            await c.close()


@pytest.fixture
async def postgres_url():
    async for url in postgres_database():
        yield url


@pytest.mark.postgres
async def test_orders_per_hour_hold_across_two_instances_on_postgresql(postgres_url):
    cores, desks = await instances(postgres_url, 2)
    try:
        assert all(c.service.write_lock is None for c in cores)  # only the database decides
        await burst(cores, desks)
    finally:
        for c in cores:
            await c.close()
