"""督办: the reminder sweep. Claims due work, queues it in the outbox, sends it, marks it sent.

Reminders are outbox rows (tickets.outbox, kind "reminder"), the one mechanism for every
message the system decides to send; this sweep is the sender of its own kind, since it
knows how to render a reminder and when one stops being worth sending. One sweep:

1. claims due tickets with one indexed statement (``next_check_at <= now``, a limited
   batch, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the UPDATE takes the single
   writer lock), pushing their next_check_at a lease ahead so no other sweep takes them;
2. re-claims reminder rows of the outbox claimed earlier but never marked sent (a crash,
   or sends that failed) once the lease is over;
3. works out each claimed ticket's ladder (supervision.ladder), inserts one row per
   (ticket, step, person, round) it is about to send into the ledger (reminder_deliveries,
   whose unique key drops what another sweep already took) and into the outbox (key
   "reminder:<ticket>:<step>:<round>:chat:<chat>"), raises escalation_level and stores
   next_check_at; all in the claim's transaction, committed before anything is sent;
4. sends through ``send`` (the notifier, via the bot layer's rendering), concurrently in
   small chunks, and marks each chunk sent as soon as it is done, so a crash repeats at
   most the chunk in flight.

Telegram failures the notifier could not overcome leave the row unsent: the next sweep
after the lease tries again, up to ``max_attempts``. A 403 is final (the person blocked
the bot; see organisation.unreachable).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from organisation.tree import OrgChains, load_chains
from storage.models import ReminderDelivery as RD
from storage.models import OutboxMessage, Resident, Staff, Ticket, TicketEvent
from supervision.calendar import WorkCalendar
from supervision.reminder_rows import KIND, reminder_key, reclaim_stale
from supervision.sending import SendResult, send_and_record
from supervision.ladder import (
    Ladder,
    Pending,
    Quiet,
    Step,
    TicketClock,
    pending,
    plan,
    review_at,
)
from tickets import outbox
from tickets.lifecycle import State
from tickets.policy import Role
from tickets.views import TicketView

__all__ = ["Reminder", "SweepReport", "sweep", "review_at", "ticket_views"]

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Reminder:
    """One message the sweep wants sent: plain data, rendered by the bot layer."""

    delivery_id: int
    chat_id: int
    step: Step
    recipient_role: str  # assignee / community / street
    deadline: datetime
    ticket: TicketView
    now: datetime
    outbox_id: int | None = None  # its row in the outbox (tickets.outbox)

    @property
    def overdue(self) -> bool:
        return self.now >= self.deadline


Send = Callable[[Reminder], Awaitable[SendResult]]


@dataclass
class SweepReport:
    tickets: int = 0  # tickets claimed
    sent: int = 0
    blocked: int = 0
    failed: int = 0  # left for a later sweep (or given up after max_attempts)
    held: int = 0  # tickets whose due reminders wait for the end of quiet hours
    retried: int = 0  # stale claims taken again
    obsolete: int = 0  # stale claims the ticket has moved past
    escalated: int = 0


async def sweep(
    session_factory: async_sessionmaker[AsyncSession],
    send: Send,
    now: datetime,
    *,
    ladder: Ladder,
    calendar: WorkCalendar,
    quiet: Quiet | None = None,
    batch: int = 200,
    lease: timedelta = timedelta(minutes=15),
    max_attempts: int = 5,
    chunk: int = 30,
) -> SweepReport:
    report = SweepReport()
    async with session_factory() as session:
        async with session.begin():
            claimed = await _claim_tickets(session, now, batch, lease)
            stale = await reclaim_stale(session, now, batch, lease, max_attempts)
            report.tickets, report.retried = len(claimed), len(stale)
            planner = _Planner(session, now, ladder, calendar, quiet, lease, max_attempts, report)
            reminders = await planner.run(claimed, stale)
    for start in range(0, len(reminders), chunk):
        part = reminders[start:start + chunk]
        await asyncio.gather(*(send_and_record(session_factory, send(r), ledger=RD, ledger_id=r.delivery_id,
                                               outbox_id=r.outbox_id, now=now, report=report,
                                               what=f"reminder {r.delivery_id} to chat {r.chat_id}") for r in part))
    return report


async def _claim_tickets(session: AsyncSession, now: datetime, batch: int, lease: timedelta) -> list[int]:
    due = (
        select(Ticket.id)
        .where(Ticket.next_check_at <= now)
        .order_by(Ticket.next_check_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    # Pushed a lease ahead: a ticket whose planning fails comes back later, not at once.
    stmt = (
        update(Ticket)
        .where(Ticket.id.in_(due.scalar_subquery()))
        .values(next_check_at=now + lease)
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    )
    return list((await session.execute(stmt)).scalars())


def ticket_clock(t: Ticket) -> TicketClock:
    return TicketClock(
        state=State(t.state),
        urgent=bool(t.urgent),
        window_start=t.dispatched_at or t.created_at,
        accept_deadline=t.accept_deadline,
        resolve_deadline=t.resolve_deadline,
    )


class _Planner:
    """Step 3 of the sweep, inside the claim's transaction."""

    def __init__(self, session, now, ladder, calendar, quiet, lease, max_attempts, report) -> None:
        self.s: AsyncSession = session
        self.lease = lease
        self.now = now
        self.ladder = ladder
        self.calendar = calendar
        self.quiet = quiet
        self.max_attempts = max_attempts
        self.report = report
        self.steps = {s.key: s for s in ladder.steps}

    async def run(self, claimed: Sequence[int], stale: Sequence[Any]) -> list[Reminder]:
        ids = set(claimed) | {row.ticket_id for row in stale}
        if not ids:
            return []
        tickets = {t.id: t for t in (await self.s.execute(select(Ticket).where(Ticket.id.in_(ids)))).scalars()}
        chains = await load_chains(self.s, {t.grid_id for t in tickets.values()})
        staff = await self._staff(tickets.values(), chains)
        fresh = await self._plan_claimed([tickets[i] for i in claimed if i in tickets], chains, staff)
        again = await self._check_stale(stale, tickets)
        wanted = {r["ticket_id"] for r in fresh} | {r["ticket_id"] for r in again}
        views = await ticket_views(self.s, [tickets[i] for i in wanted], chains, staff)
        out = []
        for row in [*again, *fresh]:
            out.append(Reminder(row["id"], row["chat_id"], self.steps[row["step"]], row["recipient_role"],
                                row["deadline"], views[row["ticket_id"]], self.now, row["outbox_id"]))
        return out

    async def _staff(self, tickets: Iterable[Ticket], chains: OrgChains) -> dict[int, Staff]:
        tickets = list(tickets)
        units = {u.id for c in chains.values() for u in c.values() if u.kind in ("community", "street")}
        q = select(Staff).where(Staff.active.is_(True)).where(
            Staff.id.in_({t.assignee_id for t in tickets if t.assignee_id})
            | (Staff.unit_id.in_(units) & Staff.role.in_([Role.COMMUNITY_CADRE, Role.STREET_CADRE]))
        )
        return {s.id: s for s in (await self.s.execute(q.order_by(Staff.id))).scalars()}

    def _recipients(self, t: Ticket, step: Step, chains: OrgChains, staff: dict[int, Staff]) -> list[tuple[Staff, str]]:
        chain = chains.get(t.grid_id, {})

        def cadres(kind: str, role: Role) -> list[Staff]:
            unit = chain.get(kind)
            return [s for s in staff.values() if unit is not None and s.unit_id == unit.id and s.role == role]

        out: list[tuple[Staff, str]] = []
        for who in step.to:
            if who == "assignee":
                found = [staff[t.assignee_id]] if t.assignee_id in staff else []
            elif who == "community":
                # As routing.supervisors: a community without cadres is watched by its street.
                found = cadres("community", Role.COMMUNITY_CADRE) or cadres("street", Role.STREET_CADRE)
            else:
                found = cadres("street", Role.STREET_CADRE)
            out.extend((s, who) for s in found)
        seen: set[int] = set()
        return [(s, who) for s, who in out if not (s.telegram_id in seen or seen.add(s.telegram_id))]

    async def _plan_claimed(self, tickets: list[Ticket], chains: OrgChains, staff: dict[int, Staff]) -> list[dict]:
        if not tickets:
            return []
        rows = await self.s.execute(
            select(RD.ticket_id, RD.step, RD.deadline).where(RD.ticket_id.in_([t.id for t in tickets]))
        )
        done: dict[int, set[tuple[str, datetime]]] = {}
        for ticket_id, step, deadline in rows:
            done.setdefault(ticket_id, set()).add((step, deadline))
        inserts: list[dict] = []
        updates: list[dict] = []
        for t in tickets:
            p = plan(ticket_clock(t), self.ladder, self.calendar, self.now, done.get(t.id, ()), self.quiet)
            self.report.held += p.held
            level = max([t.escalation_level, *(d.step.level for d in p.due)])
            if level > t.escalation_level:
                self.report.escalated += 1
                self.s.add(TicketEvent(
                    ticket_id=t.id, at=self.now, actor_kind="system", actor_name="", action="督办",
                    note=f"超期督办，升至第{level}级", data={"escalation_level": level,
                                                   "steps": [d.step.key for d in p.due]},
                ))
            updates.append({"id": t.id, "next_check_at": p.next_check_at, "escalation_level": level})
            for d in p.due:
                for person, who in self._recipients(t, d.step, chains, staff):
                    inserts.append({
                        "ticket_id": t.id, "step": d.step.key, "chat_id": person.telegram_id,
                        "staff_id": person.id, "recipient_role": who, "deadline": d.deadline,
                        "claimed_at": self.now, "attempts": 1,
                    })
        if updates:
            await self.s.execute(update(Ticket), updates)
        if not inserts:
            return []
        stmt = _insert_ignoring_duplicates(self.s).returning(
            RD.id, RD.ticket_id, RD.step, RD.chat_id, RD.recipient_role, RD.deadline
        )
        planned = [row._asdict() for row in await self.s.execute(stmt, inserts)]
        # Into the outbox, claimed by this sweep (it sends them right after the commit).
        keys = {r["id"]: reminder_key(r["ticket_id"], r["step"], r["deadline"], r["chat_id"]) for r in planned}
        queued = await outbox.put(self.s, (outbox.Row(keys[r["id"]], r["chat_id"], KIND, ticket_id=r["ticket_id"],
                                                      note=str(r["id"])) for r in planned), self.now)
        return [dict(r, outbox_id=queued[keys[r["id"]]]) for r in planned if keys[r["id"]] in queued]

    async def _check_stale(self, stale: Sequence[Any], tickets: dict[int, Ticket]) -> list[dict]:
        """Stale claims go again only if the ticket still owes that step in that round."""
        again: list[dict] = []
        finished: list[dict] = []
        deferred: list[dict] = []
        for row in stale:
            t = tickets.get(row.ticket_id)
            still = t is not None and any(
                p.step.key == row.step and p.deadline == row.deadline and p.due_at <= self.now
                for p in self._pending(t)
            )
            if not still:
                self.report.obsolete += 1
                finished.append({"id": row.id, "outbox_id": row.outbox_id, "sent_at": self.now, "outcome": "obsolete"})
            elif row.attempts >= self.max_attempts:  # failed sends (a crash is none: tickets.outbox)
                log.error("reminder %s to chat %s given up after %d failed sends", row.id, row.chat_id, row.attempts)
                finished.append({"id": row.id, "outbox_id": row.outbox_id, "sent_at": self.now, "outcome": "failed"})
            elif self._quiet_now(t):
                # Not an attempt: claimed_at is set so that the lease runs out as quiet hours end.
                assert self.quiet is not None
                until = self.calendar.quiet_hours_end(self.now, self.quiet.start, self.quiet.end)
                deferred.append({"outbox_id": row.outbox_id, "claimed_at": until - self.lease})
            else:
                again.append(row._asdict())
        if finished:
            await self.s.execute(update(RD), [{k: v for k, v in f.items() if k != "outbox_id"} for f in finished])
            for f in finished:
                await outbox.mark_in(self.s, f["outbox_id"], f["outcome"], self.now, final=True)
        for d in deferred:
            await self.s.execute(update(OutboxMessage).where(OutboxMessage.id == d["outbox_id"])
                                 .values(claimed_at=d["claimed_at"])
                                 .execution_options(synchronize_session=False))
        return again

    def _pending(self, t: Ticket) -> list[Pending]:
        return pending(ticket_clock(t), self.ladder, self.calendar, self.now)

    def _quiet_now(self, t: Ticket) -> bool:
        q = self.quiet
        return q is not None and not t.urgent and self.calendar.in_quiet_hours(self.now, q.start, q.end)


