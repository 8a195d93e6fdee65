"""Pure rules of 撤销 and 无效: from which states, by whom, and the reasons' checks."""
from __future__ import annotations

import pytest

from tickets.closing.reasons import INVALID_REASONS, REASON_LIMIT, cleaned, pick
from tickets.errors import NotFound
from tickets.lifecycle import OPEN_STATES, SETTLED_STATES, TRANSITIONS, Action, State, TransitionError, target_of
from tickets.policy import Actor, Role, StaffRole, TicketScope, can

reporter = Actor(900001, "张阿姨", resident_id=7)
follower = Actor(900002, "李大爷", resident_id=8)
member = Actor(720101, "孙网格", roles=(StaffRole(4, Role.GRID_MEMBER, 100),))
backup = Actor(720102, "李备岗", roles=(StaffRole(5, Role.GRID_MEMBER, 100, is_backup=True),))
neighbour_member = Actor(720201, "周网格", roles=(StaffRole(6, Role.GRID_MEMBER, 101),))
cadre = Actor(710001, "钱书记", roles=(StaffRole(3, Role.COMMUNITY_CADRE, 10),))
far_cadre = Actor(710002, "郑主任", roles=(StaffRole(7, Role.COMMUNITY_CADRE, 11),))
department = Actor(740091, "消防联络员", roles=(StaffRole(1, Role.DEPARTMENT, 50),))

SCOPE = TicketScope(resident_id=7, grid_id=100, community_id=10, street_id=1, assignee_id=4,
                    followers=frozenset({8}), state="escalated", department_id=50)


@pytest.mark.parametrize("action, target", [(Action.CANCEL, State.CANCELLED), (Action.INVALIDATE, State.INVALID)])
def test_either_closes_an_open_ticket_for_good_and_nothing_else(action, target):
    for state in State:
        if state in OPEN_STATES:
            assert target_of(action, state) == target
        else:
            with pytest.raises(TransitionError):
                target_of(action, state)
    assert target in SETTLED_STATES and not any(target in t.sources for t in TRANSITIONS.values())


def test_only_the_reporter_withdraws():
    assert can(reporter, Action.CANCEL, SCOPE)
    assert not any(can(a, Action.CANCEL, SCOPE) for a in (follower, member, cadre, department))


def test_the_handler_or_a_cadre_above_closes_as_invalid():
    assert all(can(a, Action.INVALIDATE, SCOPE) for a in (member, backup, cadre))
    assert not any(can(a, Action.INVALIDATE, SCOPE)
                   for a in (reporter, follower, neighbour_member, far_cadre, department))


def test_reasons_are_checked():
    assert pick(INVALID_REASONS, 1) == "测试"
    for index in (-1, len(INVALID_REASONS)):
        with pytest.raises(NotFound):
            pick(INVALID_REASONS, index)
    assert cleaned("  两户\n私事  ") == "两户 私事"
    assert len(cleaned("字" * 1000)) == REASON_LIMIT
    with pytest.raises(NotFound):
        cleaned(" \n ")
