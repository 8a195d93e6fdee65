"""Migrations: a new database reaches the head; one made under the old numbering (the chain
ran 0004 → 0006 → 0005 once) is restamped and upgraded without losing a table."""
from __future__ import annotations

import sqlite3

from storage.migrate import upgrade

HEAD = "0017_updates"


def version(path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def tables(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def stamp(path, revision: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def test_a_new_database_reaches_the_head_through_the_renumbered_chain(tmp_path):
    path = tmp_path / "new.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    assert version(path) == HEAD
    assert {"user_settings", "service_orders", "matters", "web_links", "web_sessions", "alert_cards"} <= tables(path)


def test_a_database_stamped_with_the_old_languages_id_gets_the_services_tables(tmp_path):
    path = tmp_path / "old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0005_languages")
    assert "service_orders" not in tables(path)
    stamp(path, "0006")  # what the old chain wrote after the languages migration
    upgrade(url)
    assert version(path) == HEAD
    assert "service_orders" in tables(path)


def test_a_database_at_the_old_head_is_already_current(tmp_path):
    path = tmp_path / "head.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0006_services")
    stamp(path, "0005")  # the old head: services, after languages
    upgrade(url)  # nothing of the old head is created again: a second CREATE TABLE would raise
    assert version(path) == HEAD
    assert {"web_links", "web_sessions", "alert_cards"} <= tables(path)
