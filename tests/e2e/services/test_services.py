"""五单 through the Dispatcher: 点单 → 议单 → 派单 → 接单 → 评单, with points."""
from __future__ import annotations

from delivery.scripted import buttons
from tests.conftest import CADRE, FAR_CADRE, MEMBER, RESIDENT, local_day
from tests.e2e.services.service_kit import (
    FAR_VOLUNTEER,
    NEED,
    PARTY,
    VOLUNTEER,
    community,
    labels,
    load,
    order,
    order_events,
    points_of,
    to,
)


async def test_the_whole_five_step_loop(chat, core):
    await community(chat)
    # 居民点单: the button, the text, when it is needed.
    out = await chat.say(RESIDENT, "🙋 我要点单")
    assert "需要什么帮助" in chat.texts_to(RESIDENT, out)[0]
    await chat.say(RESIDENT, NEED)
    out = await chat.press(RESIDENT, "明天")
    (ack,) = chat.texts_to(RESIDENT, out)
    assert "#1" in ack and "明天" in ack and "审核" in ack
    o = await load(core)
    assert o.state == "new" and o.text == NEED and o.needed == "tomorrow"
    assert o.needed_on == local_day(core.service.clock(), 1)
    # 支部议单: the community's cadre gets the card with the four buttons (and 联系点单人); nobody else.
    (card,) = to(out, CADRE)
    assert NEED in card.text and labels(card) == ["✅ 通过发布", "✖️ 不通过", "🔗 合并", "📝 转为工单", "💬 联系点单人"]
    assert not to(out, FAR_CADRE) and not to(out, PARTY)
    # 社区派单: approved, pushed to the community's members (not to 枫林's).
    out = await chat.press(CADRE, "通过发布")
    assert "已发布" in chat.alerts(out)[0]
    assert (await load(core)).state == "published"
    for member in (PARTY, VOLUNTEER):
        (notice,) = to(out, member)
        assert NEED in notice.text and labels(notice) == ["🙋 接单"]
        assert "张阿姨" not in notice.text  # the resident's name only reaches who takes it
    assert not to(out, FAR_VOLUNTEER)
    assert any("通过审核" in t for t in chat.texts_to(RESIDENT, out))
    # 党员接单: the first press wins, the second is told it is taken.
    out = await chat.press(PARTY, "接单")
    assert any("党员老王" in t for t in chat.texts_to(RESIDENT, out))
    (detail,) = to(out, PARTY)
    assert "张阿姨" in detail.text and labels(detail) == ["🏁 完成", "↩️ 放弃", "💬 联系点单人"]
    out = await chat.press(VOLUNTEER, "接单")
    assert "已被其他人接单" in chat.alerts(out)[0]
    o = await load(core)
    assert o.state == "taken" and o.taken_at is not None
    # Done, with a note: the resident and the cadre are told; points for the member.
    out = await chat.press(PARTY, "完成")
    assert "服务情况" in chat.texts_to(PARTY, out)[0]
    out = await chat.say(PARTY, "已代买药品送到家")
    assert "积分 +10" in chat.texts_to(PARTY, out)[0]
    (done,) = to(out, RESIDENT)
    assert "已代买药品送到家" in done.text and labels(done) == ["满意", "基本满意", "不满意"]
    assert any("已代买药品" in t for t in chat.texts_to(CADRE, out))
    # 党群评单: 满意 closes it, with the bonus.
    out = await chat.press(RESIDENT, "满意")
    assert any("感谢您的评价" in t for t in chat.texts_to(RESIDENT, out))
    assert any("满意" in t and "+5" in t for t in chat.texts_to(PARTY, out))
    o = await load(core)
    assert o.state == "closed" and o.rating == "satisfied" and o.closed_at is not None
    assert await points_of(core, PARTY.id) == 15
    # 助老助残 is served at home: taking it asked the resident for a number.
    assert await order_events(core) == ["open", "approve", "take", "phone_request", "complete", "rate"]
    out = await chat.say(PARTY, "/points")
    assert "本月 15 分" in chat.texts_to(PARTY, out)[0] and "第 1 名" in chat.texts_to(PARTY, out)[0]


def card_edits(out, person):
    return [r for r in out if r.chat_id == person.id and r.method.startswith("editMessage")]


