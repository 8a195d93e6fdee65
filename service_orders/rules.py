"""Who may do what in the service loop. Pure: decided on a Person and plain ids.

| who | may |
|---|---|
| resident (the requester) | 点单, cancel while nobody took it, 评单 |
| community cadre of the order's community | 议单 (approve, decline, merge, turn into a ticket), invite and approve members, 联手说事 |
| branch secretary (支部书记) registered there | 议单, invite and approve party members and volunteers |
| party member / volunteer registered there | 接单 (not their own order), then 完成 or 放弃 what they took |
| street cadre | sees its communities' 五色 and points; does not 议单 |

Nobody else, whatever the button says: every press is judged here against the rows
loaded for that press.
"""
from __future__ import annotations

from service_orders.base import Membership, Person
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
