"""Dialog state expires (issue 11): a day by default, in Redis as in the database."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.app import fsm_storage
from bot.settings import Settings


async def test_redis_dialog_state_expires_after_a_day_by_default():
    pytest.importorskip("redis")
    core = SimpleNamespace(settings=Settings(fsm_storage="redis://127.0.0.1:1/0"))
    storage = fsm_storage(core)  # nothing is connected until a dialog is stored
    try:
        assert storage.state_ttl == storage.data_ttl == timedelta(days=1)
    finally:
        await storage.close()


async def test_the_database_dialog_state_expires_after_a_day_by_default():
    core = SimpleNamespace(settings=Settings(), session_factory=None,
                           service=SimpleNamespace(clock=lambda: None, write_lock=None))
    assert fsm_storage(core).ttl == timedelta(days=1)
