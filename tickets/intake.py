"""受理: turning residents' reports into dispatched tickets, with group commit.

Reports that arrive while another batch is being written wait and are then stored
together in one transaction: a handful of statements and one commit for the whole
batch instead of per report. Each caller still gets its own result only after the
commit, so a report is stored before it is acknowledged.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import updates
from storage.models import Attachment, Resident, Staff, Ticket, TicketEvent
from supervision.reminders import review_at
from tickets import outbox, routing
from tickets.errors import NotRegistered
from tickets.lifecycle import Action, State, window_data
from tickets.policy import Role
from tickets.reports import Deadlines, Report
from tickets.views import Notice, NoticeKind, Outcome, build_view


class IntakeHost(Protocol):
    """What intake needs of the workflow it serves (tickets.service.IntakeHost)."""

    units: Any
    deadlines: Deadlines

    def _tx(self) -> AbstractAsyncContextManager[AsyncSession]: ...

    async def _dispatch_notices(self, session: AsyncSession, view: Any) -> list[Any]: ...

    def suggestions(self, prediction: Any) -> tuple[str, ...]: ...

MAX_BATCH = 64


@dataclass
class _Item:
    report: Report
    prediction: Any
    now: datetime
    future: asyncio.Future[Outcome]
    update: updates.Handling | None = None  # the Telegram update it came in, recorded with it
    acknowledge: bool = False  # queue the reporter's 受理 acknowledgement with the card


class Intake:
    def __init__(self, service: IntakeHost, max_batch: int = MAX_BATCH) -> None:
        self.service = service
        self.max_batch = max_batch
        self._pending: list[_Item] = []
        self._lock = asyncio.Lock()

    async def submit(self, report: Report, prediction: Any, now: datetime, *, acknowledge: bool = False) -> Outcome:
        """`acknowledge`: the outcome's notices start with the reporter's acknowledgement
        (NoticeKind.REPORTED), queued in the outbox like the card."""
        item = _Item(report, prediction, now, asyncio.get_running_loop().create_future(), updates.current(),
                     acknowledge)
        self._pending.append(item)
        async with self._lock:
            # Whoever gets the lock first writes everything waiting, itself included.
            while not item.future.done():
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                await self._store(batch)
        return await item.future

    async def _store(self, batch: list[_Item], retries: int = 1) -> None:
        try:
            await self._write(batch)
        except IntegrityError as exc:
            # Another process stored one of these messages meanwhile: go one by one,
            # and the duplicate pre-check in _write now finds it.
            if retries == 0:
                _fail(batch, exc)
                return
            for item in batch:
                await self._store([item], retries - 1)
        except Exception as exc:  # noqa: BLE001 - handed to every waiting caller
            _fail(batch, exc)

    async def _write(self, batch: list[_Item]) -> None:
        svc = self.service
        outcomes: dict[int, Outcome] = {}
        async with svc._tx() as session:
            # One transaction for many reports: each records its own update (not the writer's).
            updates.unrecorded(session)
            for item in batch:
                await updates.record_in(session, item.update)
            residents = await _residents(session, {i.report.telegram_id for i in batch})
            existing = await _existing(session, {(i.report.chat_id, i.report.message_id) for i in batch})
            grids = {r.grid_id for r in residents.values() if r.grid_id is not None}
            grids |= {r.micro_grid_id for r in residents.values() if r.micro_grid_id is not None}
            grids |= {u for i in batch for u in (i.report.grid_id, i.report.micro_grid_id) if u is not None}
            members = await _members(session, grids)
            opened: list[tuple[_Item, Ticket, list[Attachment], Resident, routing.Route]] = []
            seen: dict[tuple[int, int], Ticket] = {}
            for item in batch:
                key = (item.report.chat_id, item.report.message_id)
                resident = residents.get(item.report.telegram_id)
                if key in existing or key in seen:
                    continue  # answered as a duplicate after the commit
                if resident is None or resident.grid_id is None:
                    item.future.set_exception(NotRegistered(item.report.telegram_id))
                    continue
                grid_id, micro_id = _place(item.report, resident)
                # A micro-grid's own member first; the grid's members when it has none.
                route = routing.pick(members.get(micro_id) or members.get(grid_id, []), item.prediction.category)
                ticket = _ticket(svc, item, resident, route, grid_id, micro_id)
                seen[key] = ticket
                opened.append((item, ticket, [], resident, route))
            session.add_all([t for _, t, _, _, _ in opened])
            await session.flush()  # one multi-row INSERT ... RETURNING for the ids
            for item, ticket, attachments, resident, _ in opened:
                attachments.extend(
                    Attachment(ticket_id=ticket.id, kind="photo", file_id=f, stage="report", created_at=item.now)
                    for f in item.report.photos
                )
                session.add_all(attachments)
                session.add(_opening_event(item, ticket, resident))
            for item, ticket, attachments, resident, route in opened:
                view = await build_view(session, ticket, svc.units, attachments, known=(resident, route.assignee),
                                        followers=())  # just opened: no follower yet, no query under the lock
                suggestions = svc.suggestions(item.prediction)
                decided = await svc._dispatch_notices(session, view)
                if item.acknowledge:
                    decided.insert(0, Notice(item.report.chat_id, NoticeKind.REPORTED, view,
                                             "\n".join(suggestions) or None))
                notices = await outbox.queue_notices(session, decided, item.now)
                outcomes[id(item)] = Outcome(view, notices, suggestions=suggestions)
            duplicates = [i for i in batch if not i.future.done() and id(i) not in outcomes]
            for item in duplicates:
                key = (item.report.chat_id, item.report.message_id)
                ticket = existing.get(key) or seen[key]
                outcomes[id(item)] = Outcome(await build_view(session, ticket, svc.units), duplicate=True)
        # Committed: only now may anyone be told.
        for item in batch:
            if not item.future.done():
                item.future.set_result(outcomes[id(item)])


def _fail(batch: list[_Item], exc: BaseException | type[BaseException]) -> None:
    for item in batch:
        if not item.future.done():
            item.future.set_exception(exc)


async def _residents(session, telegram_ids: set[int]) -> dict[int, Resident]:
    rows = await session.execute(select(Resident).where(Resident.telegram_id.in_(telegram_ids)))
    return {r.telegram_id: r for r in rows.scalars()}


async def _existing(session, keys: set[tuple[int, int]]) -> dict[tuple[int, int], Ticket]:
    # Not a row-value IN: SQLite scans the whole table for it (90 ms at 200,000 tickets, under
    # the write lock). Two plain INs seek the unique (chat, message) index; exact pairs are kept.
    q = select(Ticket).where(Ticket.source_chat_id.in_({c for c, _ in keys}),
                             Ticket.source_message_id.in_({m for _, m in keys}))
    found = ((t.source_chat_id, t.source_message_id, t) for t in (await session.execute(q)).scalars())
    return {(c, m): t for c, m, t in found if (c, m) in keys}


async def _members(session, grid_ids: set[int]) -> dict[int, list[Staff]]:
    if not grid_ids:
        return {}
    q = select(Staff).where(
        Staff.unit_id.in_(grid_ids), Staff.role == Role.GRID_MEMBER, Staff.active.is_(True)
    )
    found: dict[int, list[Staff]] = defaultdict(list)
    for s in (await session.execute(q)).scalars():
        found[s.unit_id].append(s)
    return found


def _place(report: Report, resident: Resident) -> tuple[int, int | None]:
    """(grid, micro-grid) of a report: where its shared location fell, else the resident's."""
    if report.grid_id is not None:
        return report.grid_id, report.micro_grid_id
    return resident.grid_id, resident.micro_grid_id


