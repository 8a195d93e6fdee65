"""Staff invitations (expire, work once, one winner of a race) and staff administration
from the command line: list, deactivate, move, the QR posters' username check."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli.main import main
from bot.cli.orgtasks import import_org
from bot.settings import Settings
from organisation.audit import Operator
from organisation.invites import InviteRefused
from organisation.staffing import Staffing
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_async
from storage.models import AuditEntry, Invite, Staff
from tests.conftest import EXAMPLE_ORG, Clock
from tests.support.reminder_kit import postgres_database
from tickets.errors import NotAllowed
from tickets.policy import Role

CLI = Operator.command_line("test")
NEWCOMER, OTHER = 750001, 750002


@pytest.fixture
async def staffing(core, clock):
    # No write lock: the race below is between real concurrent transactions.
    return Staffing(core.session_factory, invite_ttl=timedelta(hours=24), clock=clock)


async def staff_rows(core, telegram_id):
    async with core.session_factory() as s:
        return (await s.execute(select(Staff).where(Staff.telegram_id == telegram_id))).scalars().all()


async def test_an_invitation_makes_staff_once(core, staffing):
    issued = await staffing.invite(CLI, Role.GRID_MEMBER, False, "WT03")
    done = await staffing.redeem(NEWCOMER, issued.code, "新来的")
    assert (done.role, done.unit_code, done.is_backup) == (Role.GRID_MEMBER, "WT03", False)
    (row,) = await staff_rows(core, NEWCOMER)
    assert row.active and row.name == "新来的"
    with pytest.raises(InviteRefused) as exc:
        await staffing.redeem(OTHER, issued.code, "别人")
    assert exc.value.reason == "used" and await staff_rows(core, OTHER) == []
    async with core.session_factory() as s:
        stored = (await s.execute(select(Invite))).scalar_one()
        assert issued.code not in (stored.code_hash, stored.hint), "only a hash of the code is kept"
        actions = [a.action for a in (await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()]
    assert actions[-3:] == ["invite.create", "invite.redeem", "invite.refused"]


async def test_an_invitation_expires(core, staffing, clock: Clock):
    issued = await staffing.invite(CLI, Role.GRID_MEMBER, True, "WT03")
    clock.advance(hours=24, seconds=1)
    with pytest.raises(InviteRefused) as exc:
        await staffing.redeem(NEWCOMER, issued.code, "迟到的")
    assert exc.value.reason == "expired" and await staff_rows(core, NEWCOMER) == []


UNKNOWN = ["inv_doesnotexist00000", "inv_", "inv_" + "x" * 60, "WT01", "inv_💥💥💥💥💥💥💥💥💥💥💥💥💥💥💥💥"]
MISFITS = [
    (Role.GRID_MEMBER, False, "XF-WT", "unit"),       # a grid member belongs to a grid
    (Role.COMMUNITY_CADRE, False, "WT01", "unit"),
    (Role.GRID_MEMBER, True, "WT01-6", "role"),       # backups are the grid's, not a building's
    (Role.ADMIN, False, "XF", "role"),                # admins come from the settings only
]


async def test_unknown_or_malformed_codes_and_misfit_invitations_are_refused(staffing):
    for code in UNKNOWN:
        with pytest.raises(InviteRefused) as exc:
            await staffing.redeem(NEWCOMER, code, "猜的")
        assert exc.value.reason == "unknown", code
    for role, backup, unit, reason in MISFITS:
        with pytest.raises(InviteRefused) as exc:
            await staffing.invite(CLI, role, backup, unit)
        assert exc.value.reason == reason, (role, unit)


async def test_only_admins_invite(staffing):
    with pytest.raises(NotAllowed):
        await staffing.invite(Operator(720101, "孙网格", False), Role.GRID_MEMBER, False, "WT03")


async def race(staffing: Staffing) -> list[object]:
    issued = await staffing.invite(CLI, Role.GRID_MEMBER, False, "WT03")
    return await asyncio.gather(*(staffing.redeem(uid, issued.code, f"抢{uid}") for uid in (NEWCOMER, OTHER)),
                                return_exceptions=True)


def one_winner(results: list[object]) -> None:
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, InviteRefused)]
    assert len(winners) == 1 and len(losers) == 1 and losers[0].reason == "used", results


async def test_two_redeemers_at_once_one_wins_on_sqlite(core, staffing):
    one_winner(await race(staffing))
    assert len(await staff_rows(core, NEWCOMER)) + len(await staff_rows(core, OTHER)) == 1


@pytest.mark.postgres
async def test_two_redeemers_at_once_one_wins_on_postgresql():
    gen = postgres_database()
    url = await gen.__anext__()
    try:
        settings = Settings(database={"url": url})
        await upgrade_async(url)
        await import_org(settings, EXAMPLE_ORG)
        engine = create_engine(url)
        try:
            staffing = Staffing(create_session_factory(engine))
            for _ in range(3):
                one_winner(await race(staffing))
        finally:
            await engine.dispose()
    finally:
        await gen.aclose()


@pytest.fixture
def runner(db_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRIDBOT_DATABASE__URL", db_url)
    monkeypatch.delenv("GRIDBOT_TELEGRAM__USERNAME", raising=False)
    return CliRunner()


def test_staff_commands_on_the_command_line(runner, org):
    out = runner.invoke(main, ["staff", "invite", "--role", "grid_member", "--unit", "WT03", "--username", "gridbot"])
    assert out.exit_code == 0, out.output
    assert "https://t.me/gridbot?start=inv_" in out.output
    assert "…" in runner.invoke(main, ["staff", "invites"]).output
    listing = runner.invoke(main, ["staff", "list", "--unit", "WT01"]).output
    assert "孙网格" in listing and "李备岗" in listing and "吴网格" not in listing
    sun_id = next(line.split()[0].lstrip("#") for line in listing.splitlines() if "孙网格" in line)
    moved = runner.invoke(main, ["staff", "move", sun_id, "--to", "WT02", "--reason", "工作调整"])
    assert moved.exit_code == 0 and "moved from WT01" in moved.output
    gone = runner.invoke(main, ["staff", "deactivate", sun_id, "--reason", "离职"])
    assert gone.exit_code == 0 and "deactivated" in gone.output
    again = runner.invoke(main, ["staff", "deactivate", sun_id, "--reason", "离职"])
    assert again.exit_code == 1 and "not found" in again.output
    assert runner.invoke(main, ["staff", "deactivate", "1", "--reason", " "]).exit_code == 1
    audit = runner.invoke(main, ["org", "audit", "--limit", "3"]).output
    assert "staff.deactivate" in audit and "离职" in audit and "staff.move" in audit


def test_posters_need_the_bot_username(runner, org, tmp_path):
    out = runner.invoke(main, ["org", "qr", "--out", str(tmp_path / "p")])
    assert out.exit_code == 1 and "--username" in out.output and "telegram" in out.output