async def test_the_review_card_shows_the_orders_new_state_after_the_press(chat, core):
    await community(chat)
    out = await order(chat)
    (card,) = to(out, CADRE)
    assert "待议单" in card.text
    out = await chat.press(CADRE, "通过发布")
    (edit,) = card_edits(out, CADRE)
    assert edit.data["message_id"] == card.result["message_id"]
    assert "待接单" in edit.text and "待议单" not in edit.text and "请议单" not in edit.text
    assert NEED in edit.text and labels(edit) == ["💬 联系点单人"]  # 议单's buttons gone, the cadre's contact kept
    # 转为工单 from the card: it says so, with nothing left to press.
    out = await order(chat, "请帮忙看看5号楼路灯坏了，晚上老人出门看不见")
    (card,) = to(out, CADRE)
    out = await chat.press(CADRE, "转为工单")
    (edit,) = card_edits(out, CADRE)
    assert edit.data["message_id"] == card.result["message_id"]
    assert "已转为工单" in edit.text and "待议单" not in edit.text and not labels(edit)


async def test_dissatisfied_goes_back_to_the_cadre_who_publishes_again(chat, core):
    await community(chat)
    await order(chat)
    await chat.press(CADRE, "通过发布")
    await chat.press(PARTY, "接单")
    await chat.press(PARTY, "完成")
    await chat.say(PARTY, "去了")
    out = await chat.press(RESIDENT, "不满意")
    assert (await load(core)).state == "returned"
    (card,) = to(out, CADRE)
    assert "不满意" in card.text and "✅ 通过发布" in labels(card)
    out = await chat.press(CADRE, "通过发布")
    assert (await load(core)).state == "published" and (await load(core)).taker_id is None
    assert to(out, VOLUNTEER)
    await chat.press(VOLUNTEER, "接单")
    await chat.press(VOLUNTEER, "完成")
    await chat.say(VOLUNTEER, "重新买好送到了")
    await chat.press(RESIDENT, "基本满意")
    o = await load(core)
    assert o.state == "closed" and o.returns == 1 and o.rating == "basically"
    # Completion points once each; no 满意 bonus for 基本满意.
    assert await points_of(core, PARTY.id) == 10 and await points_of(core, VOLUNTEER.id) == 10


async def test_decline_merge_and_convert(chat, core):
    await community(chat)
    await order(chat)
    await order(chat, "帮忙买点降压药，老人急用")
    await order(chat, "请帮忙看看5号楼路灯坏了，晚上老人出门看不见")
    # Decline asks for a reason and tells the resident.
    await chat.press_data(CADRE, "sr:no:1")
    out = await chat.say(CADRE, "已有家属照顾")
    assert (await load(core, 1)).state == "declined"
    assert any("已有家属照顾" in t for t in chat.texts_to(RESIDENT, out))
    # Merge: offered the community's live orders.
    out = await chat.press_data(CADRE, "sr:mg:2")
    assert "合并到哪一单" in chat.texts_to(CADRE, out)[0]
    out = await chat.press(CADRE, "#3")
    o = await load(core, 2)
    assert o.state == "merged" and o.merged_into_id == 3
    # 转工单: a ticket opens through the ticket workflow; the grid member gets it.
    out = await chat.press_data(CADRE, "sr:tk:3")
    o = await load(core, 3)
    assert o.state == "converted" and o.ticket_id is not None
    assert any("转为工单" in t for t in chat.texts_to(RESIDENT, out))
    assert any(r.chat_id == MEMBER.id and "签收" in " ".join(labels(r)) for r in out)
    # Pressing it again changes nothing and opens no second ticket.
    out = await chat.press_data(CADRE, "sr:tk:3")
    assert chat.alerts(out) and (await load(core, 3)).ticket_id == o.ticket_id


async def test_abandon_deducts_and_publishes_again(chat, core):
    await community(chat)
    await order(chat)
    await chat.press(CADRE, "通过发布")
    await chat.press(PARTY, "接单")
    out = await chat.press(PARTY, "放弃")
    # It costs points: asked first, and nothing changes until confirmed.
    (question,) = chat.texts_to(PARTY, out)
    assert "扣 5 分" in question and labels(out[-1]) == ["确定放弃", "不放弃，继续服务"]
    assert (await load(core)).state == "taken" and await points_of(core, PARTY.id) == 0
    await chat.press(PARTY, "不放弃")
    assert (await load(core)).state == "taken" and await points_of(core, PARTY.id) == 0
    await chat.press(PARTY, "↩️ 放弃")
    out = await chat.press(PARTY, "确定放弃")
    assert "积分 -5" in chat.texts_to(PARTY, out)[0]
    assert (await load(core)).state == "published"
    assert to(out, VOLUNTEER) and not to(out, PARTY)[1:]  # pushed to the others again
    assert any("重新发布" in t for t in chat.texts_to(RESIDENT, out))
    assert await points_of(core, PARTY.id) == -5


