"""What `gridbot run` loads before it takes updates (issue 14's start-up goals: ready within
1.5x a bare aiogram bot with jieba, RSS within 1.2x; bench/startup.py measures them).

Charts, workbooks, posters, training, the command centre's templates, the organisation file's
parsers and Alembic's machinery load when first used; start-up builds the bot, the dispatcher
and the scheduler without them, with the collector off, then freezes what it built.
Checked in a fresh interpreter, where sys.modules shows what was really imported.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[3]

# The heavy libraries (each several MB and a tenth of a second or more), and what else only
# some paths need: PostgreSQL's dialect on SQLite, the whole `holidays` country list, the
# organisation file's parsers (`gridbot org import`, --load-example; pydantic models).
NOT_AT_START = ("matplotlib", "sklearn", "scipy", "openpyxl", "PIL", "qrcode", "alembic", "mako",
                "pygments", "jinja2", "aiohttp_jinja2", "sqlalchemy.dialects.postgresql",
                "holidays.countries", "organisation.imports")

START = """
import asyncio, gc, sys
gc.disable()  # as `gridbot run` starts (bot.cli.main.run)
from bot.cli.main import main
from bot.runner import run_bot, settle
from bot.app import create_bot, create_dispatcher, create_notifier
from bot.core import build_core
from bot.scheduler import create_scheduler
from bot.settings import Settings
from bot.workcalendar import warn_at_startup
from datetime import date
from storage.migrate import upgrade_async

async def start():
    settings = Settings(database={"url": sys.argv[1]}, telegram={"token": "1:X"})
    await upgrade_async(settings.database.url)  # at the head already: a check, no Alembic
    core = build_core(settings)
    bot = create_bot(settings)
    notifier = create_notifier(bot, core)
    create_dispatcher(core, notifier)
    create_scheduler(core, notifier, settings)
    warn_at_startup(core.calendar, date(2031, 12, 1))  # a year only `holidays` can tell about
    settle()  # as run_bot does once ready
    await bot.session.close()
    await core.close()

asyncio.run(start())
NOT_AT_START = %r
loaded = sorted(m for m in NOT_AT_START if m in sys.modules)
assert not loaded, f"loaded at start-up: {loaded}"
# What start-up built is frozen (the collector never walks it again) and the collector is on.
assert gc.isenabled(), "the collector stayed off after start-up"
assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()
"""


def test_start_up_loads_no_heavy_library(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gridbot.sqlite3'}"
    upgrade(url)  # as after the first start
    done = subprocess.run([sys.executable, "-c", START % (NOT_AT_START,), url], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
