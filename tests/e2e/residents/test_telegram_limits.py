"""Where Telegram is strict (the RecordingSession refuses like it): the longest texts people
may send, HTML-looking reports, double presses. The bot must not hit a refusal."""
from __future__ import annotations

from tests.conftest import MEMBER, RESIDENT


def refusals(out):
    return [(r.method, r.chat_id, r.error) for r in out if r.error]


async def test_a_report_of_4096_characters(chat):
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.say(RESIDENT, "楼道堆满杂物，" * 585 + "x")  # 4096 characters, as Telegram allows
    assert refusals(out) == []
    assert [r for r in out if r.chat_id == MEMBER.id]


async def test_a_report_with_angle_brackets_and_ampersands(chat):
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.say(RESIDENT, "3号楼水位<警戒线 & 路灯<br>不亮 </b>")
    assert refusals(out) == []


async def test_pressing_accept_twice(chat):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, "3号楼2单元楼道堆满杂物，堵住了消防通道")
    first = await chat.press(MEMBER, "签收")
    assert refusals(first) == []
    second = await chat.press_data(MEMBER, "tk:acc:1")
    assert refusals(second) == []


async def test_ticket_view_of_a_long_report(chat):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, "楼道堆满杂物，" * 585 + "x")
    out = await chat.say(RESIDENT, "/ticket 1")
    assert refusals(out) == []
    out = await chat.say(MEMBER, "/ticket 1")
    assert refusals(out) == []


async def test_a_resolution_note_of_4096_characters(chat):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, "楼道堆满杂物，" * 585 + "x")
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    out = await chat.say(MEMBER, "已联系物业清理，" * 511 + "清理")
    assert refusals(out) == []
    assert [r for r in out if r.chat_id == RESIDENT.id]
    out = await chat.say(RESIDENT, "/ticket 1")
    assert refusals(out) == []


async def test_return_with_a_long_reason(chat):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, "楼道堆满杂物，" * 585 + "x")
    out = await chat.press(MEMBER, "退回")
    out += await chat.say(MEMBER, "不属于本网格，" * 585 + "x")
    assert refusals(out) == []


async def test_a_card_whose_edit_was_lost_is_drawn_again_when_pressed(chat, core):
    """The process died after 退回 was stored but before the card was edited (a tester's
    kill): its 签收 and 退回 still show. Pressed, it says why not and shows the ticket now."""
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, "3号楼2单元楼道堆满杂物，堵住了消防通道")
    await core.service.return_(MEMBER.id, 1, "不属于本网格")  # stored; the card was never edited
    out = await chat.press(MEMBER, "签收")
    assert any("已退回" in a for a in chat.alerts(out))
    (edit,) = [r for r in out if r.chat_id == MEMBER.id and r.method == "editMessageText"]
    assert "已退回" in edit.data["text"] and "签收" not in str(edit.data.get("reply_markup"))
    assert refusals(out) == []
