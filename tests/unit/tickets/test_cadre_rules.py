"""Pure rules of the cadre tools: who may act on an escalated ticket, followers' 回访,
text likeness, scores and 五色 bands."""
from __future__ import annotations

import pytest

from figures.bulletin import Band, Scoring
from figures.kpi import Counts
from nlp.similarity import cosine
from tickets.lifecycle import Action, State, target_of
from tickets.policy import (
    Actor,
    Role,
    StaffRole,
    TicketScope,
    can,
    can_see_contact,
    can_view,
    handles_as_department,
)

FIRE, ENV = 50, 51
fire = Actor(740091, "消防联络员", roles=(StaffRole(1, Role.DEPARTMENT, FIRE),))
env = Actor(740092, "环保联络员", roles=(StaffRole(2, Role.DEPARTMENT, ENV),))
cadre = Actor(710001, "钱书记", roles=(StaffRole(3, Role.COMMUNITY_CADRE, 10),))
member = Actor(720101, "孙网格", roles=(StaffRole(4, Role.GRID_MEMBER, 100),))
follower = Actor(900002, "李大爷", resident_id=8)
stranger = Actor(900003, "王阿姨", resident_id=9)


def scope(state: str, department: int | None = FIRE, followers=frozenset({8})) -> TicketScope:
    return TicketScope(resident_id=7, grid_id=100, community_id=10, street_id=1, assignee_id=4,
                       followers=followers, state=state, department_id=department)


@pytest.mark.parametrize("action", [Action.ACCEPT, Action.RESOLVE])
def test_the_department_contact_accepts_and_resolves_what_was_escalated_to_it(action):
    assert can(fire, action, scope("escalated"))
    assert not can(env, action, scope("escalated"))
    assert not can(fire, action, scope("accepted"))  # back with the grid: no longer theirs
    assert not can(fire, action, scope("escalated", department=None))


@pytest.mark.parametrize("action", [Action.RETURN, Action.REASSIGN, Action.ESCALATE, Action.MERGE, Action.REMIND,
                                    Action.RECATEGORIZE, Action.RATE, Action.CANCEL])
def test_and_nothing_else(action):
    assert not can(fire, action, scope("escalated"))


def test_departments_see_what_was_theirs_and_the_contact_while_they_handle_it():
    assert can_view(fire, scope("resolved")) and not can_view(env, scope("escalated"))
    assert handles_as_department(fire, scope("escalated")) and not handles_as_department(cadre, scope("escalated"))
    assert can_see_contact(fire, scope("escalated")) and not can_see_contact(member, scope("escalated"))


def test_cadres_remind_merge_and_escalate_grid_members_do_not():
    for action in (Action.REMIND, Action.MERGE, Action.ESCALATE):
        assert can(cadre, action, scope("accepted")) and not can(member, action, scope("accepted"))


def test_followers_see_but_neither_rate_nor_cancel():
    # The 回访 is the reporter's alone (README): a follower hears the result, and is not asked.
    assert not can(follower, Action.RATE, scope("resolved")) and can_view(follower, scope("resolved"))
    assert not can(follower, Action.CANCEL, scope("dispatched"))
    assert not can(stranger, Action.RATE, scope("resolved")) and not can_view(stranger, scope("resolved"))


def test_merge_and_escalate_transitions():
    assert target_of(Action.MERGE, State.ESCALATED) == State.MERGED
    assert target_of(Action.ESCALATE, State.NEW) == State.ESCALATED
    with pytest.raises(Exception):
        target_of(Action.MERGE, State.CLOSED)


def test_cosine_of_word_sets():
    assert cosine({"楼道", "杂物", "3"}, {"楼道", "杂物", "3"}) == 1.0
    assert cosine({"楼道", "杂物"}, {"路灯"}) == 0.0
    assert cosine(set(), {"路灯"}) == 0.0
    assert cosine({"a", "b", "c", "d"}, {"a", "b"}) == pytest.approx(2 / (4 * 2) ** 0.5)


BANDS = (Band("红", "优秀", 90, "#c00"), Band("黄", "合格", 70, "#ff0"), Band("灰", "不合格", 0, "#999"))


def test_scores_weigh_available_kpis_invert_reopens_and_take_off_for_overdue():
    scoring = Scoring({"及时签收率": 50, "重办率": 50}, BANDS, overdue_penalty=5, overdue_cap=8, min_samples=2)
    assert scoring.score(Counts()) is None and scoring.band(None) is None
    perfect = Counts(accept_judged=2, accepted_on_time=2, judged=2, resolved_tickets=4, reopened_tickets=0)
    assert scoring.score(perfect) == 100.0 and scoring.band(100.0).name == "红"
    half = Counts(accept_judged=2, accepted_on_time=1, judged=2, resolved_tickets=4, reopened_tickets=2,
                  overdue_now=3)
    assert scoring.score(half) == 50 - 8  # penalty capped
    assert scoring.score(Counts(accept_judged=1, accepted_on_time=1, judged=1)) is None  # 样本不足
    only_accept = Counts(accept_judged=4, accepted_on_time=3, judged=4)
    assert scoring.score(only_accept) == 75.0 and scoring.band(75.0).name == "黄"
    assert scoring.band(89.99).name == "黄" and scoring.band(0).name == "灰"
