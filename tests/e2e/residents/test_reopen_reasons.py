"""After 未解决 or 不满意 the resident is asked why (one tap, or their own words). The 重办
happens at the first tap whatever they answer; the reason is an event, kept on the ticket,
told to the handler and shown on the card of the 重办."""
from __future__ import annotations

from sqlalchemy import select

from delivery.scripted import Person, buttons
from handlers.shared.callbacks import RateCb, ReasonCb
from storage.models import TicketEvent
from tests.conftest import CADRE, MEMBER, NEIGHBOUR, RESIDENT
from tests.e2e.residents.test_core_loop import events, load, reported
from tests.e2e.residents.test_withdrawal import card_id, edits_of

DEPARTMENT = Person(740002, "市政联络员", "职能部门")  # 市政 in the example organisation
REASONS = ["没人来处理", "问题还在", "处理太慢", "处理态度不好", "✍️ 其他，我写几句"]


async def resolved(chat):
    await reported(chat)
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "已清理")


async def reason_events(core) -> list[TicketEvent]:
    async with core.session_factory() as s:
        q = select(TicketEvent).where(TicketEvent.action == "reopen_reason").order_by(TicketEvent.id)
        return list((await s.execute(q)).scalars())


async def test_unsolved_reopens_at_once_and_the_reason_reaches_the_reopened_card(chat, core):
    await resolved(chat)
    out = await chat.press(RESIDENT, "未解决")
    # Reopened at this tap: the resident may never answer the question that follows.
    ticket = await load(core)
    assert ticket.state == "reopened" and ticket.reopen_reason is None
    ask = [r for r in out if r.chat_id == RESIDENT.id and "哪里不满意" in (r.text or "")]
    assert [t for t, _ in buttons(ask[0])] == REASONS
    card = card_id(chat, MEMBER)
    assert "重办原因" not in [r for r in out if r.chat_id == MEMBER.id][0].text

    out = await chat.press(RESIDENT, "问题还在")
    ticket = await load(core)
    assert ticket.state == "reopened" and ticket.reopen_reason == "问题还在"
    (event,) = await reason_events(core)
    assert (event.actor_telegram_id, event.note) == (RESIDENT.id, "问题还在")
    (told,) = [r for r in out if r.chat_id == MEMBER.id and r.method == "sendMessage"]
    assert "重办原因" in told.text and "问题还在" in told.text
    # The card of the 重办 shows it, its buttons still live.
    (edited,) = edits_of(out, MEMBER, card)
    assert "重办原因：问题还在" in edited.text and [t for t, _ in buttons(edited)][0] == "✅ 签收"
    assert any("转告处理人" in t for t in chat.texts_to(RESIDENT, out))
    # /tasks draws it the same way.
    out = await chat.say(MEMBER, "/tasks")
    assert any("重办原因：问题还在" in t for t in chat.texts_to(MEMBER, out))


async def test_a_replayed_reason_or_rating_changes_nothing_and_does_not_apologise(chat, core):
    await resolved(chat)
    await chat.press(RESIDENT, "未解决")
    tap = ReasonCb(kind="rr", ticket_id=1, index=1).pack()
    await chat.press_data(RESIDENT, tap)
    before = await events(core)
    for data in (tap, ReasonCb(kind="rr", ticket_id=1, index=0).pack(), RateCb(ticket_id=1, value="n").pack()):
        out = await chat.press_data(RESIDENT, data)
        (answer,) = [r for r in out if r.method == "answerCallbackQuery"]
        assert not answer.data.get("show_alert")
        assert not [r for r in out if r.chat_id == MEMBER.id]
    assert await events(core) == before
    assert (await load(core)).reopen_count == 1


async def test_dissatisfied_asks_too_and_takes_their_own_words(chat, core):
    await resolved(chat)
    await chat.press(RESIDENT, "已解决")
    out = await chat.press(RESIDENT, "不满意")
    assert (await load(core)).state == "reopened"
    assert any("哪里不满意" in t for t in chat.texts_to(RESIDENT, out))
    out = await chat.press(RESIDENT, "其他，我写几句")
    assert "请简单写几句" in chat.texts_to(RESIDENT, out)[0]
    out = await chat.say(RESIDENT, "只清了一半，楼梯口还堆着")
    ticket = await load(core)
    assert ticket.reopen_reason == "只清了一半，楼梯口还堆着" and ticket.state == "reopened"
    assert any("只清了一半" in t for t in chat.texts_to(MEMBER, out))
    (event,) = await reason_events(core)
    assert event.note == "只清了一半，楼梯口还堆着"


async def test_a_second_round_asks_again_and_the_old_reason_goes(chat, core):
    await resolved(chat)
    await chat.press(RESIDENT, "未解决")
    await chat.press(RESIDENT, "没人来处理")
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "再次处理")
    out = await chat.press(RESIDENT, "未解决")
    ticket = await load(core)
    assert ticket.reopen_count == 2 and ticket.reopen_reason is None
    assert "没人来处理" not in [r for r in out if r.chat_id == MEMBER.id][0].text
    await chat.press(RESIDENT, "处理太慢")
    assert (await load(core)).reopen_reason == "处理太慢"


async def test_a_strangers_reason_is_refused(chat, core):
    await resolved(chat)
    await chat.press(RESIDENT, "未解决")
    await chat.say(NEIGHBOUR, "/start WT01")
    for who in (NEIGHBOUR, MEMBER):
        out = await chat.press_data(who, ReasonCb(kind="rr", ticket_id=1, index=1).pack())
        (answer,) = [r for r in out if r.method == "answerCallbackQuery"]
        assert answer.data.get("show_alert") and "无权" in answer.data["text"]
    assert (await load(core)).reopen_reason is None and await reason_events(core) == []


async def department_resolved(chat):
    """A ticket a cadre escalated to 市政 (吹哨), which its contact resolved."""
    await reported(chat, "垃圾站路5号门口井盖丢了，很危险")
    await chat.say(CADRE, "/ticket 1")
    await chat.press(CADRE, "吹哨")
    await chat.press(CADRE, "市政")
    await chat.press(DEPARTMENT, "签收")
    await chat.press(DEPARTMENT, "办结")
    await chat.say(DEPARTMENT, "已补装井盖")


async def test_a_department_ticket_reopened_asks_why_and_the_department_sees_the_reason(chat, core):
    await department_resolved(chat)
    out = await chat.press(RESIDENT, "未解决")
    assert (await load(core)).department_id is not None
    ask = [r for r in out if r.chat_id == RESIDENT.id and "哪里不满意" in (r.text or "")]
    assert ask and [t for t, _ in buttons(ask[0])] == REASONS
    out = await chat.press(RESIDENT, "问题还在")
    assert (await load(core)).reopen_reason == "问题还在"
    assert any("问题还在" in t for t in chat.texts_to(DEPARTMENT, out))
    # The department's card of the 重办 shows it, its 签收 still there.
    (edited,) = [r for r in out if r.chat_id == DEPARTMENT.id and r.method == "editMessageText"
                 and "吹哨报到" in r.text and "重办原因：问题还在" in r.text]
    assert [t for t, _ in buttons(edited)][0] == "✅ 签收"
    out = await chat.say(DEPARTMENT, "/tasks")
    assert any("问题还在" in t for t in chat.texts_to(DEPARTMENT, out))
