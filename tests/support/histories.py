"""Random ticket histories for the KPI property test: a small model of the workflow's
writes (tickets.service, feedback, escalation, duplicates) that produces, for each ticket,
the row the workflow would leave, its ticket_events and its ratings, from a list of
choices hypothesis draws. The SQL (figures.kpi) reads the rows, the replay
(figures.replay) reads the events: they must agree.

Each step is (choice, gap in minutes, deadline length in minutes); the choice picks among
the actions the ticket's state allows (tickets.lifecycle), so every history is one the
workflow could have written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tickets.lifecycle import OPEN_STATES, Action, State, window_data

Step = tuple[int, int, int]
CATEGORIES = ("市容环境", "噪音扰民", "消防安全")

# What may happen next, by state: the workflow's own actions plus the 回访 answers.
_RATE_YES, _RATE_NO, _SATISFIED, _BASICALLY, _DISSATISFIED, _DEPT_ACCEPT, _HANDOVER = (
    "rate_yes", "rate_no", "satisfied", "basically", "dissatisfied", "dept_accept", "handover")


@dataclass
class History:
    row: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)


def _options(h: History) -> list[str]:
    state = State(h.row["state"])
    out = [a.value for a in (Action.ACCEPT, Action.RESOLVE, Action.RETURN, Action.REASSIGN, Action.ESCALATE,
                             Action.CANCEL, Action.MERGE, Action.INVALIDATE)
           if state in _SOURCES[a]]
    if state in OPEN_STATES or state == State.RESOLVED:
        out.append(Action.RECATEGORIZE.value)
    if state in _SOURCES[Action.REASSIGN] and state != State.NEW:
        out.append(_HANDOVER)  # organisation.handover: a member leaves, the deadlines stay
    if state == State.ESCALATED and h.row["department_accepted_at"] is None:
        out.append(_DEPT_ACCEPT)
    if state == State.RESOLVED:
        rating = h.ratings[-1] if h.ratings and h.ratings[-1]["round"] == h.row["reopen_count"] else None
        if rating is None:
            out += [_RATE_YES, _RATE_NO]
        elif rating["satisfaction"] is None:
            out += [_SATISFIED, _BASICALLY, _DISSATISFIED]
    return out


def _sources() -> dict[Action, frozenset[State]]:
    from tickets.lifecycle import TRANSITIONS

    return {a: t.sources for a, t in TRANSITIONS.items()}


_SOURCES = _sources()


def _event(h: History, at: datetime, action: Action, target: State | None, data: dict | None = None,
           source: State | None = None) -> None:
    before = State(h.row["state"])
    h.events.append({"ticket_id": h.row["id"], "at": at, "actor_kind": "staff", "actor_name": "",
                     "action": action.value, "from_state": (source or before).value if target else None,
                     "to_state": target.value if target else None, "data": data})
    if target is not None:
        h.row["state"] = target.value


def _reopen(h: History, at: datetime, window: int) -> None:
    accept_by, resolve_by = at + timedelta(minutes=window // 4 + 1), at + timedelta(minutes=window)
    if h.row["escalated_at"] is not None:
        # A department resolved it: 重办 goes back to the department (tickets.feedback), with
        # no new dispatch to the grid and only a new 办结 window.
        h.row.update(reopen_count=h.row["reopen_count"] + 1, resolved_at=None, department_accepted_at=None,
                     resolve_deadline=resolve_by)
        _event(h, at, Action.REOPEN, State.ESCALATED, window_data(resolve_deadline=resolve_by))
        return
    h.row.update(reopen_count=h.row["reopen_count"] + 1, resolved_at=None, dispatched_at=at, accepted_at=None,
                 accept_deadline=accept_by, resolve_deadline=resolve_by)
    _event(h, at, Action.REOPEN, State.REOPENED, window_data(accept_deadline=accept_by, resolve_deadline=resolve_by))


def _rate(h: History, at: datetime, **answer) -> None:
    if "solved" in answer:
        h.ratings.append({"ticket_id": h.row["id"], "round": h.row["reopen_count"], "solved": answer["solved"],
                          "satisfaction": None, "at": at})
    else:
        h.ratings[-1]["satisfaction"] = answer["satisfaction"]
    _event(h, at, Action.RATE, None, answer)


def _do(h: History, what: str, at: datetime, window: int) -> None:
    row = h.row
    accept_by, resolve_by = at + timedelta(minutes=window // 4 + 1), at + timedelta(minutes=window)
    if what == Action.ACCEPT:
        row["accepted_at"] = at
        _event(h, at, Action.ACCEPT, State.ACCEPTED)
    elif what == _DEPT_ACCEPT:
        row["department_accepted_at"] = at
        _event(h, at, Action.ACCEPT, State.ESCALATED, {"department_id": 1}, source=State.ESCALATED)
    elif what == Action.RESOLVE:
        row["resolved_at"] = at
        _event(h, at, Action.RESOLVE, State.RESOLVED)
    elif what == Action.RETURN:
        _event(h, at, Action.RETURN, State.RETURNED)
    elif what == Action.REASSIGN:
        row.update(dispatched_at=at, accepted_at=None, accept_deadline=accept_by, resolve_deadline=resolve_by)
        _event(h, at, Action.REASSIGN, State.DISPATCHED,
               {"to_staff": 1, **window_data(accept_deadline=accept_by, resolve_deadline=resolve_by)})
    elif what == _HANDOVER:
        row.update(dispatched_at=at, accepted_at=None)
        _event(h, at, Action.REASSIGN, State.DISPATCHED, {"handover": True, "to_staff": 2})
    elif what == Action.ESCALATE:
        row.update(escalated_at=at, department_accepted_at=None, resolve_deadline=resolve_by)
        _event(h, at, Action.ESCALATE, State.ESCALATED, window_data(resolve_deadline=resolve_by))
    elif what in (Action.CANCEL, Action.MERGE, Action.INVALIDATE):
        closed = {Action.CANCEL: State.CANCELLED, Action.MERGE: State.MERGED, Action.INVALIDATE: State.INVALID}
        _event(h, at, Action(what), closed[Action(what)])
    elif what == Action.RECATEGORIZE:
        # 改类 recomputes the windows from the report's time (tickets.service.choose_category).
        created = row["created_at"]
        a, r = created + timedelta(minutes=window // 4 + 1), created + timedelta(minutes=window)
        before = row["category"]
        row.update(category=CATEGORIES[(CATEGORIES.index(before) + 1) % len(CATEGORIES)],
                   accept_deadline=a, resolve_deadline=r, original_resolve_deadline=r)
        _event(h, at, Action.RECATEGORIZE, None, {"from": before, "to": row["category"], **window_data(
            accept_deadline=a, resolve_deadline=r, original_resolve_deadline=r)})
    elif what in (_RATE_YES, _RATE_NO):
        _rate(h, at, solved=what == _RATE_YES)
        if what == _RATE_NO:
            _reopen(h, at, window)
    else:  # a satisfaction answer
        _rate(h, at, satisfaction=what)
        if what == _DISSATISFIED:
            _reopen(h, at, window)
        else:
            row["closed_at"] = at
            _event(h, at, Action.CLOSE, State.CLOSED)


def build(ticket_id: int, grid_id: int, category: int, opened: datetime, dispatched: bool, window: int,
          steps: list[Step], now: datetime) -> History:
    """The history of one ticket opened at ``opened``, cut at ``now``."""
    accept_by, resolve_by = opened + timedelta(minutes=window // 4 + 1), opened + timedelta(minutes=window)
    state = State.DISPATCHED if dispatched else State.NEW
    row = dict(id=ticket_id, state=state.value, text=f"工单{ticket_id}", category=CATEGORIES[category], keywords=[],
               confidence=0.9, urgent=False, request_kind="投诉", resident_id=1, grid_id=grid_id,
               source_chat_id=900001, source_message_id=ticket_id, created_at=opened, updated_at=opened,
               dispatched_at=opened if dispatched else None, accepted_at=None, resolved_at=None, closed_at=None,
               accept_deadline=accept_by, resolve_deadline=resolve_by, original_resolve_deadline=resolve_by,
               escalated_at=None, department_accepted_at=None, reopen_count=0, escalation_level=0, version=0)
    h = History(row)
    h.events.append({"ticket_id": ticket_id, "at": opened, "actor_kind": "resident", "actor_name": "",
                     "action": Action.OPEN.value, "from_state": None, "to_state": state.value,
                     "data": {"category": row["category"], **window_data(
                         accept_deadline=accept_by, resolve_deadline=resolve_by, original_resolve_deadline=resolve_by)}})
    at = opened
    for choice, gap, length in steps:
        options = _options(h)
        if not options:
            break
        at += timedelta(minutes=gap)
        if at > now:
            break
        _do(h, options[choice % len(options)], at, length)
    return h
