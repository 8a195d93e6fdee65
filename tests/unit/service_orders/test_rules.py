"""The pure parts of the service loop: dates, categories, moves, who may, 五色 scores."""
from __future__ import annotations

from datetime import date

import pytest

from figures.assessment import Band, ScoreRules, band_of, blend, kpi_score
from figures.kpi import Counts
from service_orders import catalogue, rules
from service_orders.base import Membership, Person
from service_orders.states import OrderAction, OrderState, target_of
from tickets.policy import Actor, Role, StaffRole

TODAY = date(2026, 12, 20)  # a Sunday


@pytest.mark.parametrize("text, expected", [
    ("2026-12-25", date(2026, 12, 25)), ("2026年12月25日", date(2026, 12, 25)), ("12月25日", date(2026, 12, 25)),
    ("12/25", date(2026, 12, 25)), ("1月3号", date(2027, 1, 3)), ("12-20", TODAY),
    ("12月19日", None), ("2026-02-30", None), ("2027-06-01", None), ("明天", None), ("", None), ("13/1", None),
])
def test_typed_dates(text, expected):
    assert catalogue.parse_date(text, TODAY) == expected


def test_needed_buttons_and_categories():
    assert catalogue.needed_on("week", TODAY) == TODAY  # Sunday: this week ends today
    assert catalogue.needed_on("week", date(2026, 12, 16)) == TODAY
    assert catalogue.needed_on("any", TODAY) is None
    cats = {"代买代办": ["买药"], "维修帮扶": ["水龙头"], "其他": []}
    assert catalogue.categorise("帮忙买药", cats) == "代买代办"
    assert catalogue.categorise("水龙头坏了", cats) == "维修帮扶"
    assert catalogue.categorise("陪我聊聊天", cats) == "其他"


def test_moves():
    assert target_of(OrderAction.TAKE, OrderState.PUBLISHED) == OrderState.TAKEN
    assert target_of(OrderAction.TAKE, OrderState.TAKEN) is None
    assert target_of(OrderAction.APPROVE, OrderState.RETURNED) == OrderState.PUBLISHED
    assert target_of(OrderAction.RATE, OrderState.TAKEN) is None
    assert target_of(OrderAction.CANCEL, OrderState.TAKEN) is None


def person(roles=(), memberships=()) -> Person:
    return Person(Actor(1, "x", roles=tuple(roles)), tuple(memberships))


def test_who_may():
    cadre = person([StaffRole(1, Role.COMMUNITY_CADRE, 2)])
    secretary = person(memberships=[Membership(1, 2, rules.SECRETARY, "active", "s")])
    member = person(memberships=[Membership(2, 2, rules.VOLUNTEER, "active", "v")])
    left = person(memberships=[Membership(3, 2, rules.VOLUNTEER, "left", "v")])
    grid = person([StaffRole(1, Role.GRID_MEMBER, 3)])
    assert rules.can_review(cadre, 2) and rules.can_review(secretary, 2)
    assert not rules.can_review(cadre, 6) and not rules.can_review(member, 2) and not rules.can_review(grid, 2)
    assert rules.member_of(member, 2) and rules.member_of(secretary, 2)
    assert rules.member_of(left, 2) is None and rules.member_of(cadre, 2) is None
    assert rules.can_invite(cadre, 2, rules.SECRETARY) and not rules.can_invite(secretary, 2, rules.SECRETARY)
    assert rules.can_invite(secretary, 2, rules.PARTY_MEMBER) and not rules.can_invite(member, 2, rules.VOLUNTEER)



def test_who_may_contact_the_resident():
    cadre = person([StaffRole(1, Role.COMMUNITY_CADRE, 2)])
    taker = person(memberships=[Membership(2, 2, rules.VOLUNTEER, "active", "v")])
    other = person(memberships=[Membership(4, 2, rules.VOLUNTEER, "active", "w")])
    left = person(memberships=[Membership(2, 2, rules.VOLUNTEER, "left", "v")])
    may = rules.can_contact_requester
    assert may(taker, 2, 2, OrderState.TAKEN) and not may(taker, 2, 2, OrderState.DONE)
    assert not may(other, 2, 2, OrderState.TAKEN) and not may(left, 2, 2, OrderState.TAKEN)
    assert not may(taker, 2, None, OrderState.PUBLISHED)
    assert may(cadre, 2, None, OrderState.NEW) and may(cadre, 2, 2, OrderState.DONE)
    assert not may(cadre, 6, 2, OrderState.TAKEN) and not may(cadre, 2, 2, OrderState.CLOSED)


@pytest.mark.parametrize("category, text, expected", [
    ("助老助残", "陪老人聊聊天", True), ("维修帮扶", "灯泡坏了", True), ("代买代办", "帮忙取个快递", False),
    ("代买代办", "买菜后送到家", True), ("其他", "需要上门理发", True), ("陪同就医", "陪我去医院复查", False),
])
def test_orders_served_at_home(category, text, expected):
    assert rules.at_home(category, text) is expected


def test_the_shipped_settings_name_the_same_categories_at_home():
    from bot.settings import ServiceSettings

    assert tuple(ServiceSettings().at_home) == rules.AT_HOME
    assert set(rules.AT_HOME) <= set(ServiceSettings().categories)


BANDS = (Band("红", "优秀", 90), Band("橙", "良好", 80), Band("黄", "合格", 70), Band("蓝", "待提升", 60),
         Band("灰", "不合格", 0))
RULES = ScoreRules({"及时签收率": 20, "按期办结率": 30, "满意率": 20, "重办率": 10}, BANDS, 2.0, 20.0, 0.2, 40)


def test_five_colour_score():
    perfect = Counts(dispatched=5, accept_judged=5, accepted_on_time=5, due=4, resolved_on_time=4, judged=5,
                     satisfaction_rated=2, satisfied=2, resolved_tickets=4, reopened_tickets=0)
    assert kpi_score(perfect, RULES) == 100
    assert blend(100, 40, RULES) == 100 and blend(100, 0, RULES) == 80
    assert band_of(blend(100, 40, RULES), BANDS).name == "红"
    late = Counts(dispatched=4, accept_judged=4, accepted_on_time=2, due=4, resolved_on_time=2, judged=6,
                  resolved_tickets=4, reopened_tickets=2, overdue_now=3)
    # (20*0.5 + 30*0.5 + 10*0.5) / 60 = 50, less 3 overdue x 2.
    assert kpi_score(late, RULES) == pytest.approx(44)
    assert band_of(blend(44, 0, RULES), BANDS).name == "灰"
    assert kpi_score(Counts(), RULES) is None and blend(None, 40, RULES) is None and band_of(None, BANDS) is None
    # 样本不足: one perfect ticket is no score at the default min_samples (5).
    one = Counts(dispatched=1, accept_judged=1, accepted_on_time=1, due=1, resolved_on_time=1, judged=1)
    assert kpi_score(one, RULES) is None
    assert kpi_score(one, ScoreRules(RULES.weights, BANDS, min_samples=1)) == 100
