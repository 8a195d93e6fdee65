"""The command centre switched on, with its photo cache in the test's folder."""
from __future__ import annotations

import pytest

from bot.settings import Settings


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(database={"url": db_url},
                    web={"enabled": True, "base_url": "http://127.0.0.1:8080", "cache_dir": str(tmp_path / "web")})
