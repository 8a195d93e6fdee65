"""Who may press what, stale buttons, bad input and unexpected errors."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import Ticket, TicketEvent
from tests.conftest import (
    CADRE,
    FAR_CADRE,
    FAR_MEMBER,
    MEMBER,
    NEIGHBOUR,
    OTHER_MEMBER,
    RESIDENT,
)
from tests.e2e.residents.test_core_loop import (
    REPORT,
    count_tickets,
    events,
    load,
    reported,
)


async def snapshot(core):
    async with core.session_factory() as s:
        t = await s.get(Ticket, 1)
        n = (await s.execute(select(func.count(TicketEvent.id)))).scalar_one()
        return (t.state, t.version, t.assignee_id, n)


@pytest.mark.parametrize("presser", [OTHER_MEMBER, FAR_MEMBER, FAR_CADRE, RESIDENT, NEIGHBOUR])
@pytest.mark.parametrize("data", ["tk:acc:1", "tk:ret:1", "tk:rsg:1", "as:1:3"])
async def test_forged_staff_buttons_are_refused_and_change_nothing(chat, core, presser, data):
    await reported(chat)
    before = await snapshot(core)
    out = await chat.press_data(presser, data)
    assert chat.alerts(out), "the presser is told why"
    assert not [r for r in out if r.method == "sendMessage" and r.chat_id != presser.id]
    assert await snapshot(core) == before


@pytest.mark.parametrize("data", ["rt:1:y", "rt:1:n", "rt:1:satisfied", "ct:1:0"])
async def test_only_the_reporter_rates_or_recategorises(chat, core, data):
    await reported(chat)
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "已处理")
    before = await snapshot(core)
    for presser in (NEIGHBOUR, FAR_MEMBER):
        out = await chat.press_data(presser, data)
        assert chat.alerts(out)
    assert await snapshot(core) == before


@pytest.mark.parametrize("data", ["tk:acc:abc", "tk:acc", "zz:1", "tk:acc:99999", "as:1:notanid", "ct:1:999", "x" * 64])
async def test_malformed_or_unknown_callback_data_is_answered_politely(chat, core, data):
    await reported(chat)
    before = await snapshot(core)
    out = await chat.press_data(MEMBER, data)
    assert chat.alerts(out)
    assert await snapshot(core) == before


async def test_a_stale_button_never_transitions_twice(chat, core):
    await reported(chat)
    await chat.press(MEMBER, "签收")
    out = await chat.press_data(MEMBER, "tk:acc:1")
    assert "处理中" in chat.alerts(out)[0]
    assert [e[0] for e in await events(core)].count("accept") == 1


async def test_cadre_and_backup_may_act_on_the_grid_ticket(chat, core):
    await reported(chat)
    await chat.press_data(CADRE, "tk:acc:1")
    assert (await load(core)).state == "accepted"


async def test_a_deactivated_member_loses_access_at_once(chat, core):
    from storage.models import Staff

    await reported(chat)
    async with core.session_factory() as s, s.begin():
        member = (await s.execute(select(Staff).where(Staff.telegram_id == MEMBER.id))).scalar_one()
        member.active = False
    out = await chat.press_data(MEMBER, "tk:acc:1")
    assert chat.alerts(out) and (await load(core)).state == "dispatched"


@pytest.mark.parametrize(
    "send, expect",
    [
        (lambda c: c.say(RESIDENT, "   "), "文字"),
        (lambda c: c.say(RESIDENT, "😡😡😡👍"), "没看懂"),
        (lambda c: c.say(RESIDENT, "？？？！！"), "没看懂"),
        (lambda c: c.sticker(RESIDENT), "文字"),
        (lambda c: c.voice(RESIDENT), "语音"),
        (lambda c: c.say(RESIDENT, "/frobnicate"), "/help"),
        (lambda c: c.say(RESIDENT, "/ticket abc"), "/ticket 编号"),
    ],
)
async def test_bad_input_gets_a_clear_reply_and_opens_nothing(chat, core, send, expect):
    await chat.say(RESIDENT, "/start WT01")
    out = await send(chat)
    assert expect in chat.texts_to(RESIDENT, out)[-1]
    assert await count_tickets(core) == 0


async def test_a_very_long_report_is_stored_whole_and_still_routed(chat, core):
    text = "楼道里堆满了杂物，" * 600  # 5,400 characters
    out = await reported(chat, text)
    ticket = await load(core)
    assert ticket.text == text.strip()
    assert "完整保存" in chat.texts_to(RESIDENT, out)[0]
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert len(card.text) < 4096


async def test_report_is_committed_before_the_resident_is_told(chat, core):
    seen = []
    notifier = chat.dp["deps"].notifier
    original = notifier.send_message

    async def spy(chat_id, text, **kwargs):
        if chat_id == RESIDENT.id and "已受理" in text:
            seen.append(await count_tickets(core))
        return await original(chat_id, text, **kwargs)

    notifier.send_message = spy
    await reported(chat)
    assert seen == [1]


async def test_an_error_in_one_update_apologises_and_the_bot_goes_on(chat, core, monkeypatch, caplog):
    await chat.say(RESIDENT, "/start WT01")
    service = chat.dp["deps"].service

    async def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(service, "report", boom)
    out = await chat.say(RESIDENT, REPORT)
    assert "参考号" in chat.texts_to(RESIDENT, out)[0]
    assert "database on fire" in caplog.text and REPORT not in caplog.text
    monkeypatch.undo()
    out = await chat.say(RESIDENT, REPORT)
    assert "已受理" in chat.texts_to(RESIDENT, out)[0]
    assert await count_tickets(core) == 1
