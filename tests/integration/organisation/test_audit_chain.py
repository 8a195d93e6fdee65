"""The audit log is append-only in the database and hash-chained: the application's own
connection cannot UPDATE or DELETE a row, and someone who drops the triggers to edit,
delete or reorder rows is caught by `gridbot org audit --verify`, which names the row."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from bot.cli.main import main
from organisation import audit
from storage.audit_chain import GENESIS
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_async
from storage.models import AuditEntry

ADMIN = audit.Operator(700001, "王管理", True)


@pytest.fixture
async def sf(settings):
    await upgrade_async(settings.database.url)
    engine = create_engine(settings.database.url)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
def runner(db_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRIDBOT_DATABASE__URL", db_url)
    return CliRunner()


async def append(sf, clock, n: int, first: int = 1) -> None:
    for i in range(first, first + n):
        async with sf() as s, s.begin():
            await audit.record(s, ADMIN, "staff.move", "staff", i, clock() + timedelta(minutes=i),
                               reason=f"调整 {i}", data={"from": "WT01", "to": ["WT02", i]})


async def ids(sf) -> list[int]:
    async with sf() as s:
        return list((await s.execute(select(AuditEntry.id).order_by(AuditEntry.id))).scalars())


async def without_triggers(sf, *statements) -> None:
    """What someone with the owner's rights could do: drop the triggers, then rewrite."""
    async with sf() as s, s.begin():
        if s.get_bind().dialect.name == "sqlite":
            await s.execute(text("DROP TRIGGER audit_log_no_update"))
            await s.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            await s.execute(text("DROP TRIGGER audit_log_no_change ON audit_log"))
        for statement in statements:
            await s.execute(statement)


async def verify(runner):
    # The command runs its own event loop: off this one, in a thread.
    return await asyncio.to_thread(runner.invoke, main, ["org", "audit", "--verify"])


