"""Alembic environment (async template, batch mode for SQLite)."""
from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import context
from storage.engine import create_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


# The chain once ran 0004 → 0006 (languages) → 0005 (services), in the order they landed.
# It now runs 0004 → 0005_languages → 0006_services; a database stamped with an old id is
# restamped to the same schema's new id before Alembic reads it. The new ids differ from
# the old ones, so this can never misread a new database.
RENUMBERED = {"0006": "0005_languages", "0005": "0006_services"}


def _restamp_renumbered(connection) -> None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return
    stamped = set(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))
    # Only a write when there is one to make: on SQLite a write holds the file's lock until
    # the migration commits, and another instance starting meanwhile waits for it.
    for old, new in RENUMBERED.items():
        if old not in stamped:
            continue
        connection.execute(sa.text("UPDATE alembic_version SET version_num = :new WHERE version_num = :old"),
                           {"new": new, "old": old})


def _configure(connection) -> None:
    _restamp_renumbered(connection)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    # storage.engine's engine: on SQLite the migration sets WAL and waits for a busy file
    # like the bot does, so an instance starting beside a migration reads instead of failing.
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_configure)
            await conn.commit()
    finally:
        await engine.dispose()


def run() -> None:
    given = config.attributes.get("connection")
    if given is not None:  # storage.migrate hands in a connection that holds the migration lock
        _configure(given)
        return
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                          literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_run_online())
        return
    raise RuntimeError("run migrations from a thread (storage.migrate.upgrade_async), not inside the event loop")


run()
