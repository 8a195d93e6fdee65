"""联系点单人 for the cadre who dispatches an order (issue 11): the community's cadre finds the
button on every card of an open order they get (议单, 自动发布, 完成, 放弃), keeps it after
通过发布, and in /orders; a branch secretary, another community's cadre or a grid member
never does and is refused on a forged press; nobody gets it for a resident who deleted their
data; an anonymous resident stays anonymous; the resident answers the cadre through the bot."""
from __future__ import annotations

from sqlalchemy import select

from bot.jobs.outbox import OutboxSender
from delivery.notifier import Notifier
from delivery.scripted import Person
from storage.models import OutboxMessage
from tests.conftest import CADRE, FAR_CADRE, MEMBER, NEIGHBOUR, RESIDENT
from tests.e2e.services.service_kit import (
    PARTY,
    SECRETARY,
    VOLUNTEER,
    community,
    events,
    labels,
    load,
    order,
    register,
    to,
)

CONTACT = "💬 联系点单人"
ERRAND = "帮我去快递站取个快递，放在门卫就行"
ASK = "您好，我是社区的钱书记，快递大概多大？需要两个人吗？"
ANSWER = "不大，一个人就行，谢谢书记"


def edits_to(out, person: Person):
    return [r for r in out if r.chat_id == person.id and r.method.startswith("editMessage")]


async def with_secretary(chat) -> None:
    await community(chat)
    await register(chat, SECRETARY, kind="支部书记")


async def erase(chat, person: Person = RESIDENT) -> None:
    await chat.say(person, "/privacy")
    await chat.press(person, "删除我的数据")
    out = await chat.press(person, "确认删除")
    assert "删除" in chat.texts_to(person, out)[-1]


async def test_the_cadre_writes_from_the_review_card_and_the_resident_answers(chat, core):
    await with_secretary(chat)
    out = await order(chat, ERRAND)
    (card,) = to(out, CADRE)
    assert CONTACT in labels(card)
    (theirs,) = to(out, SECRETARY)  # a branch secretary reviews, but does not write to residents
    assert labels(theirs) == ["✅ 通过发布", "✖️ 不通过", "🔗 合并", "📝 转为工单"]
    # Before 议单 the cadre may ask the resident what they need; no 请求电话 (that is the taker's).
    out = await chat.press(CADRE, CONTACT)
    (prompt,) = to(out, CADRE)
    assert "#1" in prompt.text and labels(prompt) == ["✖️ 取消"]
    out = await chat.say(CADRE, ASK)
    assert "已转达" in chat.texts_to(CADRE, out)[0]
    (relayed,) = to(out, RESIDENT)
    assert ASK in relayed.text and "社区干部 钱书记" in relayed.text and labels(relayed) == ["回复"]
    assert str(CADRE.id) not in str(relayed.data)
    assert not to(out, SECRETARY) and not to(out, VOLUNTEER) and not to(out, PARTY)
    # The resident answers: it reaches the cadre alone, without the resident's name or id.
    # The prompt and the receipt name whom it reaches: the cadre, not a 服务人员.
    out = await chat.press(RESIDENT, "回复")
    (prompt,) = chat.texts_to(RESIDENT, out)
    assert "社区干部 钱书记" in prompt and "服务人员" not in prompt
    out = await chat.say(RESIDENT, ANSWER)
    (receipt,) = chat.texts_to(RESIDENT, out)
    assert "已转达" in receipt and "社区干部 钱书记" in receipt and "服务人员" not in receipt
    (back,) = to(out, CADRE)
    assert ANSWER in back.text and "#1" in back.text and labels(back) == [CONTACT]
    assert RESIDENT.name not in str(back.data) and str(RESIDENT.id) not in str(back.data)
    assert [r.chat_id for r in out if r.method == "sendMessage" and ANSWER in (r.text or "")] == [CADRE.id]
    # Stored on the order, sent through the outbox; the order itself did not move.
    (relay,) = await events(core, "relay")
    assert relay.note == ASK and relay.actor_telegram_id == CADRE.id and relay.data == {"as": "社区干部 钱书记"}
    (reply,) = await events(core, "relay_reply")
    assert reply.note == ANSWER and reply.actor_telegram_id is None
    async with core.session_factory() as s:
        rows = (await s.execute(select(OutboxMessage.chat_id, OutboxMessage.sent_at)
                                .where(OutboxMessage.kind.in_(["order.relay", "order.relay_reply"]))
                                .order_by(OutboxMessage.id))).all()
    assert [c for c, _ in rows] == [RESIDENT.id, CADRE.id] and all(at is not None for _, at in rows)
    assert (await load(core)).state == "new"
    # 通过发布: the card loses its 议单 buttons but keeps 联系点单人 for the cadre.
    out = await chat.press(CADRE, "通过发布")
    (edit,) = edits_to(out, CADRE)
    assert labels(edit) == [CONTACT]
    out = await chat.press(CADRE, CONTACT)
    assert not chat.alerts(out) and "#1" in chat.texts_to(CADRE, out)[0]
    out = await chat.say(CADRE, "已发布，志愿者接单后会联系您")
    assert len(to(out, RESIDENT)) == 1 and len(await events(core, "relay")) == 2


