"""The KPIs by replaying ticket_events in plain Python: the reference figures.kpi's SQL
is checked against (tests/integration/figures/test_kpi_replay.py), and a way for an
auditor to recompute a figure from a ticket's history alone.

Each definition is docs/kpi.md's, line for line. Nothing here reads the ticket row: the
deadlines come from the events' ``data`` (tickets.lifecycle.window_data: the opening
event, 改类, 转派, 重办 and 吹哨 record the deadlines they set), the 回访 answers from the
评价 events (a round belongs to the period of its first answer, as the ratings table has
it). Only the grouping key (the ticket's grid, or its category) comes from outside.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Protocol

from figures.kpi import Counts, Key
from tickets.lifecycle import OPEN_STATES, Action, State


class EventRow(Protocol):
    ticket_id: int
    at: datetime
    action: str
    from_state: str | None
    to_state: str | None
    data: dict[str, Any] | None


@dataclass
class _Round:
    at: datetime  # the first answer: 已解决/未解决
    solved: bool
    satisfaction: str | None = None


@dataclass
class _Ticket:
    """A ticket as its events left it at ``now``."""

    created: datetime | None = None
    category: str | None = None
    state: State | None = None
    dispatched_at: datetime | None = None  # the latest dispatch: first, 转派 or 重办
    accepted_at: datetime | None = None  # 签收 since that dispatch
    accept_deadline: datetime | None = None
    resolve_deadline: datetime | None = None
    original_deadline: datetime | None = None  # the first 办结 deadline (改类 resets it)
    resolved_at: datetime | None = None  # the standing 办结 (cleared by 重办)
    resolves: list[datetime] = field(default_factory=list)
    reopens: list[datetime] = field(default_factory=list)
    returns: list[datetime] = field(default_factory=list)
    rounds: list[_Round] = field(default_factory=list)


def _when(data: Mapping[str, Any], name: str, default: datetime | None) -> datetime | None:
    value = data.get(name)
    return datetime.fromisoformat(value) if value else default


def _apply(t: _Ticket, e: EventRow) -> None:
    data = e.data or {}
    action = Action(e.action)
    deadlines = action in (Action.OPEN, Action.RECATEGORIZE, Action.REASSIGN, Action.REOPEN, Action.ESCALATE)
    if deadlines:
        t.accept_deadline = _when(data, "accept_deadline", t.accept_deadline)
        t.resolve_deadline = _when(data, "resolve_deadline", t.resolve_deadline)
        t.original_deadline = _when(data, "original_resolve_deadline", t.original_deadline)
    if action == Action.OPEN:
        t.created, t.category = e.at, data.get("category")
        if e.to_state == State.DISPATCHED:
            t.dispatched_at = e.at
    elif action == Action.RECATEGORIZE:
        t.category = data.get("to", t.category)
    elif action in (Action.REASSIGN, Action.REOPEN):
        if e.to_state != State.ESCALATED:  # 重办 back to a department dispatches nothing to the grid
            t.dispatched_at, t.accepted_at = e.at, None
        if action == Action.REOPEN:
            t.resolved_at = None
            t.reopens.append(e.at)
    elif action == Action.ACCEPT and e.from_state != State.ESCALATED:  # a department's 签收 is not the member's
        t.accepted_at = e.at
    elif action == Action.RESOLVE:
        t.resolved_at = e.at
        t.resolves.append(e.at)
    elif action == Action.RETURN:
        t.returns.append(e.at)
    elif action == Action.RATE:
        if "solved" in data:
            t.rounds.append(_Round(e.at, bool(data["solved"])))
        elif "satisfaction" in data and t.rounds:
            t.rounds[-1].satisfaction = data["satisfaction"]
    if e.to_state is not None:
        t.state = State(e.to_state)


def tickets_at(events: Iterable[EventRow], now: datetime) -> dict[int, _Ticket]:
    """Every ticket as its events up to ``now`` left it (events in (at, insertion) order)."""
    out: dict[int, _Ticket] = {}
    for e in sorted((e for e in events if e.at <= now), key=lambda e: e.at):  # stable: insertion order kept
        _apply(out.setdefault(e.ticket_id, _Ticket()), e)
    return out


def _in(at: datetime | None, start: datetime, end: datetime) -> bool:
    return at is not None and start <= at < end


def ticket_counts(t: _Ticket, start: datetime, end: datetime, now: datetime) -> Counts:
    """One ticket's contribution to every count of docs/kpi.md."""
    counted = t.state not in (State.CANCELLED, State.MERGED, State.INVALID)
    dispatched = _in(t.dispatched_at, start, end)
    accept_judged = dispatched and counted and (
        t.accepted_at is not None or (t.accept_deadline is not None and t.accept_deadline < now))
    on_time_accept = accept_judged and t.accepted_at is not None and t.accepted_at <= t.accept_deadline
    due = _in(t.original_deadline, start, end) and counted and (
        t.resolved_at is not None or t.original_deadline < now)
    on_time_resolve = due and t.resolved_at is not None and t.resolved_at <= t.original_deadline
    created = _in(t.created, start, end)
    resolves = [at for at in t.resolves if _in(at, start, end)]
    reopened = bool(resolves) and any(at > resolves[0] for at in t.reopens)
    rounds = [r for r in t.rounds if _in(r.at, start, end)]
    open_ = t.state in OPEN_STATES
    return Counts(
        created=int(created),
        dispatched=int(dispatched),
        accept_judged=int(accept_judged),
        accepted_on_time=int(on_time_accept),
        due=int(due),
        resolved_on_time=int(on_time_resolve),
        judged=int(accept_judged or due),
        resolved=int(_in(t.resolved_at, start, end)),
        resolved_tickets=int(bool(resolves)),
        reopened_tickets=int(reopened),
        cancelled=int(created and t.state == State.CANCELLED),
        merged=int(created and t.state == State.MERGED),
        invalid=int(created and t.state == State.INVALID),
        resolutions=len(resolves),
        reopens=sum(_in(at, start, end) for at in t.reopens),
        returns=sum(_in(at, start, end) for at in t.returns),
        rated=len(rounds),
        solved=sum(r.solved for r in rounds),
        satisfaction_rated=sum(r.satisfaction is not None for r in rounds),
        satisfied=sum(r.satisfaction == "satisfied" for r in rounds),
        basically=sum(r.satisfaction == "basically" for r in rounds),
        open_now=int(open_),
        overdue_now=int(open_ and t.resolve_deadline is not None and t.resolve_deadline < now),
        accept_overdue_now=int(t.state in (State.DISPATCHED, State.REOPENED)
                               and t.accept_deadline is not None and t.accept_deadline < now),
    )


def replay(
    events: Iterable[EventRow], start: datetime, end: datetime, now: datetime,
    key: Callable[[int, _Ticket], Key],
) -> dict[Key, Counts]:
    """Counts per key for ``[start, end)`` at ``now``; groups with nothing to count left out.
    ``key(ticket_id, ticket)`` gives the group: e.g. the ticket's grid from a mapping, or
    ``lambda _, t: t.category``."""
    out: dict[Key, Counts] = {}
    for ticket_id, t in tickets_at(events, now).items():
        c = ticket_counts(t, start, end, now)
        if any(getattr(c, f.name) for f in fields(c)):
            k = key(ticket_id, t)
            out[k] = out.get(k, Counts()) + c
    return out
