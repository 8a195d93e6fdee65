"""Residents' words go only to those who handle the ticket (issue 11): the duplicate offer
names the other ticket's category, grid and state, never what its reporter wrote; following
it gives updates, not its text, its reporter, nor what passed between reporter and handler."""
from __future__ import annotations

import re

from tests.conftest import MEMBER, NEIGHBOUR, RESIDENT

# The first report: every word of it is the reporter's own, and a name and door number too.
FIRST = "我是3号楼2单元502的张阿姨，楼道堆满杂物堵住了消防通道，电话找我老伴"
SAME = "3号楼2单元楼道堆满杂物，堵住了消防通道"
PRIVATE = ("502", "张阿姨", "老伴", "电话找我")


def words_of(text: str) -> set[str]:
    """Every run of 2 characters of the first report that the second did not also write."""
    own = {SAME[i:i + 2] for i in range(len(SAME) - 1)}
    return {text[i:i + 2] for i in range(len(text) - 1)} - own - {"，", "。"}


async def test_the_duplicate_offer_shows_category_grid_and_state_never_the_other_residents_words(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, FIRST)
    await chat.say(NEIGHBOUR, "/start WT01")
    out = await chat.say(NEIGHBOUR, SAME)
    (offer,) = chat.texts_to(NEIGHBOUR, out)
    assert "#1" in offer and "梧桐一网格" in offer and "待签收" in offer and "消防" in offer
    plain = re.sub(r"<[^>]+>", "", offer)
    leaked = {w for w in words_of(FIRST) if w in plain and w not in SAME}
    assert not leaked, leaked
    assert not any(p in plain for p in PRIVATE)
    assert str(RESIDENT.id) not in str(out)


async def test_a_follower_gets_updates_but_not_the_text_the_reporter_nor_their_conversation(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, FIRST)
    await chat.say(RESIDENT, "另外楼梯灯也不亮")  # 补充
    await chat.press(RESIDENT, "补充到 #1")
    await chat.press(MEMBER, "联系反映人")
    await chat.say(MEMBER, "张阿姨您好，下午去您家502看看")
    await chat.press(RESIDENT, "回复")
    await chat.say(RESIDENT, "好的，我老伴在家")
    await chat.say(NEIGHBOUR, "/start WT01")
    await chat.say(NEIGHBOUR, SAME)
    await chat.press(NEIGHBOUR, "关注")
    out = await chat.press(MEMBER, "签收")
    assert chat.texts_to(NEIGHBOUR, out)  # the update reaches the follower
    heard = "\n".join(chat.texts_to(NEIGHBOUR))
    out = await chat.say(NEIGHBOUR, "/ticket 1")
    card = out[-1].text
    assert "#1" in card and "处理记录" in card
    for seen in (heard, card):
        assert not any(p in seen for p in PRIVATE), seen
        assert "楼梯灯" not in seen and "下午去您家" not in seen and RESIDENT.name not in seen
