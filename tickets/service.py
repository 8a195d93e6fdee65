"""The ticket workflow: every command a resident or staff member can give.

Each public method runs in one transaction of its own and commits before it returns,
so a handler acknowledges only what is stored. Methods return plain data (views and
notices); sending them is the caller's business.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from organisation.unreachable import clear_blocked
from storage.models import Attachment, Ticket, TicketEvent
from storage.repositories import Residents, Tickets, Units
from storage.write_lock import WriteLock
from supervision.reminders import review_at
from tickets import outbox, routing
from tickets.actors import load_actor
from tickets.closing.closures import Closures
from tickets.errors import NotAllowed, NotFound, RateLimited, Stale
from tickets.feedback import Feedback
from tickets.followup.relay import Relay
from tickets.followup.supplements import Supplements
from tickets.intake import Intake
from tickets.lifecycle import Action, State, TransitionError, target_of, window_data
from tickets.policy import Actor, can, can_view
from tickets.ratelimit import SlidingWindow
from tickets.reports import Classifier, Deadlines, Report, utcnow
from tickets.views import Notice, NoticeKind, Outcome, TicketView, UnitCache, build_view


def _is_sqlite(session_factory) -> bool:
    bind = session_factory.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"


class TicketService(Feedback, Closures):
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        classifier: Classifier,
        deadlines: Deadlines,
        *,
        admins: Collection[int] = (),
        confidence_threshold: float = 0.55,
        reports_per_hour: int = 10,
        clock: Callable[[], datetime] = utcnow,
        department_deadlines: Callable[[datetime, bool], tuple[datetime, datetime]] | None = None,
        supplement_window: timedelta | None = timedelta(minutes=10),
    ) -> None:
        self.sf = session_factory
        self.classifier = classifier
        self.deadlines = deadlines
        # 重办 of what a department resolved runs on the department's clock (吹哨报到).
        self.department_deadlines = department_deadlines or (lambda start, urgent: deadlines(start, "", urgent))
        self.admins = frozenset(admins)
        self.threshold = confidence_threshold
        self.reports_per_hour = reports_per_hour
        self.clock = clock
        self.limiter = SlidingWindow(reports_per_hour)
        self.units = UnitCache()
        self.intake = Intake(self)
        self.supplements = Supplements(self, supplement_window)  # 补充
        self.relay = Relay(self)  # 联系反映人
        # SQLite has one writer: queueing writers here is cheaper than its busy-wait.
        self.write_lock = WriteLock() if _is_sqlite(session_factory) else None

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        """One session in one transaction, committed on leaving."""
        async with self.write_lock or nullcontext():
            async with self.sf() as session, session.begin():
                yield session

    # -- helpers ---------------------------------------------------------------

    async def actor(self, session: AsyncSession, telegram_id: int, name: str = "") -> Actor:
        return await load_actor(session, telegram_id, name=name, admins=self.admins)

    async def _load(self, session: AsyncSession, ticket_id: int) -> tuple[Ticket, TicketView]:
        ticket = await Tickets(session).get(ticket_id)
        if ticket is None:
            raise NotFound(ticket_id)
        return ticket, await build_view(session, ticket, self.units)

    async def _move(
        self,
        session: AsyncSession,
        ticket: Ticket,
        action: Action,
        actor: Actor,
        now: datetime,
        values: dict[str, Any],
        note: str | None = None,
        data: dict[str, Any] | None = None,
        department: bool = False,
    ) -> State:
        source = State(ticket.state)
        try:
            target = target_of(action, source, department=department)
        except TransitionError as exc:
            raise Stale(ticket.id, source) from exc
        if not await Tickets(session).move(ticket, source, {"state": target, "updated_at": now, **values}):
            raise Stale(ticket.id, source)
        await self._event(session, ticket.id, actor, action, now, source, target, note, data)
        return target

    async def _event(
        self,
        session: AsyncSession,
        ticket_id: int,
        actor: Actor | None,
        action: Action,
        now: datetime,
        source: State | None,
        target: State | None,
        note: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        kind = "system" if actor is None else ("staff" if actor.is_staff else "resident")
        await Tickets(session).add_event(
            TicketEvent(
                ticket_id=ticket_id,
                at=now,
                actor_kind=kind,
                actor_telegram_id=actor.telegram_id if actor else None,
                actor_name=actor.name if actor else "",
                action=action.value,
                from_state=source.value if source else None,
                to_state=target.value if target else None,
                note=note,
                data=data,
            )
        )

    def _guard(self, actor: Actor, action: Action, view: TicketView) -> None:
        if not can(actor, action, view.scope):
            raise NotAllowed(action, view.id)

    async def _supervisor_notices(
        self, session: AsyncSession, view: TicketView, kind: NoticeKind, note: str | None, actor: Actor | None
    ) -> list[Notice]:
        cadres = await routing.supervisors(session, view.grid_id)
        name = actor.name if actor else None
        return [Notice(c.telegram_id, kind, view, note, name) for c in cadres]

    # -- residents: join and report ------------------------------------------

    async def join(self, telegram_id: int, grid_code: str, name: str = "") -> tuple[str, str, str]:
        """Bind a resident to a grid (deep link or picker): (grid code, grid name, community name)."""
        async with self._tx() as session:
            grid = await Units(session).by_code(grid_code.strip())
            if grid is None or grid.kind not in ("grid", "micro_grid") or not grid.active:
                raise NotFound(grid_code)
            micro = None
            if grid.kind == "micro_grid":
                # A building's code: the resident belongs to the grid above it, and its
                # own member (if any) takes their reports first.
                micro, grid = grid, await Units(session).get(grid.parent_id) if grid.parent_id else None
                if grid is None or grid.kind != "grid" or not grid.active:
                    raise NotFound(grid_code)
            residents = Residents(session)
            resident, created = await residents.upsert(
                telegram_id, self.clock(), name=name[:200], grid_id=grid.id,
                micro_grid_id=micro.id if micro else None)
            if not created:
                resident.grid_id = grid.id
                resident.micro_grid_id = micro.id if micro else None
                if name:
                    resident.name = name[:200]
            chain = await Units(session).ancestors(grid.id)
            community = chain.get("community")
            label = f"{grid.name} {micro.name}" if micro else grid.name
            return (micro or grid).code, label, community.name if community else ""

    async def mark_reachable(self, telegram_id: int) -> None:
        """They wrote to the bot again: a later 403 is news worth reporting again."""
        async with self.write_lock or nullcontext():
            await clear_blocked(self.sf, telegram_id)

    async def edit_report(self, telegram_id: int, chat_id: int, message_id: int,
                          text: str) -> tuple[TicketView, Action] | None:
        """The reporter edited the message a ticket came from. Before anyone accepted it the
        ticket's text is replaced (EDIT); after, the new text is added as a note (NOTE). The
        handler is told either way. None: no ticket came from that message, or not theirs."""
        now = self.clock()
        text = text.strip()
        async with self._tx() as session:
            ticket = await Tickets(session).by_source(chat_id, message_id)
            if ticket is None or not text or text == ticket.text:
                return None
            actor = await self.actor(session, telegram_id)
            if actor.resident_id is None or ticket.resident_id != actor.resident_id:
                return None
            state = State(ticket.state)
            unaccepted = state in (State.NEW, State.DISPATCHED)
            if unaccepted:
                if not await Tickets(session).move(ticket, ticket.state, {"text": text, "updated_at": now}):
                    raise Stale(ticket.id, state)
                ticket.text = text
            action = Action.EDIT if unaccepted else Action.NOTE
            await self._event(session, ticket.id, actor, action, now, None, None, note=text[:1000])
            view = await build_view(session, ticket, self.units)
        return view, action

    def understand(self, text: str) -> Any:
        """The classifier's reading of a message (intent, category, urgency), without acting
        on it: the caller decides whether a chat message becomes a report. Memoised."""
        return self.classifier.classify(text.strip())

    async def report(self, report: Report) -> Outcome:
        """Open a ticket (or find the one this very message opened before)."""
        now = self.clock()
        prediction = self.classifier.classify(report.text.strip())
        if not await self.limiter.check(report.telegram_id, now):
            raise RateLimited(self.reports_per_hour)
        outcome = await self.intake.submit(report, prediction, now, acknowledge=True)
        if not outcome.duplicate:
            await self.limiter.note(report.telegram_id, now)
        return outcome

    def suggestions(self, prediction: Any) -> tuple[str, ...]:
        """Categories to offer with one tap when the classifier was unsure."""
        if prediction.confidence >= self.threshold:
            return ()
        return tuple(name for name, _ in prediction.suggestions)

    async def _dispatch_notices(self, session: AsyncSession, view: TicketView) -> list[Notice]:
        if view.assignee_telegram_id is not None:
            return [Notice(view.assignee_telegram_id, NoticeKind.NEW_TASK, view)]
        return await self._supervisor_notices(session, view, NoticeKind.UNASSIGNED, None, None)

    async def choose_category(self, telegram_id: int, ticket_id: int, category: str, known: Collection[str]) -> Outcome:
        """The reporter picks the category when the classifier was unsure; staff may 改类."""
        if category not in known:
            raise NotFound(category)
        now = self.clock()
        async with self._tx() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            is_reporter = actor.resident_id == view.resident_id and view.state in (State.NEW, State.DISPATCHED)
            if not is_reporter and not can(actor, Action.RECATEGORIZE, view.scope):
                raise NotAllowed(Action.RECATEGORIZE, ticket_id)
            if ticket.category == category:
                return Outcome(view)
            before = ticket.category
            accept_by, resolve_by = self.deadlines(ticket.created_at, category, ticket.urgent)
            values = {"category": category, "keywords": [], "updated_at": now,
                      "accept_deadline": accept_by, "resolve_deadline": resolve_by,
                      "original_resolve_deadline": resolve_by, "next_check_at": review_at(ticket.state, now)}
            if not await Tickets(session).move(ticket, ticket.state, values):
                raise Stale(ticket_id, State(ticket.state))
            await self._event(session, ticket_id, actor, Action.RECATEGORIZE, now, None, None,
                              data={"from": before, "to": category,
                                    **window_data(accept_deadline=accept_by, resolve_deadline=resolve_by,
                                                  original_resolve_deadline=resolve_by)})
            view = await build_view(session, ticket, self.units)
            notices = []
            if view.assignee_telegram_id and view.assignee_telegram_id != telegram_id:
                notices.append(Notice(view.assignee_telegram_id, NoticeKind.CATEGORY_CHANGED, view, before))
            notices = await outbox.queue_notices(session, notices, now)
        return Outcome(view, notices)

    # -- grid members -----------------------------------------------------------

    async def check(self, telegram_id: int, ticket_id: int, action: Action) -> TicketView:
        """Ask before prompting for a note or reason, so nobody types in vain."""
        async with self.sf() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            self._guard(actor, action, view)
            try:
                target_of(action, view.state)
            except TransitionError as exc:
                raise Stale(ticket_id, view.state) from exc
        return view


    async def accept(self, telegram_id: int, ticket_id: int) -> Outcome:
        now = self.clock()
        async with self._tx() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            self._guard(actor, Action.ACCEPT, view)
            values: dict[str, Any] = {"accepted_at": now, "next_check_at": review_at(State.ACCEPTED, now)}
            if ticket.first_contact_at is None:
                values["first_contact_at"] = now
            await self._move(session, ticket, Action.ACCEPT, actor, now, values)
            view = await build_view(session, ticket, self.units)
            notices = await outbox.queue_notices(
                session, [Notice(view.resident_telegram_id, NoticeKind.ACCEPTED, view, None, actor.name)], now)
        return Outcome(view, notices)

    async def resolve(self, telegram_id: int, ticket_id: int, note: str, photos: tuple[str, ...] = ()) -> Outcome:
        now = self.clock()
        async with self._tx() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            self._guard(actor, Action.RESOLVE, view)
            await self._move(session, ticket, Action.RESOLVE, actor, now,
                             {"resolved_at": now, "resolution_note": note, "next_check_at": None}, note=note)
            for file_id in photos:
                await Tickets(session).add_attachment(
                    Attachment(ticket_id=ticket_id, kind="photo", file_id=file_id, stage="resolution", created_at=now)
                )
            view = await build_view(session, ticket, self.units)
            notices = await outbox.queue_notices(
                session, [Notice(view.resident_telegram_id, NoticeKind.RESOLVED, view, note, actor.name)], now)
        return Outcome(view, notices)

    async def return_(self, telegram_id: int, ticket_id: int, reason: str) -> Outcome:
        now = self.clock()
        async with self._tx() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            self._guard(actor, Action.RETURN, view)
            # The deadlines keep running: a return is the cadre's to act on quickly.
            await self._move(session, ticket, Action.RETURN, actor, now,
                             {"return_reason": reason, "next_check_at": review_at(State.RETURNED, now)}, note=reason)
            view = await build_view(session, ticket, self.units)
            notices = await self._supervisor_notices(session, view, NoticeKind.RETURNED, reason, actor)
            notices.append(Notice(view.resident_telegram_id, NoticeKind.RETURNED_RESIDENT, view))
            notices = await outbox.queue_notices(session, notices, now)
        return Outcome(view, notices)

    async def reassign(self, telegram_id: int, ticket_id: int, staff_id: int) -> Outcome:
        now = self.clock()
        async with self._tx() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            self._guard(actor, Action.REASSIGN, view)
            candidates = {s.id: s for s, _ in await routing.reassign_candidates(session, ticket.grid_id)}
            target = candidates.get(staff_id)
            if target is None:
                raise NotAllowed(Action.REASSIGN, ticket_id)
            previous = view.assignee_telegram_id
            # A returned ticket's new handler learns why it was returned (退回's reason).
            why = ticket.return_reason if view.state == State.RETURNED else None
            # 转派 gives the new handler full windows from now (the 12345 convention).
            accept_by, resolve_by = self.deadlines(now, ticket.category, ticket.urgent)
            await self._move(
                session, ticket, Action.REASSIGN, actor, now,
                {"assignee_id": target.id, "dispatched_at": now, "accepted_at": None,
                 "accept_deadline": accept_by, "resolve_deadline": resolve_by, "escalation_level": 0,
                 "next_check_at": review_at(State.DISPATCHED, now)},
                data={"to_staff": target.id, "to_name": target.name,
                      **window_data(accept_deadline=accept_by, resolve_deadline=resolve_by)},
            )
            view = await build_view(session, ticket, self.units)
            notices = [Notice(target.telegram_id, NoticeKind.NEW_TASK, view, why, actor.name),
                       Notice(view.resident_telegram_id, NoticeKind.REASSIGNED_RESIDENT, view)]
            if previous and previous != target.telegram_id:
                notices.append(Notice(previous, NoticeKind.TAKEN_AWAY, view, None, actor.name))
            notices = await outbox.queue_notices(session, notices, now)
        return Outcome(view, notices)

    async def reassign_options(self, telegram_id: int, ticket_id: int) -> tuple[TicketView, list[tuple[int, str]]]:
        async with self.sf() as session:
            actor = await self.actor(session, telegram_id)
            ticket, view = await self._load(session, ticket_id)
            self._guard(actor, Action.REASSIGN, view)
            options = await routing.reassign_candidates(session, ticket.grid_id)
        return view, [(s.id, f"{s.name}（{grid}）") for s, grid in options]

    # -- looking up -----------------------------------------------------------------

    async def detail(self, telegram_id: int, ticket_id: int) -> tuple[TicketView, list[TicketEvent], Actor]:
        async with self.sf() as session:
            actor = await self.actor(session, telegram_id)
            ticket = await Tickets(session).get(ticket_id)
            if ticket is None:
                raise NotFound(ticket_id)
            view = await build_view(session, ticket, self.units)
            if not can_view(actor, view.scope):
                # Same answer as a missing ticket: ids of others' tickets are not confirmed.
                raise NotFound(ticket_id)
            events = list(await Tickets(session).events(ticket_id))
        return view, events, actor

