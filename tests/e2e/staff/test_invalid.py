"""无效 through the Dispatcher: the handler (or a cadre) closes a ticket that is not a matter
for the grid, with a reason in one tap or typed; the resident hears the reason through the
outbox; the cards lose their buttons; a replayed press changes nothing; strangers are refused."""
from __future__ import annotations

from sqlalchemy import select

from delivery.scripted import Person, buttons
from handlers.shared.callbacks import ReasonCb, TicketCb
from storage.models import OutboxMessage, TicketEvent
from tests.conftest import BACKUP, CADRE, FAR_CADRE, FAR_MEMBER, MEMBER, OTHER_MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import load, reported
from tests.e2e.residents.test_withdrawal import card_id, edits_of

TEST_REPORT = "测试测试，3号楼门口路灯坏了不亮"


async def invalid_events(core) -> list[TicketEvent]:
    async with core.session_factory() as s:
        q = select(TicketEvent).where(TicketEvent.action == "invalidate").order_by(TicketEvent.id)
        return list((await s.execute(q)).scalars())


def alert(out) -> dict:
    (answer,) = [r for r in out if r.method == "answerCallbackQuery"]
    return answer.data


async def test_the_handler_closes_it_as_invalid_with_one_tap(chat, core):
    await reported(chat, TEST_REPORT)
    card = card_id(chat, MEMBER)
    out = await chat.press(MEMBER, "无效")
    # The card's buttons turn into the reasons, on the card itself.
    (menu,) = [r for r in out if r.method == "editMessageReplyMarkup"]
    assert menu.data["message_id"] == card
    assert [t for t, _ in buttons(menu)] == ["垃圾信息", "测试", "私人纠纷", "不属于网格事项", "重复反映",
                                             "✍️ 其他原因", "⬅️ 返回"]
    assert (await load(core)).state == "dispatched"

    out = await chat.press(MEMBER, "测试")
    ticket = await load(core)
    assert ticket.state == "invalid" and ticket.closed_at is not None and ticket.next_check_at is None
    (event,) = await invalid_events(core)
    assert (event.actor_kind, event.actor_telegram_id, event.from_state, event.to_state, event.note) == (
        "staff", MEMBER.id, "dispatched", "invalid", "测试")
    # The resident hears the reason, through the outbox.
    (notice,) = chat.texts_to(RESIDENT, out)
    assert "#1" in notice and "无效" in notice and "原因：测试" in notice and "孙网格" in notice
    async with core.session_factory() as s:
        rows = (await s.execute(select(OutboxMessage).where(OutboxMessage.kind == "invalid_resident"))).scalars().all()
    assert [(r.chat_id, r.note, r.outcome) for r in rows] == [(RESIDENT.id, "测试", "sent")]
    # The card now says so, without buttons.
    (closed,) = edits_of(out, MEMBER, card)
    assert "已判为无效" in closed.text and "测试" in closed.text and not buttons(closed)
    assert "已判为无效" in alert(out)["text"]


async def test_a_replayed_reason_changes_nothing_and_does_not_apologise(chat, core):
    await reported(chat, TEST_REPORT)
    await chat.press(MEMBER, "无效")
    tap = ReasonCb(kind="iv", ticket_id=1, index=1).pack()
    await chat.press_data(MEMBER, tap)
    for data in (tap, ReasonCb(kind="iv", ticket_id=1, index=0).pack(), TicketCb(action="inv", ticket_id=1).pack()):
        out = await chat.press_data(MEMBER, data)
        assert not alert(out).get("show_alert")
        assert not chat.texts_to(RESIDENT, out)
    (event,) = await invalid_events(core)
    assert event.note == "测试"


async def test_a_reason_in_their_own_words(chat, core):
    await reported(chat, "楼上邻居欠我钱不还，网格员帮我要回来")
    card = card_id(chat, MEMBER)
    await chat.press(MEMBER, "无效")
    out = await chat.press(MEMBER, "其他原因")
    assert "请写几句" in chat.texts_to(MEMBER, out)[0]
    out = await chat.say(MEMBER, "属于民间借贷纠纷，请通过人民调解或法院解决")
    assert (await load(core)).state == "invalid"
    (event,) = await invalid_events(core)
    assert event.note == "属于民间借贷纠纷，请通过人民调解或法院解决"
    assert any("人民调解" in t for t in chat.texts_to(RESIDENT, out))
    (closed,) = edits_of(out, MEMBER, card)
    assert "人民调解" in closed.text and not buttons(closed)


