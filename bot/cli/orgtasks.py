"""The organisation and staff commands' async bodies (kept out of cli.py so tests can
await them). Each opens its own engine, migrates first, and closes it."""
from __future__ import annotations

import getpass
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.progress import Progress
from bot.settings import Settings
from documents.posters import PosterInfo
from handlers.shared.i18n import T
from organisation import audit
from organisation.audit import Operator
from organisation.imports.apply import ImportReport, apply_org, org_tree
from organisation.imports.files import parse_org_file
from organisation.staffing import Staffing
from storage import leases
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_async
from storage.models import Unit
from tickets.reports import utcnow


def cli_operator() -> Operator:
    try:
        return Operator.command_line(getpass.getuser())
    except Exception:  # noqa: BLE001 - no login name (a container): still the command line
        return Operator.command_line()


@asynccontextmanager
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade_async(settings.database.url)
    engine = create_engine(settings.database.url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


async def import_org(settings: Settings, path: Path, boundaries: Path | None = None,
                     crs: str | None = None, *, clock: Callable[[], datetime] = utcnow,
                     on_progress: Progress | None = None) -> ImportReport:
    """Tickets of staff who leave are handed over and the people concerned queued in the
    outbox: the running bot tells them (bot.jobs.outbox). `on_progress`: see apply_org."""
    spec = parse_org_file(path, boundaries, crs)  # errors before touching the database
    now = clock()
    async with sessions(settings) as sf:
        async with sf() as session, session.begin():
            report = await apply_org(session, spec, now=now, reason=T.IMPORT_REASON, on_progress=on_progress)
            if report.changed:
                await audit.record(session, cli_operator(), "org.import", "file", Path(path).name, now,
                                   data=report.summary())
        if report.changed:
            await leases.bump(sf, "units")  # every running instance drops its cached tree
        return report


async def show_org(settings: Settings) -> list[dict]:
    async with sessions(settings) as sf, sf() as session:
        return await org_tree(session, settings.telegram.username)


async def poster_entries(settings: Settings, codes: tuple[str, ...] = ()) -> list[PosterInfo]:
    """Every active grid and micro-grid (or those named), with its community and street."""
    async with sessions(settings) as sf, sf() as session:
        units = {u.id: u for u in (await session.execute(select(Unit).where(Unit.active.is_(True)))).scalars()}
    entries = []
    for u in sorted(units.values(), key=lambda u: u.id):
        if u.kind not in ("grid", "micro_grid") or (codes and u.code not in codes):
            continue
        chain, current = {}, u
        while current is not None and current.kind not in chain:
            chain[current.kind] = current
            current = units.get(current.parent_id) if current.parent_id else None
        name = f"{chain['grid'].name} {u.name}" if u.kind == "micro_grid" and "grid" in chain else u.name
        entries.append(PosterInfo(u.code, name, chain["community"].name if "community" in chain else "",
                                  chain["street"].name if "street" in chain else ""))
    return entries


def staffing(sf: async_sessionmaker[AsyncSession], settings: Settings) -> Staffing:
    return Staffing(sf, admins=settings.admins, invite_ttl=timedelta(hours=settings.onboarding.invite_ttl_hours))


async def recent_audit(settings: Settings, limit: int, action: str | None) -> list[dict]:
    async with sessions(settings) as sf, sf() as session:
        rows = await audit.recent(session, limit, action)
    return [{"at": r.at.isoformat(timespec="seconds"), "who": r.actor_name or "", "telegram_id": r.actor_telegram_id,
             "action": r.action, "object": f"{r.object_kind} {r.object_ref}".strip(), "reason": r.reason or "",
             "data": r.data} for r in rows]


async def verify_audit(settings: Settings) -> audit.ChainCheck:
    async with sessions(settings) as sf, sf() as session:
        return await audit.verify(session)
