"""The core loop through the Dispatcher: what each person is sent, what is stored."""
from __future__ import annotations

from sqlalchemy import func, select

from delivery.scripted import buttons
from storage.models import Rating, Ticket, TicketEvent
from tests.conftest import (
    BACKUP,
    CADRE,
    MEMBER,
    NEIGHBOUR,
    OTHER_MEMBER,
    RESIDENT,
    local_day,
)

REPORT = "3号楼2单元楼道堆满杂物，堵住了消防通道，好几天了没人管"


async def load(core, ticket_id: int = 1) -> Ticket:
    async with core.session_factory() as s:
        return await s.get(Ticket, ticket_id)


async def events(core, ticket_id: int = 1) -> list[tuple[str, str | None, str | None]]:
    async with core.session_factory() as s:
        rows = (await s.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                .order_by(TicketEvent.id))).scalars().all()
        return [(e.action, e.from_state, e.to_state) for e in rows]


async def count_tickets(core) -> int:
    async with core.session_factory() as s:
        return (await s.execute(select(func.count(Ticket.id)))).scalar_one()


async def reported(chat, text: str = REPORT):
    await chat.say(RESIDENT, "/start WT01")
    return await chat.say(RESIDENT, text)


async def test_deep_link_binds_the_resident_to_the_grid(chat):
    out = await chat.say(RESIDENT, "/start WT01")
    (welcome,) = chat.texts_to(RESIDENT, out)
    assert "梧桐社区" in welcome and "梧桐一网格" in welcome


async def test_report_reply_has_number_category_keywords_handler_and_local_deadline(chat, core):
    out = await reported(chat)
    (ack,) = chat.texts_to(RESIDENT, out)
    ticket = await load(core)
    assert f"#{ticket.id}" in ack
    assert ticket.category in ack
    assert all(k in ack for k in ticket.keywords)
    assert "孙网格" in ack
    # Monday 09:00 + 3 working days: Thursday 09:00 local, shown in Shanghai time.
    thursday = local_day(core.service.clock(), 3)
    assert f"{thursday.month}月{thursday.day}日（周四）09:00" in ack
    assert ticket.state == "dispatched" and ticket.text == REPORT
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert REPORT in card.text
    assert [t for t, _ in buttons(card)] == ["✅ 签收", "↩️ 退回", "🚫 无效", "💬 联系反映人"]


async def test_whole_loop_closes_with_a_satisfied_resident(chat, core):
    await reported(chat)
    out = await chat.press(MEMBER, "签收")
    assert "签收" in chat.texts_to(RESIDENT, out)[0]
    assert (await load(core)).state == "accepted"
    await chat.press(MEMBER, "办结")
    out = await chat.say(MEMBER, "已联系物业清理，通道已畅通")
    (notice,) = [r for r in out if r.chat_id == RESIDENT.id]
    assert "已联系物业清理" in notice.text
    assert [t for t, _ in buttons(notice)] == ["已解决", "未解决"]
    assert (await load(core)).state == "resolved"
    await chat.press(RESIDENT, "已解决")
    out = await chat.press(RESIDENT, "满意")
    ticket = await load(core)
    assert ticket.state == "closed" and ticket.closed_at is not None
    assert any("满意" in t for t in chat.texts_to(MEMBER, out))
    assert [e[0] for e in await events(core)] == ["open", "accept", "resolve", "rate", "rate", "close"]
    async with core.session_factory() as s:
        rating = (await s.execute(select(Rating))).scalar_one()
    assert rating.solved is True and rating.satisfaction == "satisfied"


async def test_unsolved_reopens_to_the_same_grid_member(chat, core):
    await reported(chat)
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "已处理")
    out = await chat.press(RESIDENT, "未解决")
    ticket = await load(core)
    assert ticket.state == "reopened" and ticket.reopen_count == 1
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert "重办" in card.text and "签收" in [t for t, _ in buttons(card)][0]
    # Second round: accepted again, resolved, and this time 不满意 reopens it too.
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "再次处理")
    await chat.press(RESIDENT, "已解决")
    await chat.press(RESIDENT, "不满意")
    ticket = await load(core)
    assert ticket.state == "reopened" and ticket.reopen_count == 2


