"""Who may do what to which ticket. Every command and button press asks here.

Pure: it decides on plain data (an Actor and the ticket's place in the organisation),
so the rules can be read and tested on their own.

| who | sees | may |
|---|---|---|
| resident | their own tickets | rate, close, 撤销 until 办结, pick the category while unassigned |
| grid member | their grid's (and micro-grid's) tickets | 签收/办结/退回/无效 what is assigned to them |
| backup (备岗) | the grid's tickets | stand in for the grid's assignee |
| community / street cadre | every ticket below their unit | all of the above, 转派, 吹哨, 无效 |
| department contact | tickets escalated (吹哨) to their department | 签收/办结 them while escalated |
| admin | every ticket | manage the organisation and staff (invites, moves) |

A resident's phone number is shown in full only to whoever handles the ticket now
(`can_see_contact`); nobody sees the name or phone of an anonymous report.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tickets.lifecycle import SETTLED_STATES, Action


class Role(StrEnum):
    GRID_MEMBER = "grid_member"
    COMMUNITY_CADRE = "community_cadre"
    STREET_CADRE = "street_cadre"
    DEPARTMENT = "department"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.GRID_MEMBER: "网格员",
    Role.COMMUNITY_CADRE: "社区干部",
    Role.STREET_CADRE: "街道干部",
    Role.DEPARTMENT: "部门联络人",
    Role.ADMIN: "管理员",
}


@dataclass(frozen=True)
class StaffRole:
    staff_id: int
    role: Role
    unit_id: int
    is_backup: bool = False


@dataclass(frozen=True)
class Actor:
    """Everything the policy needs about the person pressing: loaded fresh for every update."""

    telegram_id: int
    name: str = ""
    resident_id: int | None = None
    roles: tuple[StaffRole, ...] = ()
    is_admin: bool = False

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    def staff_ids(self) -> set[int]:
        return {r.staff_id for r in self.roles}

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)

    def units(self, role: Role) -> set[int]:
        return {r.unit_id for r in self.roles if r.role == role}


@dataclass(frozen=True)
class TicketScope:
    """Where a ticket sits: enough to judge any actor against it."""

    resident_id: int
    grid_id: int
    community_id: int | None
    street_id: int | None
    assignee_id: int | None
    followers: frozenset[int] = field(default_factory=frozenset)
    micro_grid_id: int | None = None
    state: str | None = None  # the ticket's state: who handles it depends on it
    department_id: int | None = None  # 吹哨: the department it went to
    urgent: bool = False  # 紧急: its cadres may contact the reporter too


def _supervises(actor: Actor, scope: TicketScope) -> bool:
    return bool(
        (scope.community_id is not None and scope.community_id in actor.units(Role.COMMUNITY_CADRE))
        or (scope.street_id is not None and scope.street_id in actor.units(Role.STREET_CADRE))
    )


def _handles(actor: Actor, scope: TicketScope) -> bool:
    if scope.assignee_id is not None and scope.assignee_id in actor.staff_ids():
        return True
    # The grid's backup member stands in for the assignee.
    return any(
        r.role == Role.GRID_MEMBER and r.unit_id == scope.grid_id and r.is_backup
        for r in actor.roles
    )


def _department_handles(actor: Actor, scope: TicketScope) -> bool:
    """A department's contact handles a ticket escalated to that department, while it is there."""
    return scope.state == "escalated" and _department_of(actor, scope)


def handles_as_department(actor: Actor, scope: TicketScope) -> bool:
    """The department's own 签收 (报到): only its contacts, only while escalated to it."""
    return _department_handles(actor, scope)


def _department_of(actor: Actor, scope: TicketScope) -> bool:
    return scope.department_id is not None and scope.department_id in actor.units(Role.DEPARTMENT)


def can_view(actor: Actor, scope: TicketScope) -> bool:
    if actor.is_admin:
        return True
    if _department_of(actor, scope):
        return True  # what was once escalated to them stays readable
    if actor.resident_id is not None and (
        actor.resident_id == scope.resident_id or actor.resident_id in scope.followers
    ):
        return True
    if scope.grid_id in actor.units(Role.GRID_MEMBER):
        return True
    if scope.micro_grid_id is not None and scope.micro_grid_id in actor.units(Role.GRID_MEMBER):
        return True
    return _handles(actor, scope) or _supervises(actor, scope)


# States in which the ticket waits for a cadre (nobody assigned, or returned to them).
_CADRE_STATES = frozenset({"new", "returned"})


def can_see_contact(actor: Actor, scope: TicketScope) -> bool:
    """The resident's full phone number: for whoever handles the ticket now; others who
    may view it see it masked."""
    if scope.state in _CADRE_STATES or scope.assignee_id is None:
        return _supervises(actor, scope)
    if scope.state == "escalated":
        return _department_handles(actor, scope)
    return _handles(actor, scope)


def can_contact_reporter(actor: Actor, scope: TicketScope) -> bool:
    """联系反映人 (a relayed message, a phone request): whoever handles the ticket now (its
    grid member, the backup, a department while escalated to it), and the cadres of an
    urgent one (紧急求助). Never a ticket that is settled."""
    if scope.state in {state.value for state in SETTLED_STATES}:  # closed, merged, cancelled, 无效
        return False
    if _handles(actor, scope) or _department_handles(actor, scope):
        return True
    return scope.urgent and _supervises(actor, scope)


def contact_role(actor: Actor, scope: TicketScope) -> Role | None:
    """The role a contacting handler is shown by to the reporter (never their Telegram name)."""
    if _handles(actor, scope):
        return Role.GRID_MEMBER
    if _department_handles(actor, scope):
        return Role.DEPARTMENT
    if scope.street_id is not None and scope.street_id in actor.units(Role.STREET_CADRE):
        return Role.STREET_CADRE
    return Role.COMMUNITY_CADRE if _supervises(actor, scope) else None


def can_manage_staff(actor: Actor) -> bool:
    """Invite, list, move and deactivate staff; import the organisation."""
    return actor.is_admin


# Which kind of unit each role can be invited to.
UNIT_KINDS = {
    Role.GRID_MEMBER: ("grid", "micro_grid"),
    Role.COMMUNITY_CADRE: ("community",),
    Role.STREET_CADRE: ("street",),
    Role.DEPARTMENT: ("department",),
}


def can(actor: Actor, action: Action, scope: TicketScope) -> bool:
    if action in (Action.ACCEPT, Action.RESOLVE):
        return _handles(actor, scope) or _supervises(actor, scope) or _department_handles(actor, scope)
    if action in (Action.RETURN, Action.INVALIDATE):
        # 无效 is the grid's judgement: a department's contact returns what is not theirs.
        return _handles(actor, scope) or _supervises(actor, scope)
    if action in (Action.REASSIGN, Action.ESCALATE, Action.MERGE, Action.REMIND):
        return _supervises(actor, scope)
    if action == Action.RATE:
        # The 回访 is the reporter's alone: followers hear the result but are not asked (README).
        return actor.resident_id is not None and actor.resident_id == scope.resident_id
    if action == Action.RECATEGORIZE:
        return _handles(actor, scope) or _supervises(actor, scope)
    if action in (Action.RELAY, Action.PHONE_REQUEST):
        return can_contact_reporter(actor, scope)
    if action in (Action.CLOSE, Action.REOPEN, Action.CANCEL):
        return actor.resident_id is not None and actor.resident_id == scope.resident_id
    return False