async def test_every_card_of_an_open_order_offers_it_to_the_cadre_alone(chat, core):
    await with_secretary(chat)
    await order(chat, ERRAND)
    out = await chat.press(SECRETARY, "通过发布")  # a secretary's press: the card keeps nothing
    (edit,) = edits_to(out, SECRETARY)
    assert labels(edit) == []
    await chat.press(VOLUNTEER, "接单")
    await chat.press(VOLUNTEER, "放弃")
    out = await chat.press(VOLUNTEER, "确定放弃")
    (gave_up,) = to(out, CADRE)
    assert "放弃" in gave_up.text and labels(gave_up) == [CONTACT]
    (gave_up,) = [r for r in to(out, SECRETARY) if "放弃" in r.text]  # (and the order, offered again)
    assert labels(gave_up) == []
    await chat.press(PARTY, "接单")
    await chat.press(PARTY, "完成")
    out = await chat.say(PARTY, "已取回，放在门卫")
    (done,) = to(out, CADRE)
    assert "完成" in done.text and labels(done) == [CONTACT]  # done, not yet rated: still open
    (done,) = [r for r in to(out, SECRETARY) if "完成" in r.text]
    assert labels(done) == []
    # /orders: the community's open orders, with who serves them and 联系点单人.
    out = await chat.say(CADRE, "/orders")
    texts = chat.texts_to(CADRE, out)
    assert any("本社区在办的点单" in t for t in texts)
    (card,) = [r for r in to(out, CADRE) if "#1" in r.text]
    assert "党员老王" in card.text and labels(card) == [CONTACT]
    out = await chat.say(SECRETARY, "/orders")
    assert not any("本社区在办的点单" in t for t in chat.texts_to(SECRETARY, out))
    # Rated: closed, no card offers it any more, and a press is refused.
    await chat.press(RESIDENT, "满意")
    out = await chat.say(CADRE, "/orders")
    assert not any(CONTACT in labels(r) for r in to(out, CADRE))
    out = await chat.press_data(CADRE, "or:msg:1")
    assert chat.alerts(out) and not to(out, RESIDENT)


async def test_strangers_and_secretaries_are_refused_on_a_forged_press(chat, core):
    await with_secretary(chat)
    await order(chat, ERRAND)
    await chat.press(CADRE, "通过发布")
    await chat.say(NEIGHBOUR, "/start WT01")
    for person in (SECRETARY, FAR_CADRE, MEMBER, NEIGHBOUR, PARTY):
        out = await chat.press_data(person, "or:msg:1")
        assert chat.alerts(out), person
        out = await chat.say(person, ASK)  # the message typed next goes nowhere near the resident
        assert not any(ASK in (r.text or "") for r in to(out, RESIDENT)), person
    assert await events(core, "relay") == []
    # Nobody wrote, so the resident has nothing to answer; once the cadre wrote, only they hear it.
    assert chat.alerts(await chat.press_data(RESIDENT, "or:reply:1"))
    await chat.press(CADRE, CONTACT)
    await chat.say(CADRE, ASK)
    for person in (SECRETARY, FAR_CADRE, NEIGHBOUR):
        assert chat.alerts(await chat.press_data(person, "or:reply:1")), person
    assert await events(core, "relay_reply") == []


async def test_no_button_and_no_message_for_a_resident_who_deleted_their_data(chat, core):
    await community(chat)
    await order(chat, ERRAND)
    await chat.press(CADRE, "通过发布")
    await chat.press(VOLUNTEER, "接单")
    await erase(chat)
    # The order is still served; nobody is offered to write to a person who is gone.
    out = await chat.say(CADRE, "/orders")
    (card,) = [r for r in to(out, CADRE) if "#1" in r.text]
    assert labels(card) == []
    out = await chat.press_data(CADRE, "or:msg:1")
    assert chat.alerts(out)
    await chat.press(VOLUNTEER, "完成")
    out = await chat.say(VOLUNTEER, "已取回")
    (done,) = to(out, CADRE)
    assert labels(done) == []
    assert await events(core, "relay") == []


