"""What follows a report (issue 11): 补充 asked about in one tap; 联系反映人 relayed both
ways with identities kept; a phone number asked for with Telegram's contact button."""
from __future__ import annotations

from sqlalchemy import select

from delivery.scripted import buttons
from storage.models import Attachment, OutboxMessage, TicketEvent
from tests.conftest import CADRE, MEMBER, NEIGHBOUR, OTHER_MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import REPORT, count_tickets, load, reported

MORE = "垃圾是3单元的住户堆的，已经一个星期了"
PHONE = "13812345678"


async def event_rows(core, action: str) -> list[TicketEvent]:
    async with core.session_factory() as s:
        return list((await s.execute(select(TicketEvent).where(TicketEvent.action == action)
                                     .order_by(TicketEvent.id))).scalars())


async def test_text_photos_and_a_location_soon_after_a_report_are_added_to_it(chat, core):
    await reported(chat)
    out = await chat.say(RESIDENT, MORE)
    (question,) = chat.texts_to(RESIDENT, out)
    assert "#1" in question and [t for t, _ in buttons(out[-1])] == ["补充到 #1", "这是新问题"]
    assert not [r for r in out if r.chat_id == MEMBER.id] and await count_tickets(core) == 1
    out = await chat.press(RESIDENT, "补充到 #1")
    assert "已补充到工单 #1" in chat.texts_to(RESIDENT, out)[0]
    (notice,) = [r for r in out if r.chat_id == MEMBER.id]
    assert MORE in notice.text and "#1" in notice.text
    # A photo without a caption, then a location: each asked about, each added.
    await chat.photo(RESIDENT, "photo-more")
    out = await chat.press(RESIDENT, "补充到 #1")
    (photo,) = [r for r in out if r.chat_id == MEMBER.id and r.method == "sendPhoto"]
    assert photo.data["photo"] == "photo-more"
    assert "照片" in photo.data["caption"] and "见下" not in photo.data["caption"]  # it is the photo's own caption
    await chat.location(RESIDENT, 31.2, 121.4)
    out = await chat.press(RESIDENT, "补充到 #1")
    (said, where) = [r for r in out if r.chat_id == MEMBER.id]
    assert "位置" in said.text and "照片" not in said.text and where.method == "sendLocation"
    ticket = await load(core)
    assert ticket.latitude == 31.2 and ticket.text == REPORT
    assert [e.note for e in await event_rows(core, "supplement")] == [MORE, None, None]
    async with core.session_factory() as s:
        photos = (await s.execute(select(Attachment.file_id).where(Attachment.ticket_id == 1))).scalars().all()
        kinds = (await s.execute(select(OutboxMessage.kind).where(OutboxMessage.chat_id == MEMBER.id))).scalars().all()
    assert photos == ["photo-more"] and kinds.count("supplemented") == 3  # through the outbox
    # The button works once.
    assert chat.alerts(await chat.press_data(RESIDENT, "sp:add:1"))


async def test_a_new_problem_goes_through_intake_and_small_talk_is_not_asked_about(chat, core):
    await reported(chat)
    out = await chat.say(RESIDENT, "谢谢")
    assert "补充" not in chat.texts_to(RESIDENT, out)[0]
    await chat.say(RESIDENT, "5号楼门口的路灯坏了好几天，晚上很黑")
    out = await chat.press(RESIDENT, "这是新问题")
    assert any("已受理" in t for t in chat.texts_to(RESIDENT, out))
    assert await count_tickets(core) == 2 and (await load(core, 2)).text.startswith("5号楼门口的路灯")


async def test_after_the_window_an_accepted_ticket_is_not_asked_about(chat, core, clock):
    await reported(chat)
    await chat.press(MEMBER, "签收")
    clock.advance(minutes=11)
    out = await chat.say(RESIDENT, "5号楼门口的路灯坏了好几天，晚上很黑")
    assert any("已受理" in t for t in chat.texts_to(RESIDENT, out))
    # Unaccepted, however old: still asked.
    clock.advance(hours=5)
    out = await chat.say(RESIDENT, MORE)
    assert "#2" in chat.texts_to(RESIDENT, out)[0] and "补充到" in chat.texts_to(RESIDENT, out)[0]


