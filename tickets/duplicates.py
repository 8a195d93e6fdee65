"""Duplicates: a report like an open ticket is offered to follow it; cadres merge tickets.

* ``similar``: before a report is opened, an open ticket of the same grid and category,
  opened within ``days``, whose words are close enough (nlp.similarity) to the report's.
* ``follow``: the resident follows that ticket instead (tickets.views carries followers:
  they are told what the reporter is told and may answer its 回访).
* ``merge``: a cadre merges ticket A into B: A goes 已合并 pointing to B, and A's reporter
  and followers follow B.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nlp.similarity import cosine, word_set
from storage.models import Resident, Ticket, TicketFollower, Unit
from storage.repositories import Residents
from tickets import outbox
from tickets.errors import NotAllowed, NotRegistered, Stale
from tickets.lifecycle import OPEN_STATES, Action, State
from tickets.views import (
    Notice,
    NoticeKind,
    Outcome,
    TicketView,
    build_view,
)

if TYPE_CHECKING:
    from nlp.segmenter import Segmenter
    from tickets.reports import Report
    from tickets.service import TicketService

MAX_CANDIDATES = 50  # newest open tickets of the grid compared with a report
CACHED_TICKETS = 20_000  # word sets kept (a ticket's text never changes): one cut per ticket, not per report


@dataclass(frozen=True)
class Match:
    """What a resident may be told of another resident's ticket: its category, grid and
    state, never its words (nor who reported it)."""

    ticket_id: int
    state: State
    category: str
    grid_name: str
    similarity: float


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    text: str
    similarity: float


class Duplicates:
    def __init__(self, service: TicketService, segmenter: Segmenter, *, days: int, threshold: float) -> None:
        self.svc = service
        self.segmenter = segmenter
        self.window = timedelta(days=days)
        self.threshold = threshold
        self._words: OrderedDict[int, frozenset[str]] = OrderedDict()

    def likeness(self, a: str, b: str) -> float:
        return cosine(word_set(self.segmenter, a), word_set(self.segmenter, b))

    def _ticket_words(self, ticket_id: int, text: str) -> frozenset[str]:
        words = self._words.get(ticket_id)
        if words is None:
            words = self._words[ticket_id] = word_set(self.segmenter, text)
            if len(self._words) > CACHED_TICKETS:
                self._words.popitem(last=False)
        else:
            self._words.move_to_end(ticket_id)
        return words

    async def _open_in_grid(self, session: AsyncSession, grid, since: datetime | None, *exclude) -> list:
        q = select(Ticket.id, Ticket.text, Ticket.category, Ticket.state, Ticket.grid_id).where(
            Ticket.grid_id == grid, Ticket.state.in_(OPEN_STATES), *exclude)
        if since is not None:
            q = q.where(Ticket.created_at >= since)
        # Newest first along ix_tickets_grid_id_created_at: the window and the limit bound
        # what is read, not the grid's history.
        q = q.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_CANDIDATES)
        return list((await session.execute(q)).all())

    async def similar(self, report: Report) -> Match | None:
        """The open ticket this report most likely repeats, if any (not the resident's own).

        On every report's path: one query (the resident found inside it), one cut of the
        report; tickets' word sets are cached; classified only when some text is close."""
        if self.window <= timedelta(0):
            return None
        svc = self.svc
        resident = select(Resident.id).where(Resident.telegram_id == report.telegram_id).scalar_subquery()
        grid = report.grid_id or select(Resident.grid_id).where(
            Resident.telegram_id == report.telegram_id).scalar_subquery()
        followed = select(TicketFollower.ticket_id).where(TicketFollower.resident_id == resident)
        async with svc.sf() as session:
            # No resident, or no grid yet: no rows (the report itself will ask for a grid).
            rows = await self._open_in_grid(session, grid, svc.clock() - self.window,
                                            Ticket.resident_id != resident, Ticket.id.not_in(followed))
        if not rows:
            return None
        words = word_set(self.segmenter, report.text)
        scored = sorted(((cosine(words, self._ticket_words(r.id, r.text)), r) for r in rows),
                        key=lambda sr: (-sr[0], -sr[1].id))
        close = [(s, r) for s, r in scored if s >= self.threshold]
        if not close:
            return None
        category = svc.classifier.classify(report.text.strip()).category
        best = next(((s, r) for s, r in close if r.category == category), None)
        if best is None:
            return None
        similarity, row = best
        async with svc.sf() as session:
            grid_name = (await session.execute(select(Unit.name).where(Unit.id == row.grid_id))).scalar_one()
        return Match(row.id, State(row.state), row.category, grid_name, similarity)

    async def follow(self, telegram_id: int, ticket_id: int, text: str, grid_id: int | None = None) -> TicketView:
        """Follow the ticket the resident was offered. Checked again here: the ticket must be
        open, in the report's grid and close to the report's text (the button is not trusted)."""
        svc, now = self.svc, self.svc.clock()
        async with svc._tx() as session:
            actor = await svc.actor(session, telegram_id)
            resident = await Residents(session).by_telegram_id(telegram_id)
            if resident is None or resident.grid_id is None:
                raise NotRegistered(telegram_id)
            ticket, view = await svc._load(session, ticket_id)
            if view.state not in OPEN_STATES:
                raise Stale(ticket_id, view.state)
            if ticket.grid_id != (grid_id or resident.grid_id) or self.likeness(text, ticket.text) < self.threshold:
                raise NotAllowed(Action.FOLLOW, ticket_id)
            if resident.id == ticket.resident_id or resident.id in view.follower_ids:
                return view
            session.add(TicketFollower(ticket_id=ticket_id, resident_id=resident.id, created_at=now, via="follow"))
            who = replace(actor, name="") if resident.anonymous else actor
            await svc._event(session, ticket_id, who, Action.FOLLOW, now, None, None)
            await session.flush()
            return await build_view(session, ticket, svc.units)

    async def candidates(self, telegram_id: int, ticket_id: int, limit: int = 5) -> tuple[TicketView, list[Candidate]]:
        """Open tickets of the same grid a cadre might merge this one into, likest first."""
        svc = self.svc
        async with svc.sf() as session:
            actor = await svc.actor(session, telegram_id)
            ticket, view = await svc._load(session, ticket_id)
            svc._guard(actor, Action.MERGE, view)
            if view.state not in OPEN_STATES:
                raise Stale(ticket_id, view.state)
            rows = await self._open_in_grid(session, ticket.grid_id, None, Ticket.id != ticket_id)
        words = self._ticket_words(ticket.id, ticket.text)
        found = [Candidate(r.id, r.text, cosine(words, self._ticket_words(r.id, r.text))) for r in rows]
        found.sort(key=lambda c: (-c.similarity, -c.ticket_id))
        return view, found[:limit]

    async def merge(self, telegram_id: int, source_id: int, target_id: int) -> Outcome:
        """合并: ``source`` goes 已合并 into ``target``; its reporter and followers follow ``target``."""
        svc, now = self.svc, self.svc.clock()
        if source_id == target_id:
            raise NotAllowed(Action.MERGE, source_id)
        async with svc._tx() as session:
            actor = await svc.actor(session, telegram_id)
            source, sview = await svc._load(session, source_id)
            target, tview = await svc._load(session, target_id)
            svc._guard(actor, Action.MERGE, sview)
            svc._guard(actor, Action.MERGE, tview)
            if tview.state not in OPEN_STATES:
                raise Stale(target_id, tview.state)
            await svc._move(session, source, Action.MERGE, actor, now,
                            {"merged_into_id": target.id, "next_check_at": None}, data={"into": target.id})
            await svc._event(session, target.id, actor, Action.MERGE, now, None, None, data={"from": source.id})
            known = {target.resident_id, *tview.follower_ids}
            for resident_id in dict.fromkeys((source.resident_id, *sview.follower_ids)):
                if resident_id not in known:
                    session.add(TicketFollower(ticket_id=target.id, resident_id=resident_id, created_at=now, via="merge"))
            await session.flush()
            sview = await build_view(session, source, svc.units)
            tview = await build_view(session, target, svc.units)
            into = str(target.id)
            notices = [Notice(sview.resident_telegram_id, NoticeKind.MERGED_RESIDENT, sview, into)]
            if sview.assignee_telegram_id and sview.assignee_telegram_id not in (tview.assignee_telegram_id, telegram_id):
                notices.append(Notice(sview.assignee_telegram_id, NoticeKind.MERGED_ASSIGNEE, sview, into, actor.name))
            notices = await outbox.queue_notices(session, notices, now)
        return Outcome(tview, notices)
