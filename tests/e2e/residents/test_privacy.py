"""Privacy through the Dispatcher: anonymous reports, a shared phone number (full for the
handler, masked elsewhere, never logged), /privacy and deleting one's data, and who sees
which tickets."""
from __future__ import annotations

import logging

from sqlalchemy import select

from delivery.scripted import Person
from storage.models import Resident, ServiceOrder, Ticket, TicketEvent
from tests.conftest import (
    BACKUP,
    CADRE,
    FAR_CADRE,
    FAR_MEMBER,
    MEMBER,
    NEIGHBOUR,
    OTHER_MEMBER,
    RESIDENT,
)
from tests.e2e.residents.test_core_loop import REPORT, load, reported
from tests.e2e.services.service_kit import VOLUNTEER, register
from tests.e2e.services.service_kit import order as place_order

PHONE, MASKED = "+8613812345678", "138****5678"


async def share_contact(chat, person: Person, phone: str = PHONE, user_id: int | None = None):
    contact = {"phone_number": phone, "first_name": person.name, "user_id": user_id or person.id}
    return await chat.feed({"message": chat._message(person, contact=contact)})


async def test_an_anonymous_report_shows_no_name_to_anyone(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await share_contact(chat, RESIDENT)
    out = await chat.say(RESIDENT, "/anonymous on")
    assert "已开启匿名反映" in chat.texts_to(RESIDENT, out)[0]
    out = await chat.say(RESIDENT, REPORT)
    assert "匿名反映" in chat.texts_to(RESIDENT, out)[0]
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert "反映人：匿名" in card.text and RESIDENT.name not in card.text and "5678" not in card.text
    for staff in (MEMBER, CADRE):
        text = "\n".join(chat.texts_to(staff, await chat.say(staff, "/ticket 1")))
        assert "居民（匿名）" in text and RESIDENT.name not in text and "5678" not in text
    async with core.session_factory() as s:
        opening = (await s.execute(select(TicketEvent).where(TicketEvent.action == "open"))).scalar_one()
        assert opening.actor_name == ""
    # Staff still reach the resident through the bot.
    out = await chat.press(MEMBER, "签收")
    assert "已由网格员" in chat.texts_to(RESIDENT, out)[0]


async def test_the_phone_is_full_for_the_handler_and_masked_for_other_staff(chat, core, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="aiosqlite")  # as `gridbot -v` sets it: its lines carry SQL parameters
    await chat.say(RESIDENT, "/start WT01")
    out = await share_contact(chat, RESIDENT)
    assert MASKED in chat.texts_to(RESIDENT, out)[0]
    out = await chat.say(RESIDENT, REPORT)
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert PHONE in card.text and RESIDENT.name in card.text
    assert PHONE in "\n".join(chat.texts_to(BACKUP, await chat.say(BACKUP, "/ticket 1"))), "the backup stands in"
    cadre_view = "\n".join(chat.texts_to(CADRE, await chat.say(CADRE, "/ticket 1")))
    assert MASKED in cadre_view and PHONE not in cadre_view
    tasks = "\n".join(chat.texts_to(CADRE, await chat.say(CADRE, "/tasks")))
    assert MASKED in tasks and PHONE not in tasks
    # Returned to the cadre, the cadre handles it now: the full number is theirs.
    await chat.press(MEMBER, "退回")
    out = await chat.say(MEMBER, "不归我们网格")
    (returned,) = [r for r in out if r.chat_id == CADRE.id]
    assert PHONE in returned.text
    assert "13812345678" not in caplog.text and "5678" not in caplog.text


async def test_only_ones_own_contact_is_taken(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    out = await share_contact(chat, RESIDENT, user_id=NEIGHBOUR.id)
    assert "只能分享您自己的手机号" in chat.texts_to(RESIDENT, out)[0]
    out = await share_contact(chat, RESIDENT, phone="abc")
    assert "没有保存" in chat.texts_to(RESIDENT, out)[0]
    async with core.session_factory() as s:
        assert (await s.execute(select(Resident.phone))).scalars().all() == [None]
    out = await chat.say(RESIDENT, "/phone")
    keyboard = out[-1].data["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_contact"] is True
    await share_contact(chat, RESIDENT)
    await chat.say(RESIDENT, "/phone off")
    async with core.session_factory() as s:
        assert (await s.execute(select(Resident.phone))).scalars().all() == [None]


async def test_privacy_shows_what_is_stored_and_deletes_it_leaving_anonymous_tickets(chat, core):
    await reported(chat)
    await share_contact(chat, RESIDENT)
    out = await chat.say(RESIDENT, "/privacy")
    (info,) = chat.texts_to(RESIDENT, out)
    assert MASKED in info and "梧桐一网格" in info and "1 件" in info and PHONE not in info
    out = await chat.press(RESIDENT, "删除我的数据")
    assert "无法撤销" in chat.texts_to(RESIDENT, out)[0]
    out = await chat.press(RESIDENT, "确认删除")
    assert "1 件工单已匿名化" in chat.texts_to(RESIDENT, out)[0]
    async with core.session_factory() as s:
        resident = (await s.execute(select(Resident))).scalar_one()
        assert (resident.telegram_id, resident.name, resident.phone, resident.grid_id) == (-resident.id, "", None, None)
        ticket = (await s.execute(select(Ticket))).scalar_one()
        assert ticket.anonymous and ticket.source_chat_id != RESIDENT.id and ticket.text == REPORT
        opening = (await s.execute(select(TicketEvent))).scalars().first()
        assert (opening.actor_telegram_id, opening.actor_name) == (None, "")
    assert "还没有反映过问题" in chat.texts_to(RESIDENT, await chat.say(RESIDENT, "/my"))[0]
    assert "没有找到工单 #1" in chat.texts_to(RESIDENT, await chat.say(RESIDENT, "/ticket 1"))[0]
    # The ticket goes on; nobody tries to tell the person who left.
    out = await chat.press(MEMBER, "签收")
    assert (await load(core)).state == "accepted"
    assert not [r for r in out if r.chat_id in (RESIDENT.id, 0)]
    assert "反映人：匿名" in "\n".join(chat.texts_to(MEMBER, await chat.say(MEMBER, "/ticket 1")))
    # They can start afresh as a new resident.
    await chat.say(RESIDENT, "/start WT02")
    assert "没有找到工单 #1" in chat.texts_to(RESIDENT, await chat.say(RESIDENT, "/ticket 1"))[0]


async def test_privacy_buttons_work_once_and_only_for_the_one_who_asked(chat, core):
    await reported(chat)
    await chat.say(RESIDENT, "/privacy")
    data = chat.session.sent(chat_id=RESIDENT.id)[-1].data["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    assert data.startswith("pv:ask:")
    out = await chat.press_data(NEIGHBOUR, data)
    assert chat.alerts(out) == ["这个按钮已失效。"]
    await chat.press(RESIDENT, "开启匿名反映")
    out = await chat.press_data(RESIDENT, data)  # the old button: its nonce is spent
    assert chat.alerts(out) == ["这个按钮已失效。"]
    async with core.session_factory() as s:
        resident = (await s.execute(select(Resident).where(Resident.telegram_id == RESIDENT.id))).scalar_one()
        assert resident.anonymous and resident.erased_at is None


async def test_each_sees_only_their_own_or_their_units_tickets(chat, core):
    await reported(chat)
    await chat.say(NEIGHBOUR, "/start FL01")
    await chat.say(NEIGHBOUR, "小区门口的路灯坏了好几天")
    for person, ticket in ((NEIGHBOUR, 1), (RESIDENT, 2), (FAR_MEMBER, 1), (FAR_CADRE, 1), (OTHER_MEMBER, 2), (MEMBER, 2)):
        out = await chat.say(person, f"/ticket {ticket}")
        assert f"没有找到工单 #{ticket}" in chat.texts_to(person, out)[0], (person, ticket)
    my = "\n".join(chat.texts_to(RESIDENT, await chat.say(RESIDENT, "/my")))
    assert "#1" in my and "#2" not in my
    assert "没有待办" in chat.texts_to(RESIDENT, await chat.say(RESIDENT, "/tasks"))[0]
    far = "\n".join(chat.texts_to(FAR_CADRE, await chat.say(FAR_CADRE, "/tasks")))
    assert "#2" in far and "#1" not in far
    near = "\n".join(chat.texts_to(CADRE, await chat.say(CADRE, "/tasks")))
    assert "#1" in near and "#2" not in near


async def test_privacy_says_what_deleting_does_to_open_service_orders_and_it_does_that(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await register(chat, VOLUNTEER)
    await place_order(chat, "想请志愿者帮忙代买降压药，腿脚不便")
    await chat.press(CADRE, "通过发布")
    out = await chat.say(RESIDENT, "/privacy")
    (info,) = chat.texts_to(RESIDENT, out)
    assert "点单" in info and "1 件（其中未结束 1 件）" in info
    assert "点单的内容会被删除" in info and "不会自动撤销" in info and "/orders" in info
    out = await chat.press(RESIDENT, "删除我的数据")
    (confirm,) = chat.texts_to(RESIDENT, out)
    assert "1 件点单的内容会被删除" in confirm and "未结束的 1 件不会自动撤销" in confirm
    await chat.press(RESIDENT, "确认删除")
    # As said: the words are gone, the order is not withdrawn, and nobody can reach the resident.
    async with core.session_factory() as s:
        order = await s.get(ServiceOrder, 1)
    assert order.text == "" and order.state == "published"
    out = await chat.press(VOLUNTEER, "接单")
    assert not [r for r in out if r.chat_id == RESIDENT.id]