async def test_a_stranger_cannot_add_to_someone_elses_ticket(chat, core):
    await reported(chat)
    await chat.say(NEIGHBOUR, "/start WT01")
    assert chat.alerts(await chat.press_data(NEIGHBOUR, "sp:add:1"))
    assert await event_rows(core, "supplement") == []


async def test_the_handler_contacts_the_reporter_and_gets_the_reply(chat, core):
    await reported(chat)
    out = await chat.press(MEMBER, "联系反映人")
    assert "#1" in chat.texts_to(MEMBER, out)[0]
    out = await chat.say(MEMBER, "您好，我下午三点过去看看，方便开门吗？")
    (relayed,) = [r for r in out if r.chat_id == RESIDENT.id]
    assert "#1" in relayed.text and "下午三点" in relayed.text and "网格员" in relayed.text
    assert str(MEMBER.id) not in str(relayed.data) and [t for t, _ in buttons(relayed)] == ["回复"]
    await chat.press(RESIDENT, "回复")
    out = await chat.say(RESIDENT, "方便，我在家")
    (back,) = [r for r in out if r.chat_id == MEMBER.id]
    assert "方便，我在家" in back.text and RESIDENT.name not in back.text
    assert [e.note for e in await event_rows(core, "relay")] == ["您好，我下午三点过去看看，方便开门吗？"]
    assert [e.note for e in await event_rows(core, "relay_reply")] == ["方便，我在家"]
    # The reply is text, not a new report.
    assert await count_tickets(core) == 1
    # The resident's word for whoever handles the ticket is the acknowledgement's 处理人.
    said = chat.texts_to(RESIDENT)
    assert any("处理人：" in t for t in said) and not [t for t in said if "处理人员" in t]


async def test_strangers_cannot_relay_nor_answer(chat, core):
    await reported(chat)
    for person in (OTHER_MEMBER, CADRE):  # another grid's member; a cadre of a non-urgent ticket
        assert chat.alerts(await chat.press_data(person, "rl:msg:1")), person
    await chat.say(NEIGHBOUR, "/start WT01")
    assert chat.alerts(await chat.press_data(NEIGHBOUR, "rl:reply:1"))
    # The reporter cannot "answer" before anyone wrote to them.
    assert chat.alerts(await chat.press_data(RESIDENT, "rl:reply:1"))
    assert await event_rows(core, "relay") == [] and await event_rows(core, "relay_reply") == []


async def test_an_anonymous_reporter_stays_anonymous_both_ways(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, "/anonymous on")
    out = await chat.say(RESIDENT, REPORT)
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert RESIDENT.name not in card.text
    out = await chat.press(MEMBER, "联系反映人")
    assert "匿名" in chat.texts_to(MEMBER, out)[0] and "请求电话" not in str(out[-1].data)
    assert chat.alerts(await chat.press_data(MEMBER, "rl:phone:1"))  # no phone for an anonymous report
    await chat.say(MEMBER, "请问具体是哪一层？")
    await chat.press(RESIDENT, "回复")
    out = await chat.say(RESIDENT, "三楼")
    (back,) = [r for r in out if r.chat_id == MEMBER.id]
    assert RESIDENT.name not in str(back.data) and str(RESIDENT.id) not in str(back.data)


