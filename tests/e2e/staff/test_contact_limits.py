"""Where contact with a reporter stops (found by trying to break 联系反映人 and 回访):
a settled ticket, a number sent late to someone who no longer handles the ticket, a
reporter who deleted their data, a follower forging the reporter's 回访 button, and an
anonymous reporter named in the command centre's history."""
from __future__ import annotations

from sqlalchemy import select, update

from bot.jobs.outbox import OutboxSender
from delivery.notifier import Notifier
from storage.models import Resident, Staff, TicketEvent
from tests.conftest import CADRE, MEMBER, NEIGHBOUR, OTHER_MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import REPORT, load, reported

PHONE = "13812345678"
SAME = "3号楼2单元楼道堆满杂物，堵住了消防通道"


async def events(core, action: str) -> list[TicketEvent]:
    async with core.session_factory() as s:
        return list((await s.execute(select(TicketEvent).where(TicketEvent.action == action))).scalars())


async def staff_id(core, telegram_id: int) -> int:
    async with core.session_factory() as s:
        return (await s.execute(select(Staff.id).where(Staff.telegram_id == telegram_id))).scalars().first()


async def test_no_contact_once_a_ticket_is_closed_as_invalid(chat, core):
    await reported(chat)
    await chat.press(MEMBER, "签收")
    await chat.press_data(MEMBER, "tk:inv:1")
    await chat.press_data(MEMBER, "rs:iv:1:0")
    assert (await load(core)).state == "invalid"
    out = await chat.press_data(MEMBER, "rl:msg:1")
    assert chat.alerts(out)
    await chat.say(MEMBER, "你这个是垃圾信息")
    out = await chat.press_data(MEMBER, "rl:phone:1")
    assert chat.alerts(out) and not [r for r in out if r.chat_id == RESIDENT.id]
    assert await events(core, "relay") == [] and await events(core, "phone_request") == []


async def test_a_number_sent_late_goes_to_nobody_who_no_longer_handles_the_ticket(chat, core, clock):
    await reported(chat)
    await chat.press(MEMBER, "联系反映人")
    await chat.press(MEMBER, "请求电话")
    # The resident shares it; the process dies after the commit, before the notice goes out.
    async with core.session_factory() as s, s.begin():
        await s.execute(update(Resident).where(Resident.telegram_id == RESIDENT.id).values(phone=PHONE))
    assert [n.chat_id for n in await core.service.relay.phone_shared(RESIDENT.id)] == [MEMBER.id]
    await core.service.reassign(CADRE.id, 1, await staff_id(core, OTHER_MEMBER.id))  # handed on meanwhile
    clock.advance(minutes=5)  # past the outbox lease: the sweep takes it up
    notifier = Notifier(chat.bot, per_chat_interval=0, global_per_s=1_000_000)
    before = len(chat.session.requests)
    await OutboxSender(core.session_factory, notifier, core.tz, clock=clock).deliver_once(clock())
    # The new grid member's card carries the number (theirs to see); the former one gets nothing.
    assert not [r for r in chat.session.requests[before:] if r.chat_id == MEMBER.id and PHONE in str(r.data)]


async def test_a_reporter_who_deleted_their_data_cannot_be_written_to(chat, core):
    await reported(chat)
    await chat.say(RESIDENT, "/privacy")
    await chat.press(RESIDENT, "删除")
    await chat.press(RESIDENT, "确认")
    out = await chat.press_data(MEMBER, "rl:msg:1")
    assert "已删除个人信息" in str(chat.alerts(out))
    out = await chat.say(MEMBER, "您好在吗")
    assert not any("已转达" in t for t in chat.texts_to(MEMBER, out))
    assert await events(core, "relay") == []


async def test_a_follower_cannot_answer_the_reporters_question(chat, core):
    await reported(chat)
    await chat.say(NEIGHBOUR, "/start WT01")
    await chat.say(NEIGHBOUR, SAME)
    await chat.press(NEIGHBOUR, "关注")
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "已清理")
    out = await chat.press_data(NEIGHBOUR, "rt:1:n")  # the reporter's 未解决, forged
    assert chat.alerts(out) and not chat.texts_to(RESIDENT, out)
    assert (await load(core)).state == "resolved"


async def test_the_command_centre_never_names_an_anonymous_reporter(chat, core):
    from web.ticket import history

    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, "/anonymous on")
    await chat.say(RESIDENT, REPORT)
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "已清理")
    await chat.press(RESIDENT, "未解决")
    await chat.press_data(RESIDENT, "rs:rr:1:1")
    view, rows, _ = await core.service.detail(CADRE.id, 1)
    assert view.anonymous
    who = [r["who"] for r in history(rows, view.anonymous)]
    assert "匿名居民" in who and not [w for w in who if RESIDENT.name in w]