def _ticket(svc: IntakeHost, item: _Item, resident: Resident, route: routing.Route,
            grid_id: int, micro_grid_id: int | None) -> Ticket:
    p, report, now = item.prediction, item.report, item.now
    accept_by, resolve_by = svc.deadlines(now, p.category, p.urgent)
    assigned = route.assignee is not None
    state = State.DISPATCHED if assigned else State.NEW
    return Ticket(
        state=state, text=report.text.strip(), category=p.category, keywords=list(p.keywords),
        confidence=float(p.confidence), urgent=bool(p.urgent), request_kind=p.request_kind,
        latitude=report.latitude, longitude=report.longitude,
        resident_id=resident.id, grid_id=grid_id, micro_grid_id=micro_grid_id,
        anonymous=bool(resident.anonymous),
        assignee_id=route.assignee.id if assigned else None,
        source_chat_id=report.chat_id, source_message_id=report.message_id,
        created_at=now, dispatched_at=now if assigned else None,
        accept_deadline=accept_by, resolve_deadline=resolve_by, original_resolve_deadline=resolve_by,
        updated_at=now, version=0, next_check_at=review_at(state, now),
    )


def _opening_event(item: _Item, ticket: Ticket, resident: Resident) -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket.id, at=item.now, actor_kind="resident", actor_telegram_id=item.report.telegram_id,
        actor_name="" if ticket.anonymous else resident.name, action=Action.OPEN.value, from_state=None, to_state=ticket.state,
        data={"category": ticket.category, "keywords": ticket.keywords,
              "confidence": round(ticket.confidence, 3), "urgent": ticket.urgent,
              **window_data(accept_deadline=ticket.accept_deadline, resolve_deadline=ticket.resolve_deadline,
                            original_resolve_deadline=ticket.original_resolve_deadline)},
    )

