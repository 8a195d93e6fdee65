"""Onboarding through the Dispatcher: staff invitations in chat, admins' staff commands,
micro-grids, routing by shared location, and the flood guard."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.app import create_dispatcher
from bot.cli.orgtasks import import_org
from bot.settings import Settings
from delivery.notifier import Notifier
from delivery.offline import RecordingSession, make_offline_bot
from delivery.replies import BOT_USERNAME
from delivery.scripted import Conversation, Person
from storage.models import AuditEntry, Staff, Ticket
from tests.conftest import (
    BACKUP,
    CADRE,
    EXAMPLE_ORG,
    MEMBER,
    NEIGHBOUR,
    OTHER_MEMBER,
    RESIDENT,
    STAFF_IDS,
)
from tests.e2e.residents.test_core_loop import REPORT, load, reported

ADMIN = Person(799001, "管理员")
NEWCOMER = Person(750001, "新网格")
MICRO_MEMBER = Person(720111, "郑楼长", "网格员")


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(database={"url": db_url}, admins=[ADMIN.id])


def invite_code(text: str) -> str:
    return re.search(r"inv_[A-Za-z0-9_-]+", text).group(0)


async def staff_id(core, person: Person) -> int:
    async with core.session_factory() as s:
        rows = (await s.execute(select(Staff).where(Staff.telegram_id == person.id, Staff.active.is_(True)))).scalars()
        return next(r.id for r in rows)


async def count(core, model) -> int:
    async with core.session_factory() as s:
        return (await s.execute(select(func.count(model.id)))).scalar_one()


async def test_an_admin_invites_and_the_newcomer_joins_with_start(chat, core):
    out = await chat.say(ADMIN, "/invite 网格员 WT03")
    (reply,) = chat.texts_to(ADMIN, out)
    code = invite_code(reply)
    assert f"https://t.me/{BOT_USERNAME}?start={code}" in reply and "梧桐三网格" in reply
    out = await chat.say(NEWCOMER, f"/start {code}")
    assert "您已成为" in chat.texts_to(NEWCOMER, out)[0] and "网格员" in chat.texts_to(NEWCOMER, out)[0]
    assert "新网格 已使用邀请码" in chat.texts_to(ADMIN, out)[0]
    assert "目前没有待办工单" in chat.texts_to(NEWCOMER, await chat.say(NEWCOMER, "/tasks"))[0]
    out = await chat.say(NEIGHBOUR, f"/start {code}")
    assert "已经用过" in chat.texts_to(NEIGHBOUR, out)[0]
    assert not (await chat.dp["deps"].queries.actor(NEIGHBOUR.id)).is_staff


async def test_a_made_up_invitation_is_refused_and_not_taken_for_a_grid(chat, core):
    before = await count(core, Staff)
    out = await chat.say(NEIGHBOUR, "/start inv_AAAAAAAAAAAAAAAAAAAA")
    assert "邀请码无效" in chat.texts_to(NEIGHBOUR, out)[0]
    assert await count(core, Staff) == before
    assert not (await chat.dp["deps"].queries.actor(NEIGHBOUR.id)).is_staff


ADMIN_COMMANDS = ["/invite 网格员 WT03", "/staff", "/invites", "/deactivate 3 离职", "/move 3 WT02 调整"]


async def test_admin_commands_are_for_admins_only(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    staff_before, audit_before = await count(core, Staff), await count(core, AuditEntry)
    for who in (RESIDENT, MEMBER, CADRE, NEIGHBOUR):
        for command in ADMIN_COMMANDS:
            out = await chat.say(who, command)
            assert chat.texts_to(who, out) == ["只有管理员可以使用这个命令。"], (who, command)
            assert not [r for r in out if r.chat_id != who.id]
    assert (await count(core, Staff), await count(core, AuditEntry)) == (staff_before, audit_before)


BAD_INPUT = [
    ("/invite", "用法：/invite"), ("/invite 网格员", "用法：/invite"), ("/invite 书记 WT01", "不认识这个角色"),
    ("/invite 网格员 NOPE", "没有找到这个单位编号"), ("/invite 社区干部 WT01", "这个单位不能设置该角色"),
    ("/deactivate", "用法：/deactivate"), ("/deactivate abc 离职", "用法：/deactivate"),
    ("/deactivate 3", "用法：/deactivate"), ("/deactivate 99999 离职", "没有找到在岗的工作人员 #99999"),
    ("/move 3 NOPE 调整", "没有找到这个单位编号"), ("/move 3 XF-WT 调整", "不能设置该角色"),
    ("/staff NOPE", "没有找到这个单位编号"), ("/staff a b", "用法：/staff"), ("/invite " + "x" * 500, "用法：/invite"),
    ("/deactivate 3 " + "很长" * 150, "最多 200 个字"), ("/deactivate 99999999999999999999 离职", "用法：/deactivate"),
]


async def test_admin_commands_validate_their_input(chat, core):
    staff_before = await count(core, Staff)
    for command, expect in BAD_INPUT:
        out = await chat.say(ADMIN, command)
        assert expect in chat.texts_to(ADMIN, out)[0], command
    assert await count(core, Staff) == staff_before


async def test_staff_lists(chat):
    text = "\n".join(chat.texts_to(ADMIN, await chat.say(ADMIN, "/staff")))
    assert "孙网格" in text and "（备岗）" in text and "城管联络员" in text
    only = "\n".join(chat.texts_to(ADMIN, await chat.say(ADMIN, "/staff WT02")))
    assert "周网格" in only and "孙网格" not in only


async def test_deactivating_a_member_hands_their_ticket_to_the_backup_at_once(chat, core):
    await reported(chat)
    sun = await staff_id(core, MEMBER)
    out = await chat.say(ADMIN, f"/deactivate {sun} 离职")
    assert "1 件已转给备岗" in chat.texts_to(ADMIN, out)[0]
    assert "身份已停用（离职）" in chat.texts_to(MEMBER, out)[0]
    (card,) = [r for r in out if r.chat_id == BACKUP.id]
    assert "工单 #1" in card.text
    assert "李备岗" in chat.texts_to(RESIDENT, out)[0]
    out = await chat.press_data(MEMBER, "tk:acc:1")
    assert chat.alerts(out) and (await load(core)).assignee_id != sun
    await chat.press(BACKUP, "签收")
    assert (await load(core)).state == "accepted"


async def test_moving_a_member_to_another_grid(chat, core):
    await reported(chat)
    sun = await staff_id(core, MEMBER)
    out = await chat.say(ADMIN, f"/move {sun} WT03 工作调整")
    assert "从 WT01 调整到 梧桐三网格" in chat.texts_to(ADMIN, out)[0]
    assert "调整到" in chat.texts_to(MEMBER, out)[0]
    out = await chat.say(MEMBER, "/ticket 1")
    assert "没有找到工单 #1" in chat.texts_to(MEMBER, out)[0]


async def test_a_resident_of_a_micro_grid_goes_to_its_member_and_the_grid_still_sees_it(chat, core):
    out = await chat.say(RESIDENT, "/start WT01-6")
    assert "6号楼" in chat.texts_to(RESIDENT, out)[0]
    out = await chat.say(RESIDENT, REPORT)
    assert [r for r in out if r.chat_id == MICRO_MEMBER.id], "the building's member gets it"
    ticket = await load(core)
    assert ticket.micro_grid_id is not None
    assert "工单 #1" in chat.texts_to(MEMBER, await chat.say(MEMBER, "/ticket 1"))[0]
    await chat.press(MICRO_MEMBER, "签收")
    assert (await load(core)).state == "accepted"


BOUNDARY = """
boundary = [[120.100, 30.200], [120.102, 30.200], [120.102, 30.202], [120.100, 30.202]]
"""


async def with_boundary(settings, tmp_path):
    text = EXAMPLE_ORG.read_text(encoding="utf-8").replace(
        'name = "梧桐二网格（7-12号楼）"\n', 'name = "梧桐二网格（7-12号楼）"' + BOUNDARY)
    path = tmp_path / "org.toml"
    path.write_text(text, encoding="utf-8")
    await import_org(settings, path)


async def test_a_shared_location_routes_the_report_to_the_grid_containing_it(chat, core, settings, tmp_path):
    await with_boundary(settings, tmp_path)
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.location(RESIDENT, 30.201, 120.101)
    assert "在 梧桐二网格（7-12号楼） 范围内" in chat.texts_to(RESIDENT, out)[0]
    out = await chat.say(RESIDENT, REPORT)
    assert [r for r in out if r.chat_id == OTHER_MEMBER.id] and not [r for r in out if r.chat_id == MEMBER.id]
    ticket = await load(core)
    assert (ticket.latitude, ticket.longitude) == (30.201, 120.101)


async def test_near_a_grid_goes_to_it_and_far_away_goes_home(chat, core, settings, tmp_path):
    await with_boundary(settings, tmp_path)
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.location(RESIDENT, 30.201, 120.1035)  # ~140 m east of WT02
    assert "离 梧桐二网格（7-12号楼） 最近" in chat.texts_to(RESIDENT, out)[0]
    out = await chat.location(RESIDENT, 31.5, 121.5)
    assert "不在本街道任何网格的范围内" in chat.texts_to(RESIDENT, out)[0]
    out = await chat.say(RESIDENT, REPORT)
    assert [r for r in out if r.chat_id == MEMBER.id], "outside every grid: the resident's own grid"


async def test_a_flood_from_one_person_is_dropped_with_one_message_and_others_go_on(core):
    core.settings.limits.flood_updates, core.settings.limits.flood_seconds = 5, 60
    session = RecordingSession(reachable=STAFF_IDS)
    bot = make_offline_bot(session)
    notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000)
    chat = Conversation(create_dispatcher(core, notifier), bot, session)
    try:
        await chat.say(RESIDENT, "/start WT01")
        for _ in range(12):
            await chat.say(RESIDENT, "/my")
        texts = chat.texts_to(RESIDENT)
        assert sum("太快" in t for t in texts) == 1 and len(texts) == 6
        out = await chat.say(NEIGHBOUR, "/my")
        assert chat.texts_to(NEIGHBOUR, out)
        out = await chat.press_data(RESIDENT, "tk:acc:1")
        assert not [r for r in out if r.method == "sendMessage"]
        assert await count(core, Ticket) == 0
    finally:
        await notifier.aclose()
        await bot.session.close()