async def test_a_clean_chain_verifies(sf, clock, runner):
    await append(sf, clock, 4)
    async with sf() as s:
        rows = (await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()
    assert rows[0].prev_hash == GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    out = await verify(runner)
    assert out.exit_code == 0, out.output
    assert out.output.startswith("OK: 4 rows") and rows[-1].hash in out.output


async def test_an_empty_log_verifies(sf, runner):
    out = await verify(runner)
    assert out.exit_code == 0 and "OK: 0 rows" in out.output


@pytest.mark.parametrize("statement", [
    update(AuditEntry).where(AuditEntry.id == 2).values(reason="改过的理由"),
    delete(AuditEntry).where(AuditEntry.id == 2),
    delete(AuditEntry),
], ids=["update", "delete", "delete-all"])
async def test_the_apps_own_connection_cannot_rewrite_the_log(sf, clock, runner, statement):
    await append(sf, clock, 3)
    with pytest.raises(DBAPIError, match="append-only"):
        async with sf() as s, s.begin():
            await s.execute(statement)
    assert await ids(sf) == [1, 2, 3]
    assert (await verify(runner)).exit_code == 0


async def test_truncate_is_refused_on_postgresql(sf, clock):
    async with sf() as s:
        if s.get_bind().dialect.name != "postgresql":
            pytest.skip("SQLite has no TRUNCATE")
    await append(sf, clock, 1)
    with pytest.raises(DBAPIError, match="append-only"):
        async with sf() as s, s.begin():
            await s.execute(text("TRUNCATE audit_log"))


async def test_an_edited_row_is_named(sf, clock, runner):
    await append(sf, clock, 5)
    await without_triggers(sf, update(AuditEntry).where(AuditEntry.id == 3).values(reason="改过的理由"))
    out = await verify(runner)
    assert out.exit_code == 1
    assert "BROKEN at row 3 (edited)" in out.output and "2 rows before it verify" in out.output


async def test_a_deleted_row_leaves_a_gap_at_the_next(sf, clock, runner):
    await append(sf, clock, 5)
    await without_triggers(sf, delete(AuditEntry).where(AuditEntry.id == 3))
    out = await verify(runner)
    assert out.exit_code == 1
    assert "BROKEN at row 4 (gap)" in out.output and "between 2 and 4 was deleted" in out.output


async def test_deleting_the_first_row_is_a_gap_too(sf, clock, runner):
    await append(sf, clock, 3)
    await without_triggers(sf, delete(AuditEntry).where(AuditEntry.id == 1))
    out = await verify(runner)
    assert out.exit_code == 1 and "BROKEN at row 2 (gap)" in out.output


async def test_swapped_rows_are_reordered(sf, clock, runner):
    await append(sf, clock, 4)
    async with sf() as s:
        two, three = (await s.execute(select(AuditEntry).where(AuditEntry.id.in_([2, 3]))
                                      .order_by(AuditEntry.id))).scalars().all()
    columns = ("at", "actor_telegram_id", "actor_name", "action", "object_kind", "object_ref", "reason", "data",
               "prev_hash", "hash")

    def values(row, suffix=""):
        return {c: getattr(row, c) + suffix if c == "hash" else getattr(row, c) for c in columns}

    # The unique hash is moved aside first, as a forger would have to.
    await without_triggers(
        sf, update(AuditEntry).where(AuditEntry.id == 3).values(hash="x"),
        update(AuditEntry).where(AuditEntry.id == 2).values(**values(three)),
        update(AuditEntry).where(AuditEntry.id == 3).values(**values(two)))
    out = await verify(runner)
    assert out.exit_code == 1
    assert "BROKEN at row 2 (reordered)" in out.output and "follows row 3" in out.output


async def test_concurrent_appends_do_not_fork_the_chain(sf, clock, runner):
    async def one(i: int) -> None:
        async with sf() as s, s.begin():
            await audit.record(s, ADMIN, "invite.create", "unit", f"WT0{i}", clock())
            await asyncio.sleep(0.05)  # hold the transaction open while the others try to append
            await audit.record(s, ADMIN, "invite.redeem", "staff", i, clock())

    await asyncio.gather(*(one(i) for i in range(4)))
    out = await verify(runner)
    assert out.exit_code == 0, out.output
    assert "OK: 8 rows" in out.output


async def test_rows_from_before_the_chain_are_hashed_by_the_migration(settings, clock, runner):
    url = settings.database.url
    await upgrade_async(url, "0012_leases")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for i in range(3):
                await conn.execute(
                    text("INSERT INTO audit_log (at, actor_telegram_id, actor_name, action, object_kind, object_ref, "
                         "reason, data) VALUES (:at, NULL, 'cli:ops', 'org.import', 'file', :ref, NULL, :data)"),
                    {"at": (clock() + timedelta(hours=i)).replace(tzinfo=None), "ref": f"org{i}.toml",
                     "data": '{"created": ["WT01"]}' if i else None})
    finally:
        await engine.dispose()
    await upgrade_async(url)
    out = await verify(runner)
    assert out.exit_code == 0, out.output
    assert "OK: 3 rows" in out.output


async def test_the_downgrade_drops_the_triggers_and_the_chain(sf, settings, clock):
    from alembic import command

    from storage.migrate import alembic_config

    await append(sf, clock, 2)
    await asyncio.to_thread(command.downgrade, alembic_config(settings.database.url), "0012_leases")
    async with sf() as s, s.begin():
        await s.execute(text("UPDATE audit_log SET reason = 'x' WHERE id = 1"))
        await s.execute(text("DELETE FROM audit_log WHERE id = 2"))
        columns = (await s.execute(text("SELECT * FROM audit_log"))).keys()
    assert "hash" not in columns and "prev_hash" not in columns


async def test_a_privacy_erasure_appends_a_row_that_names_no_one(sf, clock, runner):
    from organisation.privacy import Privacy

    await append(sf, clock, 2)
    privacy = Privacy(sf, clock=clock)
    await privacy.set_phone(900123, "13812345678")
    await privacy.erase(900123)
    async with sf() as s:
        last = (await s.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))).scalar_one()
    assert last.action == "privacy.erase" and last.actor_telegram_id is None
    assert "900123" not in str(last.data) + last.object_ref and "5678" not in str(last.data)
    out = await verify(runner)
    assert out.exit_code == 0 and "OK: 3 rows" in out.output
