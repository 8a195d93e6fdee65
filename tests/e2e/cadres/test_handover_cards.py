"""People who can reach each other (issue 11): a 转派 card carries why the ticket was returned;
a returned card offers 吹哨 beside 转派; a department's /tasks lists what is escalated to it;
重办 of what a department resolved goes back to that department, which is told."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from delivery.scripted import buttons
from storage.models import Ticket, TicketEvent
from tests.conftest import BACKUP, CADRE, MEMBER, OTHER_MEMBER, RESIDENT, local_day
from tests.e2e.cadres.test_cadre_tools import ENV, FIRE, departments, report  # noqa: F401 - a fixture
from tests.e2e.residents.test_core_loop import load

REASON = "这是物业的事，不在本网格"


def labels(request) -> list[str]:
    return [t for t, _ in buttons(request)]


async def returned(chat, core) -> None:
    await report(chat, core, category="消防安全")
    await chat.press(MEMBER, "退回")
    await chat.say(MEMBER, REASON)


async def test_a_reassigned_card_carries_the_reason_it_was_returned(chat, core):
    await returned(chat, core)
    await chat.press(CADRE, "转派")
    out = await chat.press(CADRE, "周网格")
    (card,) = [r for r in out if r.chat_id == OTHER_MEMBER.id]
    assert "新工单" in card.text and f"此前被退回，原因：{REASON}" in card.text
    assert labels(card) == ["✅ 签收", "↩️ 退回", "🚫 无效", "💬 联系反映人"]
    assert not any(REASON in t for t in chat.texts_to(RESIDENT, out))  # staff's words stay with staff
    ticket = await load(core)
    assert ticket.state == "dispatched" and ticket.return_reason == REASON
    # 转派 of a ticket that was not returned carries no old reason.
    await chat.press(OTHER_MEMBER, "签收")
    await chat.say(CADRE, "/ticket 1")
    await chat.press(CADRE, "转派")
    out = await chat.press(CADRE, "孙网格")
    (card,) = [r for r in out if r.chat_id == MEMBER.id and "新工单" in (r.text or "")]
    assert "此前被退回" not in card.text


async def test_a_returned_card_offers_escalation_beside_reassignment(chat, core, departments):
    fire_id, _ = departments
    await report(chat, core, category="消防安全")
    await chat.press(MEMBER, "退回")
    out = await chat.say(MEMBER, REASON)
    (card,) = [r for r in out if r.chat_id == CADRE.id]
    assert REASON in card.text and labels(card) == ["🔀 转派", "📯 吹哨"]
    # Only a cadre above the grid may use it: the grid member, the backup and a department are refused.
    for person in (MEMBER, BACKUP, FIRE):
        out = await chat.press_data(person, "tl:esc:1")
        assert chat.alerts(out), person
        assert not [r for r in out if r.method == "sendMessage" and r.chat_id == person.id and "吹哨给哪个部门" in r.text]
    out = await chat.press(CADRE, "吹哨")
    assert labels(out[-1])[0] == "消防（推荐）"
    out = await chat.press(CADRE, "消防（推荐）")
    ticket = await load(core)
    assert ticket.state == "escalated" and ticket.department_id == fire_id
    assert any("吹哨报到" in r.text for r in out if r.chat_id == FIRE.id)


async def test_a_departments_tasks_lists_what_is_escalated_to_it_only(chat, core, departments):
    await report(chat, core, category="消防安全")                 # #1: escalated to 消防
    await report(chat, core, text="5号楼门口路灯坏了好几天", category="市政设施")  # #2: stays with the grid
    await chat.say(CADRE, "/ticket 1")
    await chat.press(CADRE, "吹哨")
    await chat.press(CADRE, "消防（推荐）")
    out = await chat.say(FIRE, "/tasks")
    cards = [r for r in out if r.chat_id == FIRE.id and "工单 #" in (r.text or "")]
    assert "1件" in chat.texts_to(FIRE, out)[0]
    (card,) = cards
    assert "工单 #1" in card.text and "吹哨报到" in card.text and labels(card) == ["✅ 签收", "🏁 办结"]
    assert "张阿姨" in card.text  # the department handles it now: it may reach the reporter
    out = await chat.say(ENV, "/tasks")  # another department: nothing of 消防's
    assert chat.texts_to(ENV, out) == ["目前没有待办工单 👍"]
    # 签收 from the list; the list then offers only 办结.
    await chat.press(FIRE, "签收")
    out = await chat.say(FIRE, "/tasks")
    assert labels(out[-1]) == ["🏁 办结"]
    # Resolved: no longer the department's task.
    await chat.press(FIRE, "办结")
    await chat.say(FIRE, "已清理")
    out = await chat.say(FIRE, "/tasks")
    assert chat.texts_to(FIRE, out) == ["目前没有待办工单 👍"]


async def test_a_reopened_department_ticket_goes_back_to_the_department(chat, core, departments, clock):
    fire_id, _ = departments
    await report(chat, core, category="消防安全")
    await chat.say(CADRE, "/ticket 1")
    await chat.press(CADRE, "吹哨")
    await chat.press(CADRE, "消防（推荐）")
    await chat.press(FIRE, "签收")
    await chat.press(FIRE, "办结")
    await chat.say(FIRE, "已清理通道内杂物")
    member_cards = len([r for r in chat.session.sent(chat_id=MEMBER.id)])
    clock.advance(hours=1)
    out = await chat.press(RESIDENT, "未解决")

    ticket = await load(core)
    assert ticket.state == "escalated" and ticket.department_id == fire_id and ticket.reopen_count == 1
    assert ticket.department_accepted_at is None and ticket.resolved_at is None
    # A fresh 办结 window on the department's clock (5 working days): Monday 10:00 a week on.
    assert ticket.resolve_deadline == clock.now + timedelta(days=7)
    async with core.session_factory() as s:
        last = (await s.execute(select(TicketEvent).where(TicketEvent.ticket_id == 1)
                                .order_by(TicketEvent.id.desc()).limit(1))).scalar_one()
    assert (last.action, last.from_state, last.to_state, last.note) == ("reopen", "resolved", "escalated", "未解决")

    (card,) = [r for r in out if r.chat_id == FIRE.id]
    assert "重办" in card.text and "未解决" in card.text and "工单 #1" in card.text
    assert labels(card) == ["✅ 签收", "🏁 办结"]
    assert not [r for r in out if r.chat_id == ENV.id]
    assert len(chat.session.sent(chat_id=MEMBER.id)) == member_cards  # not the grid member's to redo
    told, asked = chat.texts_to(RESIDENT, out)  # and asked why, as for a grid member's 重办
    assert "哪里不满意" in asked
    monday = local_day(clock.now, 7)
    assert "消防" in told and "孙网格" not in told and f"{monday.month}月{monday.day}日" in told

    # The department takes it up again: 签收, 办结, and the resident is asked once more.
    out = await chat.press(FIRE, "签收")
    assert (await load(core)).department_accepted_at == clock.now
    await chat.press(FIRE, "办结")
    out = await chat.say(FIRE, "已彻底清理并加装警示牌")
    ticket = await load(core)
    assert ticket.state == "resolved"
    assert labels([r for r in out if r.chat_id == RESIDENT.id][-1]) == ["已解决", "未解决"]
    # The grid member may not press the department's buttons on it.
    out = await chat.press_data(MEMBER, "tl:dacc:1")
    assert chat.alerts(out)


async def test_a_grid_members_reopened_ticket_still_goes_back_to_the_grid_member(chat, core):
    await report(chat, core, category="消防安全")
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "已处理")
    out = await chat.press(RESIDENT, "未解决")
    async with core.session_factory() as s:
        ticket = (await s.execute(select(Ticket))).scalar_one()
    assert ticket.state == "reopened" and ticket.department_id is None
    assert [r for r in out if r.chat_id == MEMBER.id]
