"""The reminder ladder (督办): which step is due when, for whom. Pure: no database.

A step belongs to one window of a ticket: ``accept`` (from dispatch to the 签收 deadline)
or ``resolve`` (from dispatch to the 办结 deadline). Its time is written in config as

* ``"80%"``: that share of the window, counted in working time (clock time for urgent
  tickets, whose deadlines are on the clock too);
* ``"100%"``: the deadline itself;
* ``"+1wd"``: a duration (see supervision.sla.Duration) after the deadline.

Each step reaches each recipient once per round; the round is the deadline the step
counts from, so a deadline moved by 转派, 重办 or 改类 opens a new round and 退回 does not.
A step before the deadline is dropped once the deadline has passed (a "due soon" after
the fact helps nobody); steps at and after the deadline all go, even late.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal

from supervision.calendar import WorkCalendar
from supervision.sla import Duration, add
from tickets.lifecycle import ASSIGNEE_STATES, OPEN_STATES, State

Window = Literal["accept", "resolve"]
Recipient = Literal["assignee", "community", "street"]
RECIPIENTS: tuple[str, ...] = ("assignee", "community", "street")
# The accept window runs only while nobody has 签收'd yet.
ACCEPT_STATES = frozenset({State.DISPATCHED, State.REOPENED})

_PERCENT = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*")

DEFAULT_LADDER: tuple[dict, ...] = (
    {"step": "accept_soon", "window": "accept", "at": "80%", "to": ["assignee"]},
    {"step": "accept_due", "window": "accept", "at": "100%", "to": ["assignee", "community"], "level": 1},
    {"step": "resolve_soon", "window": "resolve", "at": "80%", "to": ["assignee"]},
    {"step": "resolve_due", "window": "resolve", "at": "100%", "to": ["assignee", "community"], "level": 1},
    {"step": "resolve_street", "window": "resolve", "at": "+1wd", "to": ["street"], "level": 2},
)


@dataclass(frozen=True)
class Step:
    key: str
    window: Window
    to: tuple[str, ...]
    fraction: float | None = None  # share of the window; 1.0 is the deadline
    after: Duration | None = None  # time past the deadline
    level: int = 0  # escalation_level the ticket reaches once this step is due

    @property
    def before_deadline(self) -> bool:
        return self.fraction is not None and self.fraction < 1.0

    def due_at(self, start: datetime, deadline: datetime, urgent: bool, calendar: WorkCalendar) -> datetime:
        if self.after is not None:
            return add(calendar, deadline, self.after)
        assert self.fraction is not None
        if self.fraction >= 1.0 or start >= deadline:
            return deadline
        if urgent:
            return start + (deadline - start) * self.fraction
        hours = calendar.working_hours_between(start, deadline)
        if hours <= 0:
            return start + (deadline - start) * self.fraction
        return calendar.add_working_hours(start, hours * self.fraction)

    @classmethod
    def parse(cls, raw: Mapping) -> Step:
        unknown = set(raw) - {"step", "window", "at", "to", "level"}
        if unknown:
            raise ValueError(f"reminder step: unknown keys {sorted(unknown)}")
        key = str(raw.get("step", "")).strip()
        if not key or len(key) > 32:
            raise ValueError(f"reminder step: 'step' must be a name of 1-32 characters, got {key!r}")
        window = raw.get("window")
        if window not in ("accept", "resolve"):
            raise ValueError(f"reminder step {key}: window must be 'accept' or 'resolve', got {window!r}")
        to = tuple(raw.get("to") or ())
        if not to or any(r not in RECIPIENTS for r in to):
            raise ValueError(f"reminder step {key}: 'to' must list some of {RECIPIENTS}, got {list(to)}")
        level = raw.get("level", 0)
        if isinstance(level, bool) or not isinstance(level, int) or level < 0:
            raise ValueError(f"reminder step {key}: level must be an int >= 0, got {level!r}")
        at = str(raw.get("at", "100%"))
        if match := _PERCENT.fullmatch(at):
            fraction = float(match.group(1)) / 100
            if not 0 < fraction <= 1:
                raise ValueError(f"reminder step {key}: 'at' must be within (0%, 100%], got {at!r}")
            return cls(key, window, to, fraction=fraction, level=level)
        if at.strip().startswith("+"):
            try:
                after = Duration.parse(at.strip()[1:])
            except ValueError as exc:
                raise ValueError(f"reminder step {key}: {exc}") from None
            return cls(key, window, to, after=after, level=level)
        raise ValueError(f"reminder step {key}: 'at' must be like '80%', '100%' or '+1wd', got {at!r}")


@dataclass(frozen=True)
class Ladder:
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        keys = [s.key for s in self.steps]
        if len(keys) != len(set(keys)):
            raise ValueError(f"reminder ladder: step names must be unique, got {keys}")

    @classmethod
    def from_config(cls, raw: Iterable[Mapping] | None = None) -> Ladder:
        return cls(tuple(Step.parse(r) for r in (DEFAULT_LADDER if raw is None else raw)))


@dataclass(frozen=True)
class TicketClock:
    """What the ladder needs to know of a ticket."""

    state: State
    urgent: bool
    window_start: datetime  # dispatched_at (reset by 转派 and 重办), else created_at
    accept_deadline: datetime | None
    resolve_deadline: datetime | None


@dataclass(frozen=True)
class Pending:
    step: Step
    deadline: datetime  # the round
    due_at: datetime


@dataclass(frozen=True)
class Quiet:
    """Quiet hours (settings.quiet_hours): the one rule for whatever may wait for the
    morning, non-urgent reminders and every broadcast to residents alike."""

    start: time
    end: time

    def release(self, calendar: WorkCalendar, at: datetime) -> datetime | None:
        """When a message written at `at` may go out: None (now) outside quiet hours."""
        if calendar.in_quiet_hours(at, self.start, self.end):
            return calendar.quiet_hours_end(at, self.start, self.end)
        return None


@dataclass(frozen=True)
class Plan:
    due: tuple[Pending, ...]  # to send now
    next_check_at: datetime | None  # when to look at the ticket again
    held: bool = False  # something was due but quiet hours hold it


def recipients_apply(step: Step, state: State) -> tuple[str, ...]:
    """The step's recipients who still make sense in this state (the assignee of a returned
    or escalated ticket owes nothing more)."""
    return tuple(r for r in step.to if r != "assignee" or state in ASSIGNEE_STATES)


def pending(t: TicketClock, ladder: Ladder, calendar: WorkCalendar, now: datetime) -> list[Pending]:
    """Every step that still applies to the ticket as it stands, with its time."""
    if t.state not in OPEN_STATES:
        return []
    out = []
    for step in ladder.steps:
        if step.window == "accept":
            if t.state not in ACCEPT_STATES:
                continue
            deadline = t.accept_deadline
        else:
            deadline = t.resolve_deadline
        if deadline is None or not recipients_apply(step, t.state):
            continue
        if step.before_deadline and now >= deadline:
            continue
        out.append(Pending(step, deadline, step.due_at(t.window_start, deadline, t.urgent, calendar)))
    return out


def plan(
    t: TicketClock,
    ladder: Ladder,
    calendar: WorkCalendar,
    now: datetime,
    done: Collection[tuple[str, datetime]] = (),
    quiet: Quiet | None = None,
) -> Plan:
    """What to send now and when to look again. ``done`` holds (step, round) already claimed."""
    todo = [p for p in pending(t, ladder, calendar, now) if (p.step.key, p.deadline) not in done]
    due = [p for p in todo if p.due_at <= now]
    later = [p.due_at for p in todo if p.due_at > now]
    held = False
    if due and quiet is not None and not t.urgent and calendar.in_quiet_hours(now, quiet.start, quiet.end):
        later.append(calendar.quiet_hours_end(now, quiet.start, quiet.end))
        due, held = [], True
    if quiet is not None and not t.urgent:
        # No point waking the sweep at night for something it would hold anyway.
        later = [calendar.quiet_hours_end(at, quiet.start, quiet.end) for at in later]
    return Plan(tuple(due), min(later) if later else None, held)


def review_at(state: State | str, now: datetime) -> datetime | None:
    """next_check_at after the workflow opens or moves a ticket: the next sweep looks at it
    and works out the ladder (the workflow has no calendar); None when nothing can be due."""
    return now if State(state) in OPEN_STATES else None
