"""Two `gridbot run` processes cold-starting together on one empty SQLite database both
come up: the migration lock (a file lock beside the database) makes them take turns."""
from __future__ import annotations

import sqlite3

from storage.migrate import head_revisions
from tests.support.bot_api_server import FakeBotApi
from tests.support.instances import base_env, start_instance, wait_ready


async def test_two_instances_cold_start_on_one_empty_sqlite_database(tmp_path):
    db = tmp_path / "shared.sqlite3"
    async with FakeBotApi() as api:
        env = base_env(api.base_url, f"sqlite+aiosqlite:///{db}", None)
        instances = [await start_instance(env, tmp_path) for _ in range(2)]
        try:
            seconds = await wait_ready(instances, timeout=120)
        finally:
            for inst in instances:
                await inst.stop()
    print(f"\nboth ready in {seconds:.1f}s")
    with sqlite3.connect(db) as conn:
        assert {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")} == head_revisions()
        # Set by the migration itself: an instance starting beside it never has to switch the
        # file's journal mode (an exclusive lock) while the other one writes.
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (tmp_path / "shared.sqlite3.migrate.lock").exists()
    for inst in instances:
        text = inst.log.read_text()
        assert "Traceback" not in text, text[-3000:]
        assert "SCALE-TOKEN" not in text
