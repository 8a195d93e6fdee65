"""What the 督办 tests share: a fixed classifier, a virtual clock for the notifier, and a
kit wiring the workflow, a RecordingSession, the notifier and the scheduler's jobs."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, update

from bot.cli.orgtasks import import_org
from bot.scheduler import ReminderJobs, blocked_hook
from bot.settings import Settings
from delivery.notifier import Notifier
from delivery.offline import RecordingSession, make_offline_bot
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_async
from storage.models import ReminderDelivery, Staff, Ticket
from supervision import reminders
from supervision.calendar import WorkCalendar
from supervision.sla import SlaPolicy
from tests.conftest import STAFF_IDS
from tickets.reports import Report
from tickets.service import TicketService

EXAMPLE_ORG = Path(__file__).resolve().parents[2] / "bot" / "data" / "org.example.toml"
SHANGHAI = timezone(timedelta(hours=8))

STREET_CADRE = 700001  # 赵主任, 幸福街道
CADRE = 710001  # 钱书记, 梧桐社区
MEMBER = 720101  # 孙网格, WT01
RESIDENT = 900001


def local(*args: int) -> datetime:
    """A Shanghai wall time as an aware UTC datetime."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(timezone.utc)


@dataclass
class Prediction:
    category: str = "市容环境"
    confidence: float = 0.95
    keywords: tuple[str, ...] = ("堆物",)
    urgent: bool = False
    urgent_words: tuple[str, ...] = ()
    request_kind: str = "投诉"
    suggestions: tuple = ()


@dataclass
class FixedClassifier:
    prediction: Prediction = field(default_factory=Prediction)

    def classify(self, text: str) -> Prediction:
        urgent = "起火" in text or "燃气泄漏" in text
        category = "违法建设" if "违建" in text else self.prediction.category
        return Prediction(category=category, urgent=urgent, urgent_words=("起火",) if urgent else ())


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, at: datetime) -> None:
        self.now = at


class VirtualTime:
    """The notifier's monotonic clock: moves only when the notifier sleeps, so a 429 with
    retry_after or a backoff costs no real time."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)


class Kit:
    def __init__(self, url: str, clock: Clock, settings: Settings) -> None:
        self.url = url
        self.clock = clock
        self.settings = settings
        self.engine = create_engine(url)
        self.session_factory = create_session_factory(engine=self.engine)
        self.calendar = WorkCalendar(settings.timezone, settings.office_hours.start, settings.office_hours.end)
        self.sla = SlaPolicy.from_mapping(settings.sla.model_dump())
        self.service = TicketService(
            self.session_factory, FixedClassifier(),
            lambda start, cat, urgent: self.sla.deadlines(self.calendar, start, cat, urgent),
            clock=clock, reports_per_hour=1000,
        )
        # staff started the bot when invited; the resident reported (through the service)
        self.session = RecordingSession(reachable=(*STAFF_IDS, RESIDENT))
        self.bot = make_offline_bot(self.session)
        self.time = VirtualTime()
        self.notifier = Notifier(self.bot, per_chat_interval=0, global_per_s=1_000_000,
                                 clock=self.time, sleep=self.time.sleep, backoff_base=0.5)
        self.notifier.on_blocked = blocked_hook(self, self.notifier, clock)
        self.jobs = ReminderJobs(self, self.notifier, settings, clock)
        self._message_ids = iter(range(1, 1_000_000))

    async def close(self) -> None:
        await self.notifier.aclose()
        await self.bot.session.close()
        await self.engine.dispose()

    # -- acting --------------------------------------------------------------------------
    async def report(self, text: str = "3号楼楼道堆满杂物", at: datetime | None = None) -> int:
        if at is not None:
            self.clock.set(at)
        outcome = await self.service.report(Report(RESIDENT, RESIDENT, next(self._message_ids), text, "张阿姨"))
        return outcome.ticket.id

    async def sweep(self, at: datetime):
        self.clock.set(at)
        return await self.jobs.sweep_once(at)

    async def sweep_with(self, send, at: datetime):
        """A sweep with another send function (one that crashes, say)."""
        self.clock.set(at)
        return await reminders.sweep(self.session_factory, send, at, ladder=self.jobs.ladder,
                                     calendar=self.calendar, quiet=self.jobs.quiet, lease=self.jobs.lease)

    # -- reading -------------------------------------------------------------------------
    def texts(self, chat_id: int) -> list[str]:
        return self.session.texts(chat_id)

    def reminders_to(self, chat_id: int, ticket_id: int | None = None) -> list:
        tag = f"#{ticket_id}" if ticket_id is not None else "#"
        return [r for r in self.session.sent(chat_id=chat_id, method="sendMessage") if tag in (r.text or "")]

    async def ticket(self, ticket_id: int) -> Ticket:
        async with self.session_factory() as s:
            return await s.get(Ticket, ticket_id)

    async def deliveries(self) -> list[ReminderDelivery]:
        async with self.session_factory() as s:
            return list((await s.execute(select(ReminderDelivery).order_by(ReminderDelivery.id))).scalars())

    async def staff_blocked(self, telegram_id: int) -> list[datetime | None]:
        async with self.session_factory() as s:
            return list((await s.execute(select(Staff.blocked_at).where(Staff.telegram_id == telegram_id))).scalars())

    async def force_due(self, ticket_id: int, at: datetime) -> None:
        async with self.session_factory() as s, s.begin():
            await s.execute(update(Ticket).where(Ticket.id == ticket_id).values(next_check_at=at))


async def make_kit(tmp_path: Path, clock: Clock, url: str | None = None, **settings_kw) -> Kit:
    url = url or f"sqlite+aiosqlite:///{tmp_path / 'reminders.sqlite3'}"
    settings = Settings(database={"url": url}, **settings_kw)
    await upgrade_async(url)
    await import_org(settings, EXAMPLE_ORG)
    kit = Kit(url, clock, settings)
    await kit.service.join(RESIDENT, "WT01", "张阿姨")
    return kit


async def postgres_database():
    """An async generator for a fixture: a fresh PostgreSQL database, dropped after; skips
    when no server answers on 127.0.0.1:5432."""
    import uuid

    import asyncpg
    import pytest

    admin, user = None, ""
    for user in ("postgres", "root"):
        try:
            admin = await asyncpg.connect(host="127.0.0.1", port=5432, user=user, database="test", timeout=3)
            break
        except (OSError, asyncio.TimeoutError, asyncpg.PostgresError):
            continue
    if admin is None:
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432 (database test, user postgres or root)")
    name = f"gridbot_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql+asyncpg://{user}@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