async def test_an_anonymous_resident_stays_anonymous_to_the_cadre(chat, core):
    await community(chat)
    await chat.say(RESIDENT, "/anonymous on")
    out = await order(chat, ERRAND)
    (card,) = to(out, CADRE)
    assert CONTACT in labels(card) and RESIDENT.name not in card.text
    await chat.press(CADRE, CONTACT)
    out = await chat.say(CADRE, ASK)
    assert "社区干部 钱书记" in to(out, RESIDENT)[0].text
    await chat.press(RESIDENT, "回复")
    out = await chat.say(RESIDENT, ANSWER)
    (back,) = to(out, CADRE)
    assert ANSWER in back.text
    assert RESIDENT.name not in str(back.data) and str(RESIDENT.id) not in str(back.data)
    assert await events(core, "phone_request") == []  # a cadre's message asks for no number


async def test_a_card_sent_late_by_the_sweep_offers_it_as_things_are_then(chat, core, clock):
    await with_secretary(chat)
    for person in (CADRE, SECRETARY):  # the 议单 cards fail to send: the outbox keeps them
        chat.session.fail_next("sendMessage", status=400, description="Bad Request: something went wrong",
                               chat_id=person.id)
    await order(chat, ERRAND)
    sweep = OutboxSender(core.session_factory, Notifier(chat.bot, per_chat_interval=0, global_per_s=1_000_000),
                         core.tz, clock=core.service.clock, languages=core.languages)
    clock.advance(minutes=2)  # past the lease of the handler's claim
    before = len(chat.session.requests)
    assert await sweep.deliver_once() == 2
    sent = chat.session.requests[before:]
    (card,) = to(sent, CADRE)
    assert "#1" in card.text and CONTACT in labels(card)
    (card,) = to(sent, SECRETARY)
    assert CONTACT not in labels(card)
    # The 放弃 card fails to reach the cadre, and the resident deletes their data before the
    # sweep gets to it: the late card offers nothing to write with.
    await chat.press(CADRE, "通过发布")
    await chat.press(VOLUNTEER, "接单")
    await chat.press(VOLUNTEER, "放弃")
    chat.session.fail_next("sendMessage", status=400, description="Bad Request: something went wrong",
                           chat_id=CADRE.id)
    await chat.press(VOLUNTEER, "确定放弃")
    await erase(chat)
    clock.advance(minutes=2)
    before = len(chat.session.requests)
    await sweep.deliver_once()
    (late,) = [r for r in to(chat.session.requests[before:], CADRE) if "放弃" in r.text]
    assert labels(late) == []


async def test_the_answer_goes_to_whoever_wrote_the_message_it_was_under(chat, core):
    """Found by a tester: with the volunteer and the cadre both writing, the resident's 回复
    under the volunteer's message went to the cadre, who had written last."""
    await community(chat)
    await order(chat, ERRAND)
    await chat.press(CADRE, "通过发布")
    await chat.press(VOLUNTEER, "接单")
    await chat.press(VOLUNTEER, CONTACT)
    out = await chat.say(VOLUNTEER, "我是志愿者，明天十点到")
    (from_volunteer,) = to(out, RESIDENT)
    await chat.press(CADRE, CONTACT)
    out = await chat.say(CADRE, ASK)
    (from_cadre,) = to(out, RESIDENT)
    assert from_volunteer.result["message_id"] != from_cadre.result["message_id"]
    reply = "or:reply:1"
    await chat.press_data(RESIDENT, reply, from_volunteer.result["message_id"])
    out = await chat.say(RESIDENT, "好的，志愿者同志，十点见")
    assert [r.chat_id for r in out if r.method == "sendMessage" and "十点见" in (r.text or "")] == [VOLUNTEER.id]
    await chat.press_data(RESIDENT, reply, from_cadre.result["message_id"])
    out = await chat.say(RESIDENT, ANSWER)
    assert [r.chat_id for r in out if r.method == "sendMessage" and ANSWER in (r.text or "")] == [CADRE.id]
    # Under a message that is no relay (the order's own acknowledgement, say): the last writer.
    await chat.press_data(RESIDENT, reply, 1)
    out = await chat.say(RESIDENT, "还有一件事")
    assert [r.chat_id for r in out if r.method == "sendMessage" and "还有一件事" in (r.text or "")] == [CADRE.id]


async def test_orders_shows_a_deleted_residents_order_as_deleted_not_blank(chat, core):
    await community(chat)
    await order(chat, ERRAND)
    await chat.press(CADRE, "通过发布")
    await chat.press(VOLUNTEER, "接单")
    await erase(chat)
    for person in (CADRE, VOLUNTEER):  # who dispatches it, who serves it
        out = await chat.say(person, "/orders")
        (card,) = [r for r in to(out, person) if "#1" in r.text]
        assert "内容已删除" in card.text and "内容：\n" not in card.text, card.text
        assert ERRAND not in card.text
