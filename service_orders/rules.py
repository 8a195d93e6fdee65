"""Who may do what in the service loop. Pure: decided on a Person and plain ids.

| who | may |
|---|---|
| resident (the requester) | 点单, cancel while nobody took it, 评单 |
| community cadre of the order's community | 议单 (approve, decline, merge, turn into a ticket), invite and approve members, 联手说事 |
| branch secretary (支部书记) registered there | 议单, invite and approve party members and volunteers |
| party member / volunteer registered there | 接单 (not their own order), then 完成 or 放弃 what they took |
| street cadre | sees its communities' 五色 and points; does not 议单 |
| the member holding a taken order; a cadre of its community while it is open | 联系点单人 (a message relayed to the resident) |
| the resident, on their own order, once someone wrote to them | 回复 (relayed back) |

Nobody else, whatever the button says: every press is judged here against the rows
loaded for that press.
"""
from __future__ import annotations

from collections.abc import Collection

from service_orders.base import Membership, Person
from service_orders.states import OPEN_ORDER_STATES, OrderState
from tickets.policy import Role

PARTY_MEMBER, VOLUNTEER, SECRETARY = "party_member", "volunteer", "branch_secretary"
KINDS = (PARTY_MEMBER, VOLUNTEER, SECRETARY)
KIND_LABELS = {PARTY_MEMBER: "党员", VOLUNTEER: "志愿者", SECRETARY: "支部书记"}


def is_cadre_of(person: Person, community_id: int) -> bool:
    return community_id in person.actor.units(Role.COMMUNITY_CADRE)


def is_secretary_of(person: Person, community_id: int) -> bool:
    return any(m.community_id == community_id and m.kind == SECRETARY for m in person.active())


def can_review(person: Person, community_id: int) -> bool:
    """议单: the community's cadre, or its branch secretary."""
    return is_cadre_of(person, community_id) or is_secretary_of(person, community_id)


def member_of(person: Person, community_id: int) -> Membership | None:
    """The active registration that lets this person 接单 in the community."""
    return next((m for m in person.active() if m.community_id == community_id), None)


def can_invite(person: Person, community_id: int, kind: str) -> bool:
    """A cadre invites anyone; a secretary invites party members and volunteers only."""
    if kind not in KINDS:
        return False
    if is_cadre_of(person, community_id):
        return True
    return kind != SECRETARY and is_secretary_of(person, community_id)


def can_open_matter(person: Person, community_id: int) -> bool:
    return is_cadre_of(person, community_id)


def reviewed_communities(person: Person) -> set[int]:
    units = set(person.actor.units(Role.COMMUNITY_CADRE))
    units.update(m.community_id for m in person.active() if m.kind == SECRETARY)
    return units


# 上门服务: an order served at the resident's home, where whoever takes it needs a number to
# call before knocking (issue 11). The service kinds are the configured categories
# (settings: services.categories), and none of them says "at home" by itself: these do by
# default (services.at_home overrides them), and so does a visit word in the request.
# Taking such an order asks the resident for a phone number, unless they gave one.
AT_HOME = ("助老助残", "维修帮扶")
VISIT_WORDS = ("上门", "到家", "入户", "家里")


def at_home(category: str, text: str, categories: Collection[str] = AT_HOME) -> bool:
    """Is this order served at the resident's home (see AT_HOME)?"""
    return category in categories or any(w in text for w in VISIT_WORDS)


def holds(person: Person, taker_id: int | None) -> bool:
    """The person's own active registration is the one that took the order."""
    return taker_id is not None and any(m.id == taker_id for m in person.active())


def can_contact_requester(person: Person, community_id: int, taker_id: int | None, state: OrderState) -> bool:
    """联系点单人: the member who holds the order while it is taken, or a cadre of its
    community while it is open."""
    if state == OrderState.TAKEN and holds(person, taker_id):
        return True
    return state in OPEN_ORDER_STATES and is_cadre_of(person, community_id)
