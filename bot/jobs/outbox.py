"""Delivers the outbox (tickets.outbox): notices queued where nothing could be sent, such as
the hand-over of open tickets during `gridbot org import` or `gridbot staff deactivate`.

The running bot sweeps it every `interval` seconds; an admin's action in chat sweeps it
at once. A failed send stays queued for the next sweep; a blocked chat is final.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delivery.notifier import Delivery, Notifier
from handlers.shared.i18n import create_i18n, speaking
from handlers.views.notices import notice
from handlers.views.render import Rendered
from organisation.languages import DEFAULT_LOCALE, LanguagePrefs
from storage.models import OutboxMessage, Ticket
from tickets import outbox
from tickets.reports import utcnow
from tickets.views import Notice, NoticeKind, build_view

log = logging.getLogger(__name__)


class OutboxSender:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], notifier: Notifier, tz: ZoneInfo,
                 clock: Callable[[], datetime] = utcnow, lease: timedelta = timedelta(minutes=5),
                 max_attempts: int = 5, languages: LanguagePrefs | None = None) -> None:
        self.sf = session_factory
        self.notifier = notifier
        self.tz = tz
        self.clock = clock
        self.lease = lease
        self.max_attempts = max_attempts
        # Notices go out in each recipient's language, from a job with no update of its own.
        self.languages = languages
        self.i18n = create_i18n(languages.default if languages else DEFAULT_LOCALE)

    async def deliver_once(self, now: datetime | None = None) -> int:
        """Sends what is due; returns how many were delivered."""
        now = now or self.clock()
        sent = 0
        for message in await outbox.claim(self.sf, now, lease=self.lease, max_attempts=self.max_attempts):
            rendered = await self._render(message)
            if rendered is None:
                await outbox.mark(self.sf, message.id, "obsolete", now, final=True)
                continue
            delivery = await self._send(message.chat_id, rendered)
            outcome = "sent" if delivery.ok else ("blocked" if delivery.blocked else "failed")
            await outbox.mark(self.sf, message.id, outcome, now, final=delivery.ok or delivery.blocked)
            sent += delivery.ok
        return sent

    async def _render(self, message: OutboxMessage) -> Rendered | None:
        try:
            kind = NoticeKind(message.kind)
        except ValueError:
            return None
        async with self.sf() as session:
            ticket = await session.get(Ticket, message.ticket_id)
            if ticket is None:
                return None
            view = await build_view(session, ticket)
        locale = (await self.languages.of([message.chat_id])).get(message.chat_id) if self.languages else None
        with speaking(locale or self.i18n.default_locale, self.i18n):
            return notice(Notice(message.chat_id, kind, view, message.note, message.actor_name), self.tz)

    async def _send(self, chat_id: int, r: Rendered) -> Delivery:
        for photo in r.photos:
            await self.notifier.send_photo(chat_id, photo)
        return await self.notifier.send_message(chat_id, r.text, reply_markup=r.markup)

    async def job(self) -> None:
        try:
            n = await self.deliver_once()
            if n:
                log.info("outbox: %d notice(s) delivered", n)
        except asyncio.CancelledError:
            # Shutting down mid-run: what was not sent is still due, and the next start
            # (or sweep) takes it up. Not an error worth a traceback.
            log.info("job interrupted by shutdown")
        except Exception:  # noqa: BLE001 - logged; the next run tries again
            log.exception("outbox delivery failed")


def add_outbox_job(scheduler: BaseScheduler, sender: OutboxSender, seconds: int = 30) -> None:
    scheduler.add_job(sender.job, IntervalTrigger(seconds=seconds), id="outbox", name="outbox",
                      misfire_grace_time=seconds, coalesce=True, max_instances=1)
