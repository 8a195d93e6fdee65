"""Pure rules of issue 5: phone masking, the flood guard, the policy's new questions,
invite codes and the organisation spec's checks."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from handlers.guards.throttle import FloodGuard
from organisation import invites
from organisation.imports.spec import OrgSpec
from organisation.privacy import mask_phone, normalise_phone
from tickets.policy import (
    Actor,
    Role,
    StaffRole,
    TicketScope,
    can_manage_staff,
    can_see_contact,
    can_view,
)


@pytest.mark.parametrize("raw, masked", [
    ("+8613812345678", "138****5678"), ("13812345678", "138****5678"), ("8613812345678", "138****5678"),
    ("+4915112345678", "491******5678"), ("12345", "***45"), ("", ""), (None, ""),
])
def test_phone_masking_never_shows_the_middle(raw, masked):
    assert mask_phone(raw) == masked


@pytest.mark.parametrize("raw, normal", [
    ("+86 138-1234-5678", "+8613812345678"), ("13812345678", "13812345678"), ("12", None),
    ("138abc", None), ("", None), ("1" * 20, None),
])
def test_phone_normalisation(raw, normal):
    assert normalise_phone(raw) == normal


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_flood_guard_drops_beyond_the_rate_and_forgets_after_the_window():
    clock = FakeClock()
    guard = FloodGuard(3, 10, clock=clock)
    assert [guard.allow(1) for _ in range(5)] == [True, True, True, False, False]
    assert guard.allow(2), "another person is not held back"
    clock.t += 10.5
    assert guard.allow(1)


def test_flood_guard_warns_once_per_window_and_never_reaches_the_handler():
    clock = FakeClock()
    guard = FloodGuard(2, 10, clock=clock)
    sent, handled = [], []

    class Notifier:
        async def send_message(self, chat_id, text, **kw):
            sent.append((chat_id, text))

    async def handler(event, data):
        handled.append(event)

    data = {"event_from_user": SimpleNamespace(id=7), "deps": SimpleNamespace(notifier=Notifier())}

    async def run():
        for i in range(10):
            await guard(handler, object(), data)

    asyncio.run(run())
    assert len(handled) == 2 and len(sent) == 1 and "稍等" in sent[0][1]
    assert guard.dropped == 8


def _actor(*roles, resident_id=None, admin=False):
    return Actor(telegram_id=1, resident_id=resident_id, roles=tuple(roles), is_admin=admin)


SCOPE = TicketScope(resident_id=5, grid_id=10, community_id=20, street_id=30, assignee_id=100,
                    micro_grid_id=11, state="dispatched")


def test_the_full_phone_is_for_whoever_handles_the_ticket_now():
    assignee = _actor(StaffRole(100, Role.GRID_MEMBER, 10))
    backup = _actor(StaffRole(101, Role.GRID_MEMBER, 10, is_backup=True))
    cadre = _actor(StaffRole(200, Role.COMMUNITY_CADRE, 20))
    neighbour_member = _actor(StaffRole(102, Role.GRID_MEMBER, 10))
    assert can_see_contact(assignee, SCOPE) and can_see_contact(backup, SCOPE)
    assert not can_see_contact(cadre, SCOPE) and not can_see_contact(neighbour_member, SCOPE)
    returned = TicketScope(**{**SCOPE.__dict__, "state": "returned"})
    assert can_see_contact(cadre, returned) and not can_see_contact(assignee, returned)
    assert not can_see_contact(_actor(admin=True), SCOPE)


def test_a_micro_grid_member_sees_their_buildings_tickets_and_only_admins_manage_staff():
    micro = _actor(StaffRole(300, Role.GRID_MEMBER, 11))
    assert can_view(micro, SCOPE)
    assert not can_view(_actor(StaffRole(301, Role.GRID_MEMBER, 12)), SCOPE)
    assert can_manage_staff(_actor(admin=True))
    assert not can_manage_staff(_actor(StaffRole(200, Role.COMMUNITY_CADRE, 20)))


def test_invite_codes_are_recognised_and_fit_a_deep_link():
    code = invites.new_code()
    assert invites.looks_like_invite(code) and invites.INVITE_PATTERN.match(code)
    assert len(code) <= 64 and all(c.isalnum() or c in "_-" for c in code)
    assert invites.new_code() != code
    assert invites.digest(code) != code and len(invites.digest(code)) == 64


def test_unit_codes_may_not_look_like_invitations():
    with pytest.raises(ValidationError, match="inv_"):
        OrgSpec.model_validate({"street": [{"code": "inv_street", "name": "x"}]})
