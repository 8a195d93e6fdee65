"""The reminder ladder on its own: step times in working time, rounds, quiet hours."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone

import pytest

from supervision.calendar import WorkCalendar
from supervision.ladder import (
    DEFAULT_LADDER,
    Ladder,
    Quiet,
    Step,
    TicketClock,
    pending,
    plan,
    review_at,
)
from supervision.sla import Duration, SlaPolicy
from tickets.lifecycle import State

SH = timezone(timedelta(hours=8))
CAL = WorkCalendar("Asia/Shanghai", time(8, 30), time(17, 30))
QUIET = Quiet(time(22, 0), time(7, 30))
LADDER = Ladder.from_config()
SLA = SlaPolicy.from_mapping({"default": {"accept": "2wh", "resolve": "3wd"},
                              "urgent": {"accept": "30m", "resolve": "24h"}})


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(timezone.utc)


def clock_of(start: datetime, state: State = State.DISPATCHED, urgent: bool = False) -> TicketClock:
    accept, resolve = SLA.deadlines(CAL, start, "市容环境", urgent)
    return TicketClock(state, urgent, start, accept, resolve)


def times(t: TicketClock, now: datetime) -> dict[str, datetime]:
    return {p.step.key: p.due_at.astimezone(SH).replace(tzinfo=None) for p in pending(t, LADDER, CAL, now)}


def test_default_ladder_parses_and_orders_its_steps():
    assert [s.key for s in LADDER.steps] == [d["step"] for d in DEFAULT_LADDER]
    soon = LADDER.steps[0]
    assert soon == Step("accept_soon", "accept", ("assignee",), fraction=0.8)
    assert LADDER.steps[-1].after == Duration(1, "working_days") and LADDER.steps[-1].level == 2


@pytest.mark.parametrize("raw, message", [
    ({"step": "x", "window": "later", "to": ["assignee"]}, "window"),
    ({"step": "x", "window": "accept", "to": ["mayor"]}, "to"),
    ({"step": "x", "window": "accept", "to": ["assignee"], "at": "120%"}, "(0%, 100%]"),
    ({"step": "x", "window": "accept", "to": ["assignee"], "at": "+2 weeks"}, "bad duration"),
    ({"step": "x", "window": "accept", "to": ["assignee"], "at": "soon"}, "'at'"),
    ({"step": "x", "window": "accept", "to": ["assignee"], "level": -1}, "level"),
    ({"step": "x", "window": "accept", "to": ["assignee"], "when": "80%"}, "unknown keys"),
])
def test_bad_steps_are_refused_with_the_key_at_fault(raw, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Step.parse(raw)


def test_duplicate_step_names_are_refused():
    with pytest.raises(ValueError, match="unique"):
        Ladder.from_config([{"step": "a", "window": "accept", "to": ["assignee"]}] * 2)


def test_steps_fall_at_80_percent_of_working_time_then_at_and_after_the_deadline():
    # Monday 09:00: 签收 by 11:00, 办结 by Thursday 09:00 (3 working days).
    t = clock_of(sh(2026, 11, 23, 9, 0))
    assert times(t, sh(2026, 11, 23, 9, 0)) == {
        "accept_soon": datetime(2026, 11, 23, 10, 36),  # 1.6 of 2 working hours
        "accept_due": datetime(2026, 11, 23, 11, 0),
        "resolve_soon": datetime(2026, 11, 25, 12, 36),  # 21.6 of 27 working hours
        "resolve_due": datetime(2026, 11, 26, 9, 0),
        "resolve_street": datetime(2026, 11, 27, 9, 0),  # one working day later
    }


def test_a_window_over_a_weekend_counts_working_time_only():
    # Friday 17:00: half an hour on Friday, the rest on Monday morning.
    t = clock_of(sh(2026, 11, 27, 17, 0))
    got = times(t, sh(2026, 11, 27, 17, 0))
    assert got["accept_due"] == datetime(2026, 11, 30, 10, 0)
    assert got["accept_soon"] == datetime(2026, 11, 30, 9, 36)


def test_urgent_tickets_count_on_the_clock():
    t = clock_of(sh(2026, 11, 28, 23, 0), urgent=True)  # Saturday night
    got = times(t, sh(2026, 11, 28, 23, 0))
    assert got["accept_soon"] == datetime(2026, 11, 28, 23, 24)
    assert got["accept_due"] == datetime(2026, 11, 28, 23, 30)
    assert got["resolve_due"] == datetime(2026, 11, 29, 23, 0)


def test_national_day_and_its_make_up_saturday():
    # Reported the evening before National Day 2026: Oct 1-7 are off, Sat Oct 10 is worked.
    t = clock_of(sh(2026, 9, 30, 20, 0))
    got = times(t, sh(2026, 9, 30, 20, 0))
    assert got["accept_soon"] == datetime(2026, 10, 8, 10, 6)
    assert got["accept_due"] == datetime(2026, 10, 8, 10, 30)
    assert got["resolve_due"] == datetime(2026, 10, 10, 17, 30)  # the 调休 Saturday
    assert got["resolve_street"] == datetime(2026, 10, 12, 17, 30)  # Sunday Oct 11 is off


def test_plan_sends_what_is_due_and_looks_again_at_the_next_step():
    t = clock_of(sh(2026, 11, 23, 9, 0))
    p = plan(t, LADDER, CAL, sh(2026, 11, 23, 10, 40), quiet=QUIET)
    assert [d.step.key for d in p.due] == ["accept_soon"]
    assert p.next_check_at == sh(2026, 11, 23, 11, 0)
    done = {("accept_soon", t.accept_deadline)}
    p = plan(t, LADDER, CAL, sh(2026, 11, 23, 10, 40), done, QUIET)
    assert p.due == () and p.next_check_at == sh(2026, 11, 23, 11, 0)


def test_a_reminder_before_the_deadline_is_dropped_once_the_deadline_has_passed():
    t = clock_of(sh(2026, 11, 23, 9, 0))
    p = plan(t, LADDER, CAL, sh(2026, 11, 23, 12, 0), quiet=QUIET)
    assert [d.step.key for d in p.due] == ["accept_due"]


def test_a_new_deadline_is_a_new_round():
    t = clock_of(sh(2026, 11, 23, 9, 0))
    old_round = {("accept_soon", t.accept_deadline), ("accept_due", t.accept_deadline)}
    moved = clock_of(sh(2026, 11, 23, 14, 0))  # 转派 at 14:00: fresh windows
    p = plan(moved, LADDER, CAL, sh(2026, 11, 23, 16, 0), old_round, QUIET)
    assert [d.step.key for d in p.due] == ["accept_due"]


def test_quiet_hours_hold_a_non_urgent_reminder_until_morning():
    t = clock_of(sh(2026, 11, 23, 9, 0))
    p = plan(t, LADDER, CAL, sh(2026, 11, 23, 23, 0), quiet=QUIET)  # the sweep was down all evening
    assert p.due == () and p.held
    assert p.next_check_at == sh(2026, 11, 24, 7, 30)
    p = plan(t, LADDER, CAL, sh(2026, 11, 24, 7, 30), quiet=QUIET)
    assert [d.step.key for d in p.due] == ["accept_due"] and not p.held


def test_quiet_hours_let_urgent_reminders_through():
    t = clock_of(sh(2026, 11, 23, 23, 0), urgent=True)
    p = plan(t, LADDER, CAL, sh(2026, 11, 23, 23, 24), quiet=QUIET)
    assert [d.step.key for d in p.due] == ["accept_soon"]
    assert p.next_check_at == sh(2026, 11, 23, 23, 30)


def test_a_step_due_in_quiet_hours_is_looked_at_when_they_end():
    late = Ladder.from_config([{"step": "evening", "window": "resolve", "at": "+5h", "to": ["community"]}])
    start = sh(2026, 11, 23, 9, 0)
    t = TicketClock(State.ACCEPTED, False, start, None, sh(2026, 11, 26, 17, 30))
    p = plan(t, late, CAL, start, quiet=QUIET)
    assert p.next_check_at == sh(2026, 11, 27, 7, 30)  # 17:30 + 5h = 22:30 falls in quiet hours


def test_the_state_decides_which_steps_and_recipients_apply():
    start = sh(2026, 11, 23, 9, 0)
    accepted = clock_of(start, State.ACCEPTED)
    assert set(times(accepted, start)) == {"resolve_soon", "resolve_due", "resolve_street"}
    # 退回: the deadlines keep running for the cadres, the former assignee is left alone.
    returned = clock_of(start, State.RETURNED)
    assert set(times(returned, start)) == {"resolve_due", "resolve_street"}
    for state in (State.RESOLVED, State.CLOSED, State.CANCELLED, State.MERGED):
        assert pending(clock_of(start, state), LADDER, CAL, start) == []
        assert plan(clock_of(start, state), LADDER, CAL, start).next_check_at is None


def test_review_at_asks_the_next_sweep_to_work_out_an_open_ticket():
    now = sh(2026, 11, 23, 9, 0)
    assert review_at(State.DISPATCHED, now) == now
    assert review_at("returned", now) == now
    assert review_at(State.RESOLVED, now) is None
    assert review_at(State.CLOSED, now) is None
