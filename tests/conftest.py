"""Shared fixtures: a migrated SQLite file per test, the example organisation,
and a Dispatcher driven through a RecordingSession."""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import create_dispatcher
from bot.cli.orgtasks import import_org
from bot.core import build_core
from bot.settings import Settings
from delivery.notifier import Notifier
from delivery.offline import RecordingSession, make_offline_bot
from delivery.scripted import Conversation, Person
from storage.engine import sqlite_file
from storage.migrate import upgrade_async

EXAMPLE_ORG = Path(__file__).resolve().parents[1] / "bot" / "data" / "org.example.toml"

RESIDENT = Person(900001, "张阿姨")
NEIGHBOUR = Person(900002, "李大爷")
MEMBER = Person(720101, "孙网格", "网格员")          # WT01's grid member
BACKUP = Person(720102, "李备岗", "网格员")          # WT01's (and WT02's) backup
OTHER_MEMBER = Person(720201, "周网格", "网格员")    # WT02, same community
FAR_MEMBER = Person(730101, "王网格", "网格员")      # FL01, another community
CADRE = Person(710001, "钱书记", "社区干部")         # 梧桐社区
FAR_CADRE = Person(710002, "郑主任", "社区干部")     # 枫林社区

# Staff of the example organisation joined through an invite, so they have started the bot
# and Telegram lets it write to them; residents become reachable only once they write.
# Every telegram_id the example organisation file lists (grid members, cadres, departments).
STAFF_IDS = tuple(sorted({int(i) for i in re.findall(r"telegram_id\s*=\s*(\d+)", EXAMPLE_ORG.read_text("utf-8"))}))


class Clock:
    """A clock tests move by hand: sweeps and deadlines take `now` from it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


# Monday 2026-11-23 09:00 in Shanghai: inside office hours on a working day, far from holidays.
DEFAULT_CLOCK_START = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--db", default=os.environ.get("GRIDBOT_TEST_DB", "sqlite"), choices=("sqlite", "postgresql"),
        help="where database tests run: a fresh SQLite file per test (default), or a fresh "
             "database per test on PostgreSQL at 127.0.0.1:5432 (trust auth)")
    parser.addoption(
        "--clock-start", default=None,
        help="ISO time (UTC) the test clock starts at, e.g. 2027-11-22T01:00+00:00; "
             "pick a Monday 09:00 in Shanghai on a working day. Default: Monday 2026-11-23 09:00.")


def clock_start(config) -> datetime:
    value = config.getoption("--clock-start") or os.environ.get("GRIDBOT_TEST_CLOCK_START")
    return datetime.fromisoformat(value).astimezone(timezone.utc) if value else DEFAULT_CLOCK_START


SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_day(now: datetime, days: int = 0) -> date:
    """The local (Shanghai) date `days` after `now`: for tests that read a date off a clock."""
    return (now + timedelta(days=days)).astimezone(SHANGHAI).date()


@pytest.fixture
def clock(request) -> Clock:
    return Clock(clock_start(request.config))


PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def db_url(tmp_path, request) -> str:
    if request.config.getoption("--db") != "postgresql":
        return f"sqlite+aiosqlite:///{tmp_path / 'gridbot.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for one test, dropped after it."""
    import uuid

    asyncpg = pytest.importorskip("asyncpg")
    import asyncio

    name = f"gb_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 does not answer ({type(exc).__name__})")
    yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(database={"url": db_url})


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file holding the example organisation, built once per session: each
    test's `org` copies it. Migrating and importing for every test cost 0.3-0.5 s of setup, a
    few minutes of the suite. Tests of migrations and imports do their own."""
    import asyncio

    path = tmp_path_factory.mktemp("template") / "gridbot.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"

    async def build() -> None:
        await upgrade_async(url)
        await import_org(Settings(database={"url": url}), EXAMPLE_ORG)

    asyncio.run(build())
    return path


@pytest.fixture
async def org(settings, sqlite_template):
    target = sqlite_file(settings.database.url)
    if target is not None and not target.exists():
        import sqlite3

        # The backup API, not a file copy: it carries whatever is still in the template's WAL.
        source = sqlite3.connect(sqlite_template)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    await upgrade_async(settings.database.url)
    await import_org(settings, EXAMPLE_ORG)


@pytest.fixture(scope="session")
def shipped_classifier():
    """The shipped model, loaded once: it is read-only, and jieba's start-up costs a second."""
    from nlp.classifier import Classifier

    classifier = Classifier.load()
    classifier.classify("预热")
    return classifier


@pytest.fixture
def classifier_override(shipped_classifier):
    """Tests that need a fixed prediction override this fixture."""
    return shipped_classifier


@pytest.fixture
async def core(settings, org, clock, classifier_override):
    core = build_core(settings, classifier=classifier_override, clock=clock)
    yield core
    await core.close()


@pytest.fixture
async def chat(core):
    session = RecordingSession(reachable=STAFF_IDS)  # residents: once they write
    bot = make_offline_bot(session)
    notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000)
    dp = create_dispatcher(core, notifier)
    yield Conversation(dp, bot, session, clock=core.service.clock)
    await notifier.aclose()
    await bot.session.close()