async def test_return_goes_to_the_cadre_who_reassigns(chat, core):
    await reported(chat)
    await chat.press(MEMBER, "退回")
    out = await chat.say(MEMBER, "这是物业的事，不在本网格")
    assert (await load(core)).state == "returned"
    (card,) = [r for r in out if r.chat_id == CADRE.id]
    assert "不在本网格" in card.text and "转派" in buttons(card)[0][0]
    assert any("重新安排" in t for t in chat.texts_to(RESIDENT, out))
    out = await chat.press(CADRE, "转派")
    options = [t for t, _ in buttons(out[-1])]
    assert any("周网格" in o for o in options)
    out = await chat.press(CADRE, "周网格")
    ticket = await load(core)
    assert ticket.state == "dispatched" and ticket.assignee_id is not None
    assert [t for t, _ in buttons([r for r in out if r.chat_id == OTHER_MEMBER.id][0])] == ["✅ 签收", "↩️ 退回", "🚫 无效", "💬 联系反映人"]
    assert any("周网格" in t for t in chat.texts_to(RESIDENT, out))
    assert any("转派" in t for t in chat.texts_to(MEMBER, out))


async def test_start_without_code_picks_community_then_grid(chat, core):
    out = await chat.say(NEIGHBOUR, "/start")
    assert [t for t, _ in buttons(out[-1])] == ["梧桐社区", "枫林社区"]
    out = await chat.press(NEIGHBOUR, "枫林社区")
    assert "枫林二网格" in " ".join(t for t, _ in buttons(out[-1]))
    out = await chat.press(NEIGHBOUR, "枫林二网格")
    assert "枫林二网格" in chat.texts_to(NEIGHBOUR, out)[0]


async def test_a_report_before_choosing_a_grid_is_kept_and_opened_after(chat, core):
    out = await chat.say(NEIGHBOUR, "小区门口那个坑还没人填，晚上差点摔倒")
    assert "不会丢失" in chat.texts_to(NEIGHBOUR, out)[0]
    assert await count_tickets(core) == 0
    await chat.press(NEIGHBOUR, "梧桐社区")
    out = await chat.press(NEIGHBOUR, "梧桐二网格")
    ticket = await load(core)
    assert ticket.text == "小区门口那个坑还没人填，晚上差点摔倒"
    assert any(f"#{ticket.id}" in t for t in chat.texts_to(NEIGHBOUR, out))
    assert any(r.chat_id == OTHER_MEMBER.id for r in out)


async def test_invalid_start_code_explains_and_offers_the_picker(chat):
    out = await chat.say(RESIDENT, "/start NOPE99<b>junk")
    (reply,) = chat.texts_to(RESIDENT, out)
    assert "无效" in reply and buttons(out[-1])
    # What the bot did not understand is not echoed back, and no greeting sits inside an error.
    assert "NOPE99" not in reply and "junk" not in reply and "您好" not in reply


async def test_the_same_message_delivered_twice_opens_one_ticket(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, REPORT, message_id=555)
    out = await chat.say(RESIDENT, REPORT, message_id=555)
    assert await count_tickets(core) == 1
    assert out == []  # a replay is invisible: the acknowledgement and the card went out once


async def test_my_tasks_and_ticket_lookups(chat, core):
    await reported(chat)
    out = await chat.say(RESIDENT, "/my")
    assert "#1" in out[-1].text and "待签收" in out[-1].text
    out = await chat.say(MEMBER, "/tasks")
    assert any("工单 #1" in (r.text or "") and buttons(r) for r in out)
    out = await chat.say(RESIDENT, "/ticket 1")
    assert "处理记录" in out[-1].text and "上报" in out[-1].text
    out = await chat.say(NEIGHBOUR, "/ticket 1")
    assert "无权查看" in out[-1].text
    out = await chat.say(BACKUP, "/ticket 1")
    assert "处理记录" in out[-1].text


async def test_help_differs_by_role(chat):
    resident_help = (await chat.say(RESIDENT, "/help"))[-1].text
    member_help = (await chat.say(MEMBER, "/help"))[-1].text
    cadre_help = (await chat.say(CADRE, "/help"))[-1].text
    assert "/my" in resident_help and "/tasks" in member_help and "转派" in cadre_help
    assert member_help != resident_help != cadre_help


async def test_writing_start_again_clears_the_blocked_flag(chat, core):
    from datetime import datetime, timezone

    from storage.models import Staff

    async with core.session_factory() as s, s.begin():
        member = (await s.execute(select(Staff).where(Staff.telegram_id == MEMBER.id))).scalar_one()
        member.blocked_at = datetime(2026, 11, 1, tzinfo=timezone.utc)
    await chat.say(MEMBER, "/start")
    async with core.session_factory() as s:
        member = (await s.execute(select(Staff).where(Staff.telegram_id == MEMBER.id))).scalar_one()
    assert member.blocked_at is None
