"""Cadre tools wired together: the workflow pieces (tickets/) plus the files cadres get
(exports, the monthly bulletin's charts and XLSX). Handlers reach them as ``deps.cadre``;
the CLI and the scheduler use Reports directly.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from figures.bulletin import Band, BulletinData, Scoring, gather
from figures.export import ExportRow, export_rows
from figures.stats import CadreStats
from nlp.segmenter import Segmenter
from organisation.jurisdiction import Jurisdiction, jurisdiction, require_cadre
from storage.models import Unit
from supervision.digests import Period
from supervision.overdue import Supervision
from tickets.actors import load_actor
from tickets.duplicates import Duplicates
from tickets.escalation import Escalations
from tickets.policy import Actor

if TYPE_CHECKING:
    from bot.cli.progress import Progress

EVERYONE = Actor(telegram_id=0, name="cli", is_admin=True)  # the command line sees every unit


@dataclass(frozen=True)
class Bundle:
    """One unit's bulletin: the PNG charts, then the XLSX."""

    data: BulletinData
    files: tuple[tuple[str, bytes], ...]


def scoring(settings: Settings) -> Scoring:
    c = settings.cadre
    return Scoring(dict(c.score_weights), tuple(Band(b.name, b.label, b.min, b.color) for b in c.bands),
                   c.overdue_penalty, c.overdue_penalty_cap, c.min_samples)


def render_bundle(data: BulletinData, tz: ZoneInfo) -> Bundle:
    """Blocking (matplotlib, openpyxl): run it in a worker thread."""
    from documents.charts import bulletin_charts
    from documents.workbooks import bulletin_xlsx

    code = data.period.key
    return Bundle(data, (*bulletin_charts(data, tz), (f"bulletin-{code}.xlsx", bulletin_xlsx(data, tz))))


class Reports:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings, *,
                 clock: Callable[[], datetime]) -> None:
        self.sf = session_factory
        self.tz = ZoneInfo(settings.timezone)
        self.admins = frozenset(settings.admins)
        self.scoring = scoring(settings)
        self.clock = clock

    async def _where(self, session: AsyncSession, telegram_id: int | None, what: str) -> Jurisdiction:
        if telegram_id is None:
            return await jurisdiction(session, EVERYONE)
        actor = await load_actor(session, telegram_id, admins=self.admins)
        require_cadre(actor, what)
        return await jurisdiction(session, actor)

    async def bulletin_data(self, telegram_id: int | None, period: Period, units: list[Unit] | None = None,
                            on_progress: Progress | None = None) -> list[BulletinData]:
        """One bulletin per unit the cadre leads (``None``: every street, or the ``units`` given);
        ``on_progress(done, total)`` after each unit's figures."""
        async with self.sf() as session:
            where = await self._where(session, telegram_id, "bulletin")
            chosen = units if units is not None else list(where.roots)
            now = self.clock()
            found = []
            for unit in chosen:
                found.append(await gather(session, where, unit, period, now, self.scoring))
                if on_progress is not None:
                    on_progress(len(found), len(chosen))
            return found

    async def render(self, data: BulletinData) -> Bundle:
        return await asyncio.to_thread(render_bundle, data, self.tz)

    async def bulletin(self, telegram_id: int | None, period: Period, units: list[Unit] | None = None,
                       on_progress: Progress | None = None) -> list[Bundle]:
        """``on_progress(done, total)``: after each unit's figures, then after each unit's files
        (``total``: twice the units)."""
        report = on_progress if on_progress is not None else (lambda done, total: None)
        found = await self.bulletin_data(telegram_id, period, units, lambda done, n: report(done, 2 * n))
        bundles = []
        for data in found:
            bundles.append(await self.render(data))
            report(len(found) + len(bundles), 2 * len(found))
        return bundles

    async def unit(self, code: str) -> Unit | None:
        async with self.sf() as session:
            return (await jurisdiction(session, EVERYONE)).find(code)

    async def rows(self, telegram_id: int | None, period: Period) -> list[ExportRow]:
        """The cadre's grids' tickets reported in the period (``None``: every grid)."""
        async with self.sf() as session:
            grids = None
            if telegram_id is not None:
                grids = list((await self._where(session, telegram_id, "export")).grids)
            return await export_rows(session, period.start, period.end, grids)

    async def export(self, telegram_id: int | None, period: Period, fmt: str = "xlsx",
                     on_progress: Progress | None = None) -> tuple[int, bytes]:
        """(ticket count, file body); ``on_progress(done, total)`` as tickets are written."""
        from documents.workbooks import tickets_csv, tickets_xlsx

        rows = await self.rows(telegram_id, period)
        write = tickets_csv if fmt == "csv" else tickets_xlsx
        return len(rows), await asyncio.to_thread(write, rows, self.tz, on_progress)


@dataclass(frozen=True)
class CadreTools:
    supervision: Supervision
    escalations: Escalations
    duplicates: Duplicates
    stats: CadreStats
    reports: Reports


def build_reports(settings: Settings, session_factory, *, clock: Callable[[], datetime]) -> Reports:
    return Reports(session_factory, settings, clock=clock)


def build_cadre_tools(core) -> CadreTools:
    """From a bot.app.Core (its service, SLA, calendar, taxonomy and classifier)."""
    settings, service = core.settings, core.service
    c = settings.cadre
    segmenter = getattr(core.classifier, "segmenter", None) or Segmenter()
    return CadreTools(
        supervision=Supervision(service, soon=timedelta(hours=c.soon_hours), limit=c.overdue_limit),
        escalations=Escalations(service, core.department_deadlines,
                                core.taxonomy.department_for),
        duplicates=Duplicates(service, segmenter, days=c.duplicate_days, threshold=c.duplicate_threshold),
        stats=CadreStats(core.session_factory, admins=settings.admins, clock=service.clock,
                         min_samples=settings.cadre.min_samples),
        reports=build_reports(settings, core.session_factory, clock=service.clock),
    )
