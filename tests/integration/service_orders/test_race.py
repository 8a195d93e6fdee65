"""接单 races at the workflow level: many members at once, exactly one gets the order, on
SQLite (as configured: one writer, queued) and on PostgreSQL with no lock at all (the
conditional UPDATE alone decides). The points ledger's unique key on both."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.cli.orgtasks import import_org
from bot.core import build_core
from bot.serviceapp import build_service_deps
from bot.settings import Settings
from service_orders.errors import OrderRefused
from service_orders.points import Award, award
from storage.migrate import upgrade_async
from storage.models import PointEntry, ServiceMember, Unit
from tests.support.reminder_kit import EXAMPLE_ORG, postgres_database

RESIDENT = 900001
MEMBERS = [960000 + i for i in range(24)]


class NoClassifier:
    def classify(self, text):  # the race never asks
        raise AssertionError("not used")


async def setup(url: str):
    settings = Settings(database={"url": url})
    await upgrade_async(url)
    await import_org(settings, EXAMPLE_ORG)
    core = build_core(settings, classifier=NoClassifier())
    await core.service.join(RESIDENT, "WT01", "张阿姨")
    async with core.session_factory() as s, s.begin():
        community = (await s.execute(select(Unit).where(Unit.code == "XF-WT"))).scalar_one()
        s.add_all(ServiceMember(telegram_id=t, name=f"志愿者{t}", community_id=community.id, kind="volunteer",
                                status="active", via="invite", created_at=core.service.clock(), version=0)
                  for t in MEMBERS)
    services = build_service_deps(core)
    outcome = await services.orders.open_order(RESIDENT, RESIDENT, 1, "帮忙买药", "today")
    cadre = 710001
    await services.review.approve(cadre, outcome.order.id)
    return core, services, outcome.order.id


async def race(core, services, order_id: int) -> None:
    results = await asyncio.gather(*(services.orders.take(t, order_id) for t in MEMBERS), return_exceptions=True)
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1, results
    assert all(isinstance(e, OrderRefused) and e.reason == "taken" for e in lost), lost
    winner = won[0].order.taker_telegram_id
    # Completion replayed at once: one award.
    done = await asyncio.gather(*(services.orders.complete(winner, order_id, "送到了") for _ in range(5)),
                                return_exceptions=True)
    assert sum(not isinstance(d, BaseException) for d in done) == 1
    async with core.session_factory() as s:
        assert (await s.execute(select(func.count(PointEntry.id)))).scalar_one() == 1
    # The ledger's key on its own: the same award twice writes one row.
    async with core.session_factory() as s, s.begin():
        a = Award("test:1", winner, "x", "volunteer", None, 3, "order_done")
        assert await award(s, a, core.service.clock()) is True
        assert await award(s, a, core.service.clock()) is False


async def test_many_members_take_one_order_on_sqlite(tmp_path):
    core, services, order_id = await setup(f"sqlite+aiosqlite:///{tmp_path / 'race.sqlite3'}")
    try:
        await race(core, services, order_id)
    finally:
        await core.close()


@pytest.fixture
async def postgres_url():
    async for url in postgres_database():
        yield url


@pytest.mark.postgres
async def test_many_members_take_one_order_on_postgresql_with_no_lock(postgres_url):
    core, services, order_id = await setup(postgres_url)
    try:
        assert core.service.write_lock is None  # nothing but the conditional UPDATE decides
        await race(core, services, order_id)
    finally:
        await core.close()