async def test_a_phone_request_uses_the_contact_button_and_reaches_only_the_handler(chat, core, caplog):
    await reported(chat)
    await chat.press(MEMBER, "联系反映人")
    out = await chat.press(MEMBER, "请求电话")
    (ask,) = [r for r in out if r.chat_id == RESIDENT.id]
    assert ask.data["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    contact = {"phone_number": PHONE, "first_name": RESIDENT.name, "user_id": RESIDENT.id}
    out = await chat.feed({"message": chat._message(RESIDENT, contact=contact)})
    (told,) = [r for r in out if r.chat_id == MEMBER.id]
    assert PHONE in told.text
    assert [r.chat_id for r in out if PHONE in str(r.data)] == [MEMBER.id]
    assert PHONE not in caplog.text
    async with core.session_factory() as s:
        notes = (await s.execute(select(OutboxMessage.note))).scalars().all()
        events = (await s.execute(select(TicketEvent.note, TicketEvent.data))).all()
    assert PHONE not in str(notes) and PHONE not in str(events)


async def test_two_messages_before_the_answer_are_both_kept(chat, core):
    await reported(chat)
    await chat.say(RESIDENT, "补充一：杂物是3单元住户堆的")
    await chat.photo(RESIDENT, "more-1")
    out = await chat.press(RESIDENT, "补充到 #1")
    assert "已补充" in chat.texts_to(RESIDENT, out)[-1]
    (event,) = await event_rows(core, "supplement")
    assert "补充一" in event.note
    async with core.session_factory() as s:
        photos = (await s.execute(select(Attachment.file_id).where(Attachment.ticket_id == 1))).scalars().all()
    assert "more-1" in photos


async def test_a_supplement_question_answered_after_it_expired_says_to_send_again(chat, core, clock):
    await reported(chat)
    asked = await chat.say(RESIDENT, MORE)
    (question,) = [r for r in asked if r.chat_id == RESIDENT.id]
    clock.advance(hours=core.settings.dialog_ttl_hours + 1)
    out = await chat.press(RESIDENT, "补充到")
    (alert,) = chat.alerts(out)
    assert "重新发送" in alert
    (redrawn,) = [r for r in out if r.method == "editMessageReplyMarkup"]
    assert redrawn.data["message_id"] == question.result["message_id"] and not buttons(redrawn)
    assert await event_rows(core, "supplement") == [] and not [r for r in out if r.chat_id == MEMBER.id]


async def test_an_urgent_report_asks_once_for_a_number_the_handler_can_call(chat, core):
    out = await reported(chat, "电梯困人了，3号楼，快来")
    # A typed emergency says what 紧急求助 says: the emergency numbers come first.
    (ack,) = [r for r in out if r.chat_id == RESIDENT.id and "已受理" in (r.text or "")]
    assert "紧急事件" in ack.text and "120" in ack.text
    (ask,) = [r for r in out if r.chat_id == RESIDENT.id and "手机号" in (r.text or "")]
    assert ask.data["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    contact = {"phone_number": PHONE, "first_name": RESIDENT.name, "user_id": RESIDENT.id}
    out = await chat.feed({"message": chat._message(RESIDENT, contact=contact)})
    assert [r.chat_id for r in out if PHONE in str(r.data)] == [MEMBER.id]
    # The contact button goes, and the persistent 我要点单 / 紧急求助 buttons come back.
    (saved,) = [r for r in out if r.chat_id == RESIDENT.id]
    assert "紧急求助" in str(saved.data["reply_markup"]["keyboard"])
    # Known now: the next emergency does not ask again.
    out = await chat.say(RESIDENT, "5号楼有人晕倒了")
    assert not [r for r in out if r.chat_id == RESIDENT.id and "手机号" in (r.text or "")]


async def test_an_ordinary_or_anonymous_report_is_not_asked_for_a_number(chat, core):
    out = await reported(chat)
    assert not [r for r in out if "request_contact" in str(r.data.get("reply_markup"))]
    await chat.say(NEIGHBOUR, "/start WT01")
    await chat.say(NEIGHBOUR, "/anonymous on")
    out = await chat.say(NEIGHBOUR, "电梯困人了，8号楼")
    assert any("已受理" in t for t in chat.texts_to(NEIGHBOUR, out))
    assert not [r for r in out if "request_contact" in str(r.data.get("reply_markup"))]


async def test_the_same_report_sent_twice_at_once_opens_one_ticket(chat, core):
    """A double tap on send (or a client resending on a bad line): both copies arrive
    together. The second waits for the first, then is asked 补充 like any message soon after."""
    import asyncio

    await chat.say(RESIDENT, "/start WT01")
    await asyncio.gather(chat.say(RESIDENT, REPORT), chat.say(RESIDENT, REPORT))
    texts = chat.texts_to(RESIDENT)  # all of them: the two copies' handling overlaps in time
    assert await count_tickets(core) == 1
    assert sum("已受理" in t for t in texts) == 1, texts
    assert any("补充" in t for t in texts), texts
    assert len([r for r in chat.session.sent(chat_id=MEMBER.id)]) == 1  # one card
