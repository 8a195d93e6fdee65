"""Messages read once with real values, as a grid member or cadre reads them (issue 16,
item 11): no word doubled, no heading repeated, no action without its object."""
from __future__ import annotations

from tests.conftest import CADRE, MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import reported


async def test_a_reopened_card_says_why_and_names_the_state_once(chat):
    await reported(chat)
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "已处理")
    out = await chat.press(RESIDENT, "未解决")
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert "未解决" in card.text and card.text.count("重办") == 1


async def test_the_history_names_whom_a_ticket_was_reassigned_to(chat):
    await reported(chat)
    await chat.press(MEMBER, "退回")
    await chat.say(MEMBER, "不在本网格")
    await chat.press(CADRE, "转派")
    await chat.press(CADRE, "周网格")
    out = await chat.say(CADRE, "/ticket 1")
    assert "转派给 周网格" in chat.texts_to(CADRE, out)[-1]


async def test_stats_total_is_named_once_and_the_two_satisfaction_rates_differ_in_name(chat):
    await reported(chat)
    out = await chat.say(CADRE, "/stats")
    text = "\n".join(chat.texts_to(CADRE, out))
    assert "合计（新增 1）" in text and text.count("合计") == 1
    assert "（满意 " not in text and "不含基本满意" in text
