"""联系点单人 (issue 11): whoever took a service order and the resident who ordered it talk
through the bot, each seeing only what the other may see; an order served at home asks the
resident for a phone number, which reaches only the one serving it."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from bot.jobs.outbox import OutboxSender
from delivery.notifier import Notifier
from storage.models import OutboxMessage, ServiceOrder, ServiceOrderEvent, Ticket
from tests.conftest import CADRE, FAR_CADRE, NEIGHBOUR, RESIDENT
from tests.e2e.services.service_kit import (
    FAR_VOLUNTEER,
    NEED,
    PARTY,
    VOLUNTEER,
    community,
    events,
    labels,
    load,
    order,
    order_events,
    to,
)

ERRAND = "帮我去快递站取个快递，放在门卫就行"  # 代买代办: not served at home
TO_THEM = "您好，我是小李，明天上午十点左右到，方便吗？"
ANSWER = "方便，我在家等你"
PHONE = "13812345678"


async def taken(chat, text: str = ERRAND, taker=VOLUNTEER):
    await order(chat, text)
    await chat.press(CADRE, "通过发布")
    return await chat.press(taker, "接单")


async def outbox_rows(core, kind: str) -> list[OutboxMessage]:
    async with core.session_factory() as s:
        q = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list((await s.execute(q)).scalars())


def contact_asked(out, person) -> bool:
    return any((r.data.get("reply_markup") or {}).get("keyboard", [[{}]])[0][0].get("request_contact")
               for r in to(out, person))


async def share_phone(chat, person=RESIDENT, phone: str = PHONE):
    contact = {"phone_number": phone, "first_name": person.name, "user_id": person.id}
    return await chat.feed({"message": chat._message(person, contact=contact)})


async def test_the_volunteer_writes_to_the_resident_and_gets_the_answer(chat, core):
    await community(chat)
    await taken(chat)
    version = (await load(core)).version
    out = await chat.press(VOLUNTEER, "联系点单人")
    assert "#1" in chat.texts_to(VOLUNTEER, out)[0]
    out = await chat.say(VOLUNTEER, TO_THEM)
    assert "已转达" in chat.texts_to(VOLUNTEER, out)[0]
    # The resident: the order's number, the words, who (role and the name the bot knows), 回复.
    (relayed,) = to(out, RESIDENT)
    assert "#1" in relayed.text and TO_THEM in relayed.text and "志愿者 志愿者小李" in relayed.text
    assert labels(relayed) == ["回复"] and str(VOLUNTEER.id) not in str(relayed.data)
    assert not to(out, PARTY) and not to(out, CADRE)
    out = await chat.press(RESIDENT, "回复")
    assert "志愿者 志愿者小李" in chat.texts_to(RESIDENT, out)[0]  # whom the answer reaches
    out = await chat.say(RESIDENT, ANSWER)
    assert "已转达" in chat.texts_to(RESIDENT, out)[0] and "志愿者 志愿者小李" in chat.texts_to(RESIDENT, out)[0]
    (back,) = to(out, VOLUNTEER)
    assert ANSWER in back.text and "#1" in back.text and labels(back) == ["💬 联系点单人"]
    assert RESIDENT.name not in str(back.data) and str(RESIDENT.id) not in str(back.data)
    assert not to(out, PARTY) and not to(out, CADRE)
    # Stored on the order, queued and marked sent through the outbox; the order itself unmoved.
    (relay,) = await events(core, "relay")
    assert relay.note == TO_THEM and relay.actor_telegram_id == VOLUNTEER.id and relay.data == {"as": "志愿者 志愿者小李"}
    (reply,) = await events(core, "relay_reply")
    assert reply.note == ANSWER and reply.actor_telegram_id is None and reply.actor_name == ""
    (row,) = await outbox_rows(core, "order.relay")
    assert row.chat_id == RESIDENT.id and row.note == TO_THEM and row.sent_at is not None
    (row,) = await outbox_rows(core, "order.relay_reply")
    assert row.chat_id == VOLUNTEER.id and row.note == ANSWER and row.sent_at is not None
    o = await load(core)
    assert o.state == "taken" and o.version == version
    # Neither message became a ticket or an order.
    async with core.session_factory() as s:
        assert (await s.execute(select(func.count(Ticket.id)))).scalar_one() == 0
        assert (await s.execute(select(func.count(ServiceOrder.id)))).scalar_one() == 1
    # The volunteer writes again from the answer's button; the resident answers that too.
    await chat.press(VOLUNTEER, "联系点单人")
    await chat.say(VOLUNTEER, "好的，明天见")
    await chat.press(RESIDENT, "回复")
    out = await chat.say(RESIDENT, "谢谢")
    assert [r.text for r in to(out, VOLUNTEER)] and len(await events(core, "relay_reply")) == 2


async def test_strangers_and_other_volunteers_are_refused(chat, core):
    await community(chat)
    await order(chat, ERRAND)
    await chat.press(CADRE, "通过发布")
    # Published, nobody holds it: no member may write yet.
    assert chat.alerts(await chat.press_data(VOLUNTEER, "or:msg:1"))
    await chat.press(VOLUNTEER, "接单")
    await chat.say(NEIGHBOUR, "/start WT01")
    for person in (PARTY, FAR_VOLUNTEER, FAR_CADRE, NEIGHBOUR, RESIDENT):
        out = await chat.press_data(person, "or:msg:1")
        assert chat.alerts(out), person
        assert not to(out, RESIDENT) or person == RESIDENT
        assert not await events(core, "relay")
        # …and a message typed next goes nowhere near the resident.
        out = await chat.say(person, TO_THEM)
        assert not any(TO_THEM in r.text for r in to(out, RESIDENT) if r.text), person
    # The resident cannot answer before anyone wrote; nobody else can answer at all.
    assert chat.alerts(await chat.press_data(RESIDENT, "or:reply:1"))
    await chat.press(VOLUNTEER, "联系点单人")
    await chat.say(VOLUNTEER, TO_THEM)
    for person in (NEIGHBOUR, PARTY, VOLUNTEER):
        assert chat.alerts(await chat.press_data(person, "or:reply:1")), person
    assert await events(core, "relay_reply") == []
    # The community's cadre may write to the resident.
    out = await chat.press_data(CADRE, "or:msg:1")
    assert not chat.alerts(out) and "#1" in chat.texts_to(CADRE, out)[0]
    out = await chat.say(CADRE, "钱书记问一下：需要帮忙的东西多吗？")
    (relayed,) = to(out, RESIDENT)
    assert "社区干部 钱书记" in relayed.text and str(CADRE.id) not in str(relayed.data)
    # Their answer goes to the cadre, who wrote last; not to the volunteer.
    await chat.press(RESIDENT, "回复")
    out = await chat.say(RESIDENT, "不多，一个小包裹")
    assert [r.chat_id for r in out if r.method == "sendMessage" and "小包裹" in (r.text or "")] == [CADRE.id]


async def test_a_stale_dialog_is_checked_again_on_the_typed_message(chat, core):
    await community(chat)
    await taken(chat)
    await chat.press(VOLUNTEER, "联系点单人")
    # Given up meanwhile (from an older card): the message typed next is refused.
    await chat.press_data(VOLUNTEER, "sd:dropok:1")
    assert (await load(core)).state == "published"
    out = await chat.say(VOLUNTEER, TO_THEM)
    assert "无权" in chat.texts_to(VOLUNTEER, out)[0]
    assert not any(TO_THEM in (r.text or "") for r in to(out, RESIDENT))
    assert await events(core, "relay") == []
    # The resident's 回复 after the order is finished and rated: refused, nothing relayed.
    await chat.press(PARTY, "接单")
    await chat.press(PARTY, "联系点单人")
    await chat.say(PARTY, TO_THEM)
    await chat.press(RESIDENT, "回复")
    await chat.press(PARTY, "完成")
    await chat.say(PARTY, "已取回")
    await chat.press(RESIDENT, "满意")
    out = await chat.say(RESIDENT, ANSWER)
    assert "已评价" in chat.texts_to(RESIDENT, out)[0] and not to(out, PARTY)
    assert await events(core, "relay_reply") == []


async def test_an_order_at_home_asks_for_a_phone_that_reaches_only_the_taker(chat, core, caplog):
    caplog.set_level(logging.INFO)  # what a running bot logs (aiosqlite echoes SQL at DEBUG)
    await community(chat)
    out = await taken(chat, NEED)  # 助老助残: served at home
    assert contact_asked(out, RESIDENT) and not contact_asked(out, VOLUNTEER)
    (ask,) = [r for r in to(out, RESIDENT) if "手机号" in r.text]
    assert "#1" in ask.text and "上门" in ask.text
    (event,) = await events(core, "phone_request")
    assert event.data == {"reason": "at_home"}
    out = await share_phone(chat)
    (told,) = to(out, VOLUNTEER)
    assert PHONE in told.text and "#1" in told.text
    assert [r.chat_id for r in out if PHONE in str(r.data)] == [VOLUNTEER.id]  # in private, to them only
    assert len(await events(core, "phone_shared")) == 1
    # Shared again: nobody asked since, nobody is told.
    out = await share_phone(chat)
    assert not to(out, VOLUNTEER) and len(await events(core, "phone_shared")) == 1
    # The number lives on the resident only: not in events, the outbox, nor the logs.
    async with core.session_factory() as s:
        cells = (await s.execute(select(ServiceOrderEvent.note, ServiceOrderEvent.data, ServiceOrderEvent.actor_name))).all()
        notes = (await s.execute(select(OutboxMessage.note, OutboxMessage.actor_name))).all()
    assert PHONE not in str(cells) and PHONE not in str(notes) and PHONE not in caplog.text
    # The next taker's card shows it (read at send time); the one who gave it up gets nothing more.
    await chat.press(VOLUNTEER, "放弃")
    await chat.press(VOLUNTEER, "确定放弃")
    out = await chat.press(PARTY, "接单")
    (detail,) = to(out, PARTY)
    assert PHONE in detail.text and not contact_asked(out, RESIDENT)
    assert not any(PHONE in str(r.data) for r in out if r.chat_id != PARTY.id)


async def test_no_phone_is_asked_for_an_errand_nor_of_whom_gave_one(chat, core):
    await community(chat)
    out = await taken(chat, ERRAND)
    assert not contact_asked(out, RESIDENT) and await events(core, "phone_request") == []
    # The taker may still ask, once; the resident gets the contact button.
    out = await chat.press(VOLUNTEER, "联系点单人")
    assert "请求电话" in str(out[-1].data)
    out = await chat.press(VOLUNTEER, "请求电话")
    assert contact_asked(out, RESIDENT) and "志愿者 志愿者小李" in to(out, RESIDENT)[0].text
    out = await chat.press_data(VOLUNTEER, "or:phone:1")  # replayed: no second request
    assert not to(out, RESIDENT) and len(await events(core, "phone_request")) == 1
    # A resident whose number is known is not asked, even for an order at home.
    await share_phone(chat)
    out = await taken(chat, "家里水龙头漏水，老人不会修", taker=PARTY)
    assert not contact_asked(out, RESIDENT) and len(await events(core, "phone_request")) == 1
    (detail,) = to(out, PARTY)
    assert PHONE in detail.text


async def test_an_anonymous_resident_stays_anonymous_and_is_not_asked_for_a_phone(chat, core):
    await community(chat)
    await chat.say(RESIDENT, "/anonymous on")
    out = await taken(chat, NEED)
    assert not contact_asked(out, RESIDENT) and await events(core, "phone_request") == []
    (detail,) = to(out, VOLUNTEER)
    assert RESIDENT.name not in detail.text
    out = await chat.press(VOLUNTEER, "联系点单人")
    assert "请求电话" not in str(out[-1].data)
    assert chat.alerts(await chat.press_data(VOLUNTEER, "or:phone:1"))
    await chat.say(VOLUNTEER, TO_THEM)
    await chat.press(RESIDENT, "回复")
    out = await chat.say(RESIDENT, ANSWER)
    (back,) = to(out, VOLUNTEER)
    assert RESIDENT.name not in str(back.data) and str(RESIDENT.id) not in str(back.data)


async def test_replayed_presses_are_harmless(chat, core):
    await community(chat)
    await taken(chat, NEED)
    out = await chat.press_data(VOLUNTEER, "sd:take:1")  # 接单 again
    assert chat.alerts(out) and not to(out, RESIDENT)
    assert len(await events(core, "phone_request")) == 1
    await chat.press(VOLUNTEER, "联系点单人")
    await chat.press(VOLUNTEER, "联系点单人")
    out = await chat.say(VOLUNTEER, TO_THEM)
    assert len(to(out, RESIDENT)) == 1
    await chat.press(RESIDENT, "回复")
    await chat.press(RESIDENT, "回复")
    out = await chat.say(RESIDENT, ANSWER)
    assert len(to(out, VOLUNTEER)) == 1
    # The dialog is over: the same words again are an ordinary message, not a second relay.
    out = await chat.say(RESIDENT, ANSWER)
    assert not to(out, VOLUNTEER)
    assert len(await events(core, "relay")) == 1 and len(await events(core, "relay_reply")) == 1
    assert await order_events(core) == ["open", "approve", "take", "phone_request", "relay", "relay_reply"]



def fail_once(chat, person) -> None:
    """The next message to this person fails for good (a 400: no retry); the outbox keeps it."""
    chat.session.fail_next("sendMessage", status=400, description="Bad Request: something went wrong",
                           chat_id=person.id)


async def test_what_failed_to_send_is_sent_by_the_sweep_as_decided(chat, core, clock):
    await community(chat)
    await order(chat, NEED)
    await chat.press(CADRE, "通过发布")
    fail_once(chat, RESIDENT)  # 接单's notice
    fail_once(chat, RESIDENT)  # the phone request
    await chat.press(VOLUNTEER, "接单")
    await chat.press(VOLUNTEER, "联系点单人")
    fail_once(chat, RESIDENT)
    await chat.say(VOLUNTEER, TO_THEM)
    sweep = OutboxSender(core.session_factory, Notifier(chat.bot, per_chat_interval=0, global_per_s=1_000_000),
                         core.tz, clock=core.service.clock, languages=core.languages)
    clock.advance(minutes=2)  # past the lease of the handler's claim
    before = len(chat.session.requests)
    assert await sweep.deliver_once() == 3
    sent = to(chat.session.requests[before:], RESIDENT)
    assert contact_asked(sent, RESIDENT)
    (relayed,) = [r for r in sent if TO_THEM in r.text]
    assert labels(relayed) == ["回复"] and "志愿者 志愿者小李" in relayed.text
    assert await sweep.deliver_once() == 0
    # The number's notice fails; the volunteer gives the order up; the late send does not show it.
    fail_once(chat, VOLUNTEER)
    await share_phone(chat)
    await chat.press(VOLUNTEER, "放弃")
    await chat.press(VOLUNTEER, "确定放弃")
    clock.advance(minutes=2)
    before = len(chat.session.requests)
    assert await sweep.deliver_once() == 1
    (late,) = to(chat.session.requests[before:], VOLUNTEER)
    assert "#1" in late.text and "不可见" in late.text and PHONE not in str(late.data)
    # The only attempt that carried it: the failed one, while they still held the order.
    assert [r.chat_id for r in chat.session.requests if PHONE in str(r.data)] == [VOLUNTEER.id]