async def test_back_restores_the_cards_buttons(chat, core):
    await reported(chat, TEST_REPORT)
    await chat.press(MEMBER, "无效")
    out = await chat.press(MEMBER, "返回")
    (restored,) = [r for r in out if r.method == "editMessageReplyMarkup"]
    assert [t for t, _ in buttons(restored)][:3] == ["✅ 签收", "↩️ 退回", "🚫 无效"]
    assert (await load(core)).state == "dispatched"


async def test_a_cadre_closes_it_and_the_grid_member_is_told(chat, core):
    await reported(chat, TEST_REPORT)
    member_card = card_id(chat, MEMBER)
    await chat.press(MEMBER, "签收")
    out = await chat.press_data(CADRE, ReasonCb(kind="iv", ticket_id=1, index=3).pack())
    assert (await load(core)).state == "invalid"
    (event,) = await invalid_events(core)
    assert event.actor_telegram_id == CADRE.id and event.from_state == "accepted" and event.note == "不属于网格事项"
    (told,) = [r for r in out if r.chat_id == MEMBER.id and r.method == "sendMessage"]
    assert "钱书记" in told.text and "不属于网格事项" in told.text and not buttons(told)
    (edited,) = edits_of(out, MEMBER, member_card)
    assert "已判为无效" in edited.text and not buttons(edited)
    assert any("不属于网格事项" in t for t in chat.texts_to(RESIDENT, out))


async def test_a_strangers_press_on_invalid_is_refused(chat, core):
    await reported(chat, TEST_REPORT)
    # Another grid's member, a grid member of the same community who is not its handler,
    # another community's cadre, and the reporter.
    for who in (FAR_MEMBER, OTHER_MEMBER, FAR_CADRE, RESIDENT):
        for data in (TicketCb(action="inv", ticket_id=1).pack(), ReasonCb(kind="iv", ticket_id=1, index=0).pack(),
                     ReasonCb(kind="iv", ticket_id=1, index=-1).pack()):
            out = await chat.press_data(who, data)
            assert alert(out).get("show_alert") and "无权" in alert(out)["text"]
            assert not [r for r in out if r.method == "sendMessage"]
    assert (await load(core)).state == "dispatched"
    assert await invalid_events(core) == []
    # The grid's backup stands in for the handler: allowed.
    await chat.press_data(BACKUP, ReasonCb(kind="iv", ticket_id=1, index=0).pack())
    assert (await load(core)).state == "invalid"


async def test_a_forged_reason_index_is_refused(chat, core):
    await reported(chat, TEST_REPORT)
    out = await chat.press_data(MEMBER, ReasonCb(kind="iv", ticket_id=1, index=99).pack())
    assert alert(out).get("show_alert")
    assert (await load(core)).state == "dispatched"


async def test_the_card_names_who_decided_as_the_resident_is_told_not_by_telegram_name(chat, core):
    await reported(chat, TEST_REPORT)
    card = card_id(chat, MEMBER)
    in_telegram = Person(MEMBER.id, "Tester", MEMBER.role)  # their Telegram profile says "Tester"
    await chat.press(in_telegram, "无效")
    out = await chat.press(in_telegram, "测试")
    (closed,) = edits_of(out, MEMBER, card)
    assert "孙网格" in closed.text and "Tester" not in closed.text
    assert "孙网格" in chat.texts_to(RESIDENT, out)[0]


async def test_the_handler_is_not_told_the_resident_heard_when_they_deleted_their_data(chat, core):
    await reported(chat, TEST_REPORT)
    await chat.say(RESIDENT, "/privacy")
    await chat.press(RESIDENT, "删除我的数据")
    await chat.press(RESIDENT, "确认删除")
    await chat.press(MEMBER, "无效")
    out = await chat.press(MEMBER, "测试")
    assert (await load(core)).state == "invalid"
    text = alert(out)["text"]
    assert "已判为无效" in text and "已告知居民" not in text and "没有人可以告知" in text
    assert not [r for r in out if r.chat_id == RESIDENT.id]