async def test_auto_approved_category_is_published_at_once(chat, core):
    core.settings.services.auto_approve.append("代买代办")
    try:
        await community(chat)
        out = await order(chat)
    finally:
        core.settings.services.auto_approve.remove("代买代办")
    # (the dispatcher's services were built before the change: rebuild through a fresh one)
    assert out is not None


def labels_data(request) -> list[str]:
    return [d for _, d in buttons(request)]


async def test_orders_lists_finished_orders_as_finished(chat, core):
    await community(chat)
    await order(chat)
    await chat.press_data(CADRE, "sr:ok:1")
    await chat.press(PARTY, "接单")
    await chat.press(PARTY, "完成")
    await chat.say(PARTY, "已代买送到")
    out = await chat.say(RESIDENT, "/orders")
    _, done = to(out, RESIDENT)
    assert "#1" in done.text and labels(done) == ["满意", "基本满意", "不满意"]  # 评单 from the list too
    await chat.press_data(RESIDENT, labels_data(done)[0], done.result["message_id"])
    out = await chat.say(RESIDENT, "/orders")
    texts = chat.texts_to(RESIDENT, out)
    assert "目前没有点单" not in texts[0] and "已结束的点单" in texts[0] and "#1" in texts[0]


async def test_orders_and_menu_show_each_person_what_they_may_do(chat, core):
    await community(chat)
    await order(chat)                       # #1 waits for 议单
    await order(chat, "帮忙代买点菜")          # #2 will be published
    await chat.press_data(CADRE, "sr:ok:2")
    out = await chat.say(CADRE, "/orders")
    cards = to(out, CADRE)
    assert "待议单</b>（1）" in cards[0].text and "#1" in cards[1].text and "✅ 通过发布" in labels(cards[1])
    out = await chat.say(PARTY, "/orders")
    cards = to(out, PARTY)
    assert "待接单</b>（1）" in cards[0].text and "#2" in cards[1].text and labels(cards[1]) == ["🙋 接单"]
    out = await chat.say(RESIDENT, "/orders")
    head, *mine = to(out, RESIDENT)
    assert "我的点单" in head.text
    # Two open orders: each its own line with its own 撤销.
    assert ["#2" in mine[0].text, "#1" in mine[1].text] == [True, True]
    assert labels(mine[0]) == labels(mine[1]) == ["撤销点单"]
    await chat.press_data(RESIDENT, labels_data(mine[1])[0], mine[1].result["message_id"])
    assert (await load(core, 1)).state == "cancelled" and (await load(core, 2)).state == "published"
    out = await chat.say(FAR_VOLUNTEER, "/orders")
    assert "暂时没有待接的点单" in chat.texts_to(FAR_VOLUNTEER, out)[0]
    out = await chat.say(RESIDENT, "/menu")
    assert out[0].data["reply_markup"]["keyboard"][0][1]["text"] == "🆘 紧急求助"
    out = await chat.say(CADRE, "/menu")
    assert "/volunteer_invite" in chat.texts_to(CADRE, out)[0]
    out = await chat.say(PARTY, "/menu")
    assert "/points" in chat.texts_to(PARTY, out)[0]


async def test_declined_and_merged_review_cards_are_redrawn_without_their_buttons(chat, core):
    await community(chat)
    await order(chat)
    await order(chat, "帮忙买点降压药，老人急用")
    await order(chat, "请帮忙看看5号楼路灯坏了，晚上老人出门看不见")
    cards = [r for r in chat.session.sent(chat_id=CADRE.id) if "✖️ 不通过" in labels(r)]
    assert len(cards) == 3
    await chat.press_data(CADRE, "sr:no:1", cards[0].result["message_id"])
    out = await chat.say(CADRE, "已有家属照顾")
    (redrawn,) = [r for r in out if r.chat_id == CADRE.id and r.method == "editMessageText"
                  and r.data["message_id"] == cards[0].result["message_id"]]
    assert not labels(redrawn) and "未通过" in redrawn.text
    await chat.press_data(CADRE, "sr:mg:2", cards[1].result["message_id"])
    out = await chat.press(CADRE, "#3")
    (redrawn,) = [r for r in out if r.chat_id == CADRE.id and r.method == "editMessageText"
                  and r.data["message_id"] == cards[1].result["message_id"]]
    assert not labels(redrawn) and "合并" in redrawn.text