def _insert_ignoring_duplicates(session: AsyncSession):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(RD).on_conflict_do_nothing()


async def ticket_views(
    session: AsyncSession, tickets: Sequence[Ticket], chains: OrgChains, staff: dict[int, Staff]
) -> dict[int, TicketView]:
    """TicketViews for many tickets in a few queries (tickets.views.build_view does one
    ticket in several). Reminder cards carry no photos, so attachments are not loaded."""
    if not tickets:
        return {}
    missing = {t.assignee_id for t in tickets if t.assignee_id and t.assignee_id not in staff}
    if missing:
        for s in (await session.execute(select(Staff).where(Staff.id.in_(missing)))).scalars():
            staff[s.id] = s
    residents = dict((await session.execute(
        select(Resident.id, Resident.telegram_id).where(Resident.id.in_({t.resident_id for t in tickets}))
    )).all())
    views = {}
    for t in tickets:
        chain = chains.get(t.grid_id, {})
        grid = chain.get("grid") or chain.get("micro_grid")
        community, street = chain.get("community"), chain.get("street")
        assignee = staff.get(t.assignee_id) if t.assignee_id else None
        views[t.id] = TicketView(
            id=t.id, state=State(t.state), text=t.text, category=t.category,
            keywords=tuple(t.keywords or ()), confidence=t.confidence, urgent=t.urgent,
            request_kind=t.request_kind, grid_id=t.grid_id,
            grid_code=grid.code if grid else "", grid_name=grid.name if grid else "",
            community_id=community.id if community else None,
            community_name=community.name if community else "",
            street_id=street.id if street else None,
            assignee_id=t.assignee_id,
            assignee_name=assignee.name if assignee else None,
            assignee_telegram_id=assignee.telegram_id if assignee else None,
            resident_id=t.resident_id, resident_telegram_id=residents.get(t.resident_id, 0),
            created_at=t.created_at, accept_deadline=t.accept_deadline, resolve_deadline=t.resolve_deadline,
            latitude=t.latitude, longitude=t.longitude, resolution_note=t.resolution_note,
            return_reason=t.return_reason, reopen_count=t.reopen_count,
        )
    return views
