"""The outbox sweep (tickets.outbox): sends what nobody sent yet.

Every message the workflow decides is queued in the transaction of its change, and the
handler that ran the command sends it at once. This sweep, every few seconds, sends the
rest: notices queued where nothing can send (`gridbot org import`, `gridbot staff
deactivate`), sends that failed, and sends a crash interrupted (their claim is older than
the lease). It renders each row at send time from the current state of its ticket, order
or matter, in the reader's language: a card that is no longer true is not sent (obsolete).
A failed send stays queued for the next sweep; a blocked chat is final.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delivery.notifier import Notifier
from handlers.shared.delivery import REDRAWN_AFTER, recorder, redraw, redrawn_cards, send, told_with
from handlers.shared.i18n import create_i18n, speaking
from handlers.shared.service_delivery import send_poll_rows
from handlers.views.notices import notice
from handlers.views.render import Rendered
from handlers.views.service_cards import matter_result, new_order_notice, order_notice
from organisation.languages import DEFAULT_LOCALE, LanguagePrefs
from service_orders.matters import POLL, RESULT, Matters, PollJob
from service_orders.states import OrderState
from service_orders.contact import may_write
from service_orders.views import REVIEWER_CARDS, OrderNotice, OrderNoticeKind, build_order_view
from storage import updates
from storage.models import OutboxMessage, ServiceOrder, Ticket
from tickets import outbox
from tickets.actors import load_actor
from tickets.policy import can_contact_reporter
from tickets.reports import utcnow
from tickets.views import Notice, NoticeKind, UnitCache, build_view

log = logging.getLogger(__name__)

NEW_ORDER = "order.new"
ORDER = "order."
# Cards for whoever holds the ticket: obsolete once it was handed to someone else.
TO_ASSIGNEE = frozenset({NoticeKind.NEW_TASK, NoticeKind.REOPENED})


class OutboxSender:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], notifier: Notifier, tz: ZoneInfo,
                 clock: Callable[[], datetime] = utcnow, lease: timedelta = outbox.LEASE,
                 max_attempts: int = 5, languages: LanguagePrefs | None = None,
                 write_lock: asyncio.Lock | None = None, categories: Sequence[str] = ()) -> None:
        self.sf = session_factory
        self.notifier = notifier
        self.tz = tz
        self.clock = clock
        self.lease = lease
        self.max_attempts = max_attempts
        # Notices go out in each recipient's language, from a job with no update of its own.
        self.languages = languages
        self.i18n = create_i18n(languages.default if languages else DEFAULT_LOCALE)
        self.units = UnitCache()
        self.categories = tuple(categories)  # for an acknowledgement that asks for one
        self.matters = Matters(session_factory, write_lock=write_lock, clock=clock)
        self.write_lock = write_lock
        self._lock = asyncio.Lock()
        self._pruned: datetime | None = None

    async def deliver_once(self, now: datetime | None = None) -> int:
        """Sends what is due; returns how many were delivered."""
        async with self._lock:  # the job and an admin's command never sweep at once
            now = now or self.clock()
            claimed = await outbox.claim(self.sf, now, lease=self.lease, max_attempts=self.max_attempts,
                                         lock=self.write_lock)
            with outbox.holding(self.sf, (m.id for m in claimed)):  # a batch waits its turns: kept claimed
                return await self._deliver(claimed, now)

    async def _deliver(self, claimed: Sequence[OutboxMessage], now: datetime) -> int:
        sent = 0
        polls: dict[int, list[PollJob]] = {}
        for message in claimed:
            if message.kind == POLL:
                polls.setdefault(message.matter_id, []).append(PollJob(message.chat_id, message.id))
                continue
            rendered = await self._render(message)
            if rendered is None:
                await outbox.mark(self.sf, message.id, "obsolete", now, final=True, lock=self.write_lock)
                continue
            redrawn = await self._redrawn(message) if message.kind in REDRAWN_AFTER else None
            if redrawn is not None:  # a brief line when the closed card replaces one in the chat
                with speaking(await self._locale(message.chat_id), self.i18n):
                    rendered = told_with(redrawn[0], rendered, redrawn[1])
            delivery = await send(self, message.chat_id, rendered, recorder(self, message.id))
            sent += delivery.ok
            if delivery.ok and redrawn is not None:
                await redraw(self, message.chat_id, redrawn[1])
        for matter_id, jobs in polls.items():
            sent += await self._polls(matter_id, jobs, now)
        return sent

    async def _polls(self, matter_id: int, jobs: list[PollJob], now: datetime) -> int:
        view = await self.matters.poll_view(matter_id)
        if view is None:  # closed meanwhile: a late poll would only confuse
            for job in jobs:
                await outbox.mark(self.sf, job.outbox_id, "obsolete", now, final=True, lock=self.write_lock)
            return 0
        return await send_poll_rows(self, self.matters, view, jobs)

    async def _locale(self, chat_id: int) -> str:
        locale = (await self.languages.of([chat_id])).get(chat_id) if self.languages else None
        return locale or self.i18n.default_locale

    async def _render(self, message: OutboxMessage) -> Rendered | None:
        if message.kind.startswith(ORDER):
            return await self._render_order(message)
        if message.kind == RESULT:
            tally = await self.matters.result(message.matter_id) if message.matter_id else None
            if tally is None:
                return None
            with speaking(await self._locale(message.chat_id), self.i18n):
                card = matter_result(tally, self.tz)
            return Rendered(card.text, card.markup)
        try:
            kind = NoticeKind(message.kind)
        except ValueError:
            return None
        async with self.sf() as session:
            ticket = await session.get(Ticket, message.ticket_id) if message.ticket_id else None
            if ticket is None:
                return None
            view = await build_view(session, ticket, self.units)
            # A number shared for a handler goes to whoever may still contact the reporter:
            # sent late (after a crash), the ticket may have been handed on or settled meanwhile.
            if kind == NoticeKind.PHONE_SHARED and not can_contact_reporter(
                    await load_actor(session, message.chat_id), view.scope):
                return None
        if kind in TO_ASSIGNEE and message.chat_id != view.assignee_telegram_id:
            return None  # handed to someone else meanwhile: a 签收 card they cannot use
        with speaking(await self._locale(message.chat_id), self.i18n):
            return notice(Notice(message.chat_id, kind, view, message.note, message.actor_name), self.tz,
                          self.categories)

    async def _redrawn(self, message: OutboxMessage) -> tuple[Notice, list] | None:
        """The notice and the cards the recipient holds about the ticket, drawn again
        (handlers.shared.delivery), to edit once the notice is delivered."""
        async with self.sf() as session:
            ticket = await session.get(Ticket, message.ticket_id)
            if ticket is None:
                return None
            view = await build_view(session, ticket, self.units)
        n = Notice(message.chat_id, NoticeKind(message.kind), view, message.note, message.actor_name)
        with speaking(await self._locale(message.chat_id), self.i18n):
            return n, await redrawn_cards(self.sf, n, self.tz)

    async def _render_order(self, message: OutboxMessage) -> Rendered | None:
        try:
            kind = None if message.kind == NEW_ORDER else OrderNoticeKind(message.kind.removeprefix(ORDER))
        except ValueError:
            return None
        async with self.sf() as session:
            order = await session.get(ServiceOrder, message.order_id) if message.order_id else None
            if order is None:
                return None
            view = await build_order_view(session, order, self.units)
            # A reviewer's card offers 联系点单人 as the press would allow it now, not when queued.
            contact = kind in REVIEWER_CARDS and await may_write(session, message.chat_id, view)
        with speaking(await self._locale(message.chat_id), self.i18n):
            if kind is None:
                if view.state != OrderState.PUBLISHED:
                    return None  # taken (or withdrawn) meanwhile: nothing to offer
                card = new_order_notice(view)
            else:
                card = order_notice(OrderNotice(message.chat_id, kind, view, message.note, message.actor_name or None,
                                                message.points or 0, contact=contact), self.tz)
        return Rendered(card.text, card.markup)

    async def prune_updates(self, now: datetime) -> None:
        """Once an hour: forget the updates handled over a week ago (storage.updates)."""
        if self._pruned is not None and now - self._pruned < timedelta(hours=1):
            return
        self._pruned = now
        async with self.write_lock or nullcontext(), self.sf() as session, session.begin():
            await updates.prune(session, now)

    async def job(self) -> None:
        try:
            n = await self.deliver_once()
            if n:
                log.info("outbox: %d message(s) delivered", n)
            await self.prune_updates(self.clock())
        except asyncio.CancelledError:
            # Shutting down mid-run: what was not sent is still due, and the next start
            # (or sweep) takes it up. Not an error worth a traceback.
            log.info("job interrupted by shutdown")
        except Exception:  # noqa: BLE001 - logged; the next run tries again
            log.exception("outbox delivery failed")

    async def renew_job(self) -> None:
        """Keeps the claims of what this process is still sending (tickets.outbox.renew):
        its own job, since a sweep's batch can take longer than the lease."""
        try:
            await outbox.renew(self.sf, self.clock(), lock=self.write_lock)
        except asyncio.CancelledError:
            log.info("job interrupted by shutdown")
        except Exception:  # noqa: BLE001 - logged; the next run tries again
            log.exception("renewing the outbox's claims failed")


def add_outbox_job(scheduler: BaseScheduler, sender: OutboxSender, seconds: float = 5) -> None:
    scheduler.add_job(sender.job, IntervalTrigger(seconds=seconds), id="outbox", name="outbox",
                      misfire_grace_time=max(int(seconds), 1), coalesce=True, max_instances=1)
    # Three renewals a lease: a claim outlives one late or failed run.
    every = max(sender.lease.total_seconds() / 3, 0.5)
    scheduler.add_job(sender.renew_job, IntervalTrigger(seconds=every), id="outbox-renew", name="outbox-renew",
                      misfire_grace_time=max(int(every), 1), coalesce=True, max_instances=1)

