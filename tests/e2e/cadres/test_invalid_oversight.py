"""无效 cannot hide work: the cadre's /overdue lists every 无效 of the last seven days, with
who closed it and why, and /stats counts them apart from the judged tickets."""
from __future__ import annotations

from delivery.scripted import buttons
from handlers.shared.callbacks import ReasonCb
from tests.conftest import CADRE, FAR_CADRE, MEMBER, NEIGHBOUR, RESIDENT
from tests.e2e.cadres.test_cadre_tools import FIRE, departments, report  # noqa: F401
from tests.e2e.residents.test_core_loop import load


async def two_invalid(chat, core, clock) -> None:
    await report(chat, core, text="测试测试，3号楼门口路灯坏了不亮")
    await report(chat, core, NEIGHBOUR, "楼上邻居欠我钱不还，网格员帮我要回来")
    await chat.press_data(MEMBER, ReasonCb(kind="iv", ticket_id=1, index=1).pack())  # 测试
    clock.advance(days=1)
    await chat.press_data(CADRE, ReasonCb(kind="iv", ticket_id=2, index=-1).pack())
    await chat.say(CADRE, "民间借贷，建议走人民调解")
    assert [(await load(core, n)).state for n in (1, 2)] == ["invalid", "invalid"]


async def test_overdue_lists_every_invalid_of_the_week_with_who_and_why(chat, core, clock):
    await two_invalid(chat, core, clock)
    out = await chat.say(CADRE, "/overdue")
    (summary,) = chat.texts_to(CADRE, out)
    assert "近 7 天判为无效：<b>2</b> 件" in summary
    second, first = summary.index("#2"), summary.index("#1")
    assert second < first  # newest first
    assert "钱书记：民间借贷，建议走人民调解" in summary and "孙网格：测试" in summary
    assert "梧桐一网格" in summary and "路灯" in summary
    # Another community's cadre sees none of them.
    assert "判为无效：<b>0</b> 件" in chat.texts_to(FAR_CADRE, await chat.say(FAR_CADRE, "/overdue"))[0]
    # A week on, the first has left the list; the second (a day younger) is still in it.
    clock.advance(days=6, hours=12)
    (summary,) = chat.texts_to(CADRE, await chat.say(CADRE, "/overdue"))
    assert "判为无效：<b>1</b> 件" in summary and "#2" in summary and "#1" not in summary


async def test_stats_count_invalid_apart(chat, core, clock):
    await two_invalid(chat, core, clock)
    await report(chat, core, text="5号楼楼道灯坏了，晚上看不见")
    await chat.press_data(MEMBER, "tk:acc:3")
    text = "\n".join(chat.texts_to(CADRE, await chat.say(CADRE, "/stats")))
    assert "无效 2 件" in text
    # Only #3 is judged for 签收: the two 无效 count neither on time nor late.
    assert "签收 100.0%" in text


async def test_a_withdrawal_reaches_the_department_it_was_escalated_to(chat, core, departments):  # noqa: F811
    await report(chat, core, category="消防安全")
    await chat.say(CADRE, "/ticket 1")
    await chat.press(CADRE, "吹哨")
    out = await chat.press(CADRE, "消防（推荐）")
    (card,) = [r for r in out if r.chat_id == FIRE.id]
    await chat.press(RESIDENT, "撤销")
    out = await chat.press(RESIDENT, "确认撤销")
    assert (await load(core)).state == "cancelled"
    # The department's contact and the grid member (whose ticket it still is) are told.
    assert any("居民已撤销" in t for t in chat.texts_to(FIRE, out))
    assert any("居民已撤销" in t for t in chat.texts_to(MEMBER, out))
    (edited,) = [r for r in out if r.chat_id == FIRE.id and r.method == "editMessageText"
                 and r.data["message_id"] == card.result["message_id"]]
    assert "已撤销" in edited.text and not buttons(edited)
    # Its old buttons refuse politely.
    out = await chat.press_data(FIRE, buttons(card)[0][1])
    assert "已撤销" in chat.alerts(out)[0]
