"""联手说事 (议事): a cadre puts a question to the residents of a grid or a community as a
Telegram poll, the answers are collected, and the result is published back to them (晒).

Polls are sent one per resident, non-anonymous: in a private chat that only means the bot
learns who chose what (no other resident sees it), which lets one count one answer per
resident, let them change it, and ignore answers from anyone the poll was not sent to
(a forwarded poll). Only totals are ever published. Each sent poll's id is stored to map
Telegram's poll_answer updates back to the matter.

A matter is a draft first: the cadre sees how many residents it would reach and
confirms, since a mistaken poll to two thousand people cannot be taken back. After it
closes (by hand, or at its end time by the sweep) later answers are ignored; the polls
themselves are not stopped one by one (that would be one more call per resident), the
published result says voting has ended.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service_orders import rules
from service_orders.base import QuietRule, Workflow, never_quiet, sane_id
from service_orders.errors import MatterRefused
from storage.models import Matter, MatterPoll, MatterVote, Resident, Unit
from storage.repositories import Units
from tickets import outbox
from tickets.policy import Role

# Telegram takes a poll's question up to 300 characters: the rest is for who asks and until when.
QUESTION_MAX, OPTION_MAX, OPTIONS_MIN, OPTIONS_MAX = 240, 100, 2, 10
POLL = "matter.poll"
RESULT = "matter.result"


@dataclass(frozen=True)
class MatterView:
    id: int
    state: str
    community_id: int
    community_name: str
    grid_id: int | None
    scope_name: str  # the grid's name, or the community's
    question: str
    options: tuple[str, ...]
    hours: float
    created_by: int
    closes_at: datetime | None
    starts_at: datetime | None = None  # when the polls go out: after quiet hours if sent in them
    held_until: datetime | None = None  # set when quiet hours held the polls (= starts_at)
    closed_at: datetime | None = None
    queued: int = 0  # open(): how many polls were queued


@dataclass(frozen=True)
class PollJob:
    """One resident's poll, queued in the outbox (tickets.outbox) with the opening."""

    chat_id: int
    outbox_id: int


def poll_key(matter_id: int, chat_id: int) -> str:
    return f"matter:{matter_id}:poll:chat:{chat_id}"


def result_key(matter_id: int, chat_id: int) -> str:
    return f"matter:{matter_id}:result:chat:{chat_id}"


@dataclass(frozen=True)
class Tally:
    matter: MatterView
    counts: tuple[int, ...]
    voters: int
    polled: int
    chat_ids: tuple[int, ...] = ()  # who the result goes to now (those polled)
    outbox_ids: tuple[int, ...] = ()  # their outbox rows, one per chat
    held_until: datetime | None = None  # quiet hours: the residents' copies wait (the sweep sends them)


def validate(question: str, options: list[str]) -> tuple[str, tuple[str, ...]]:
    question = question.strip()
    options = [o.strip() for o in options if o.strip()]
    if not question or len(question) > QUESTION_MAX:
        raise MatterRefused("bad_question")
    if not OPTIONS_MIN <= len(options) <= OPTIONS_MAX or any(len(o) > OPTION_MAX for o in options):
        raise MatterRefused("bad_options")
    if len(set(options)) != len(options):
        raise MatterRefused("bad_options")
    return question, tuple(options)


class Matters(Workflow):
    def __init__(self, *args: Any, default_hours: float = 72.0, quiet: QuietRule = never_quiet,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_hours = default_hours
        self.quiet = quiet

    async def _view(self, session: AsyncSession, m: Matter) -> MatterView:
        community = await session.get(Unit, m.community_id)
        grid = await session.get(Unit, m.grid_id) if m.grid_id else None
        scope = grid.name if grid else (community.name if community else "")
        starts = m.closes_at - timedelta(hours=m.hours) if m.closes_at else None
        held = starts if starts and m.opened_at and starts > m.opened_at else None
        return MatterView(m.id, m.state, m.community_id, community.name if community else "", m.grid_id, scope,
                          m.question, tuple(m.options), m.hours, m.created_by, m.closes_at, starts, held, m.closed_at)

    async def _grids(self, session: AsyncSession, m: Matter) -> list[int]:
        if m.grid_id is not None:
            return [m.grid_id]
        return [g.id for g in await Units(session).children(m.community_id, "grid")]

    async def _residents(self, session: AsyncSession, m: Matter) -> list[int]:
        q = select(Resident.telegram_id).where(
            Resident.grid_id.in_(await self._grids(session, m)), Resident.erased_at.is_(None),
            Resident.blocked_at.is_(None))
        return list((await session.execute(q.order_by(Resident.id))).scalars())

    async def _scope(self, session: AsyncSession, telegram_id: int, code: str | None) -> tuple[int, int | None]:
        """(community, grid or None) from an optional unit code, checked against the cadre."""
        person = await self.person(session, telegram_id)
        mine = sorted(person.actor.units(Role.COMMUNITY_CADRE))
        if not code:
            if len(mine) != 1:
                raise MatterRefused("need_scope" if mine else "not_allowed")
            return mine[0], None
        unit = await Units(session).by_code(code)
        if unit is None or not unit.active or unit.kind not in ("grid", "community"):
            raise MatterRefused("not_found")
        community_id = unit.id if unit.kind == "community" else unit.parent_id
        if community_id is None or not rules.can_open_matter(person, community_id):
            raise MatterRefused("not_allowed")
        return community_id, unit.id if unit.kind == "grid" else None

    async def draft(self, telegram_id: int, name: str, question: str, options: list[str],
                    code: str | None = None, hours: float | None = None) -> tuple[MatterView, int]:
        question, opts = validate(question, options)
        now = self.clock()
        async with self._tx() as session:
            community_id, grid_id = await self._scope(session, telegram_id, code)
            m = Matter(state="draft", version=0, community_id=community_id, grid_id=grid_id, question=question,
                       options=list(opts), hours=float(hours or self.default_hours), created_by=telegram_id,
                       created_by_name=name[:200], created_at=now)
            session.add(m)
            await session.flush()
            return await self._view(session, m), len(await self._residents(session, m))

    async def _mine(self, session: AsyncSession, telegram_id: int, matter_id: int) -> Matter:
        m = await session.get(Matter, matter_id) if sane_id(matter_id) else None
        if m is None:
            raise MatterRefused("not_found")
        person = await self.person(session, telegram_id)
        if not rules.can_open_matter(person, m.community_id):
            raise MatterRefused("not_allowed")
        return m

    async def _cas(self, session: AsyncSession, m: Matter, source: str, values: dict[str, Any]) -> None:
        result = await session.execute(
            update(Matter).where(Matter.id == m.id, Matter.state == source, Matter.version == m.version)
            .values(version=Matter.version + 1, **values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise MatterRefused("stale")
        await session.refresh(m)

    async def open(self, telegram_id: int, matter_id: int) -> tuple[MatterView, list[PollJob]]:
        """draft → open; the residents' polls are queued in the outbox with it (one per
        resident and matter, ever): returns them, for the caller to send at once. In quiet
        hours none is returned: they wait in the outbox for the sweep (view.starts_at), and
        the matter runs its hours from then."""
        now = self.clock()
        async with self._tx() as session:
            m = await self._mine(session, telegram_id, matter_id)
            release = outbox.held(self.quiet(now), now)
            await self._cas(session, m, "draft", {"state": "open", "opened_at": now,
                                                  "closes_at": (release or now) + timedelta(hours=m.hours)})
            sent = set((await session.execute(select(MatterPoll.chat_id).where(MatterPoll.matter_id == m.id))).scalars())
            chats = [r for r in await self._residents(session, m) if r not in sent]
            ids = await outbox.put(session, (outbox.Row(poll_key(m.id, c), c, POLL, matter_id=m.id)
                                             for c in chats), now, not_before=release)
            jobs = [PollJob(c, ids[poll_key(m.id, c)]) for c in chats if poll_key(m.id, c) in ids]
            return replace(await self._view(session, m), queued=len(jobs)), [] if release else jobs

    async def poll_sent(self, matter_id: int, chat_id: int, poll_id: str, message_id: int | None,
                        outbox_id: int | None = None) -> None:
        """A poll went out: its id is stored (so answers find the matter) and its outbox row
        marked sent, in one transaction."""
        now = self.clock()
        async with self._tx() as session:
            session.add(MatterPoll(matter_id=matter_id, chat_id=chat_id, poll_id=poll_id, message_id=message_id,
                                   sent_at=now))
            if outbox_id is not None:
                await outbox.mark_in(session, outbox_id, "sent", now, final=True,
                                     telegram_message_id=message_id, poll_id=poll_id)

    async def poll_view(self, matter_id: int) -> MatterView | None:
        """What a queued poll asks, while the matter is open (None: closed, nothing to send)."""
        async with self.sf() as session:
            m = await session.get(Matter, matter_id)
            if m is None or m.state != "open" or (m.closes_at and m.closes_at <= self.clock()):
                return None
            return await self._view(session, m)

    async def result(self, matter_id: int) -> Tally | None:
        """A closed matter's result, for a queued copy (None: not closed)."""
        async with self.sf() as session:
            m = await session.get(Matter, matter_id)
            return await self._tally(session, m, with_chats=False) if m is not None and m.state == "closed" else None

    async def cancel(self, telegram_id: int, matter_id: int) -> MatterView:
        async with self._tx() as session:
            m = await self._mine(session, telegram_id, matter_id)
            await self._cas(session, m, "draft", {"state": "cancelled"})
            return await self._view(session, m)

    async def record_polls(self, matter_id: int, sent: list[tuple[int, str, int | None]]) -> None:
        """(chat id, poll id, message id) of each poll that went out."""
        if not sent:
            return
        now = self.clock()
        async with self._tx() as session:
            session.add_all(MatterPoll(matter_id=matter_id, chat_id=c, poll_id=p, message_id=mid, sent_at=now)
                            for c, p, mid in sent)

    async def answer(self, poll_id: str, telegram_id: int, option_ids: list[int]) -> bool:
        """A poll_answer: counted if the poll was sent to this very person and the matter is
        open; an empty answer (a retracted vote) counts as no answer."""
        now = self.clock()
        async with self._tx() as session:
            row = (await session.execute(select(MatterPoll, Matter).join(Matter, Matter.id == MatterPoll.matter_id)
                                         .where(MatterPoll.poll_id == poll_id))).first()
            if row is None:
                return False
            poll, m = row
            if poll.chat_id != telegram_id or m.state != "open" or (m.closes_at and m.closes_at <= now):
                return False
            choice = sorted({i for i in option_ids if 0 <= i < len(m.options)})
            if len(choice) != len(set(option_ids)) or len(choice) > 1:
                return False
            vote = (await session.execute(select(MatterVote).where(
                MatterVote.matter_id == m.id, MatterVote.telegram_id == telegram_id))).scalar_one_or_none()
            if vote is None:
                session.add(MatterVote(matter_id=m.id, telegram_id=telegram_id, option_ids=choice, at=now))
            else:
                vote.option_ids, vote.at = choice, now
            return True

    async def _tally(self, session: AsyncSession, m: Matter, with_chats: bool) -> Tally:
        counts = [0] * len(m.options)
        voters = 0
        for ids in (await session.execute(select(MatterVote.option_ids).where(MatterVote.matter_id == m.id))).scalars():
            if ids:
                voters += 1
                for i in ids:
                    if 0 <= i < len(counts):
                        counts[i] += 1
        chats = list((await session.execute(select(MatterPoll.chat_id).where(MatterPoll.matter_id == m.id)
                                            .order_by(MatterPoll.id))).scalars())
        return Tally(await self._view(session, m), tuple(counts), voters, len(chats),
                     tuple(chats) if with_chats else ())

    async def close(self, telegram_id: int | None, matter_id: int) -> Tally:
        """open → closed, by a cadre of the community or (telegram_id None) at its end time.
        Only the one close that wins the compare-and-set gets the recipients to publish to:
        the residents' copies are queued in the outbox, held through quiet hours."""
        now = self.clock()
        async with self._tx() as session:
            if telegram_id is None:
                m = await session.get(Matter, matter_id)
                if m is None:
                    raise MatterRefused("not_found")
            else:
                m = await self._mine(session, telegram_id, matter_id)
            await self._cas(session, m, "open", {"state": "closed", "closed_at": now})
            tally = await self._tally(session, m, with_chats=True)
            release = outbox.held(self.quiet(now), now)
            ids = await outbox.put(session, (outbox.Row(result_key(m.id, c), c, RESULT, matter_id=m.id)
                                             for c in tally.chat_ids), now, not_before=release)
            if release:
                return replace(tally, chat_ids=(), held_until=release)
            fresh = [c for c in tally.chat_ids if result_key(m.id, c) in ids]
            return replace(tally, chat_ids=tuple(fresh), outbox_ids=tuple(ids[result_key(m.id, c)] for c in fresh))

    async def due(self, now: datetime, limit: int = 20) -> list[int]:
        async with self.sf() as session:
            q = select(Matter.id).where(Matter.state == "open", Matter.closes_at <= now).order_by(Matter.closes_at)
            return list((await session.execute(q.limit(limit))).scalars())

    async def listing(self, telegram_id: int, limit: int = 10) -> list[Tally] | None:
        """Open and recently closed matters of the cadre's communities; None for non-cadres."""
        async with self.sf() as session:
            person = await self.person(session, telegram_id)
            communities = person.actor.units(Role.COMMUNITY_CADRE)
            if not communities:
                return None
            q = (select(Matter).where(Matter.community_id.in_(communities), Matter.state.in_(("open", "closed")))
                 .order_by(Matter.id.desc()).limit(limit))
            return [await self._tally(session, m, with_chats=False) for m in (await session.execute(q)).scalars()]
