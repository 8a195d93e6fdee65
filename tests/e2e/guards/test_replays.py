"""Idempotent commands (storage.updates, handlers.guards.replays): an update Telegram sends
again, with the same update_id or as the same chat and message in another update, changes
nothing twice and is not answered twice, for every command that creates something."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from storage.models import (
    Invite,
    Matter,
    ProcessedUpdate,
    ServiceInvite,
    ServiceOrder,
    Ticket,
    TicketEvent,
)
from tests.conftest import CADRE, MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import REPORT
from tests.e2e.residents.test_onboarding import ADMIN
from tests.e2e.services.service_kit import NEED


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(database={"url": db_url}, admins=[ADMIN.id])


async def count(core, model) -> int:
    async with core.session_factory() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def replayed_changes_nothing(chat, core, model) -> None:
    """The last update again: not answered, and no second row of `model`."""
    before = await count(core, model)
    assert await chat.replay() == [], "a replay is not answered"
    assert await count(core, model) == before


@pytest.mark.parametrize(("person", "command", "model"), [
    (CADRE, "/matter WT01 3号楼是否加装电梯？| 同意 | 不同意", Matter),          # 联手说事 draft
    (CADRE, "/volunteer_invite 党员", ServiceInvite),                          # a volunteer's code
    (ADMIN, "/invite 网格员 WT03", Invite),                                    # a staff invitation
])
async def test_a_replayed_creating_command_creates_one(chat, core, person, command, model):
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.say(person, command)
    assert chat.texts_to(person, out) and await count(core, model) == 1
    await replayed_changes_nothing(chat, core, model)


async def test_a_replayed_report_opens_one_ticket_and_says_nothing(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    first = await chat.say(RESIDENT, REPORT)
    assert any("已受理" in t for t in chat.texts_to(RESIDENT, first)) and chat.texts_to(MEMBER, first)
    await replayed_changes_nothing(chat, core, Ticket)
    # The same message in a new update (a second webhook delivery): also nothing.
    again = dict(chat.last_update)
    del again["update_id"]
    assert await chat.feed(again) == [] and await count(core, Ticket) == 1


async def test_a_replayed_press_moves_the_ticket_once(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, REPORT)
    out = await chat.press(MEMBER, "签收")
    assert chat.texts_to(RESIDENT, out)
    await replayed_changes_nothing(chat, core, TicketEvent)
    async with core.session_factory() as s:
        assert (await s.get(Ticket, 1)).state == "accepted"


async def test_a_replayed_order_and_emergency_call_create_one(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, "/order")
    await chat.say(RESIDENT, NEED)
    await chat.press(RESIDENT, "明天")
    assert await count(core, ServiceOrder) == 1
    await replayed_changes_nothing(chat, core, ServiceOrder)
    await chat.say(RESIDENT, "🆘 紧急求助")
    out = await chat.say(RESIDENT, "🆘 直接呼叫（不发位置）")
    assert chat.texts_to(MEMBER, out)
    await replayed_changes_nothing(chat, core, Ticket)


async def test_a_replayed_lookup_is_not_answered_twice(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    assert chat.texts_to(RESIDENT, await chat.say(RESIDENT, "/help"))
    assert await chat.replay() == []


async def test_two_deliveries_of_one_update_at_once_act_once(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(CADRE, "/volunteer_invite 志愿者")
    update = dict(chat.last_update, update_id=chat.last_update["update_id"] + 10_000)
    update["message"] = dict(update["message"], message_id=update["message"]["message_id"] + 10_000)
    before = len(chat.texts_to(CADRE))
    await asyncio.gather(chat.feed(dict(update)), chat.feed(dict(update)))
    assert len(chat.texts_to(CADRE)) == before + 1, "answered once"
    assert await count(core, ServiceInvite) == 2  # the first command's and this one's


async def test_a_handling_that_failed_is_not_recorded_and_runs_again(chat, core, monkeypatch):
    await chat.say(RESIDENT, "/start WT01")
    deps = chat.dp["deps"]
    real = deps.service.report

    async def broken(report):
        raise RuntimeError("database away")

    monkeypatch.setattr(deps.service, "report", broken)
    await chat.say(RESIDENT, REPORT)  # the apology; nothing stored
    assert await count(core, Ticket) == 0
    monkeypatch.setattr(deps.service, "report", real)
    out = await chat.replay()  # Telegram tries again: now it works
    assert any("已受理" in t for t in chat.texts_to(RESIDENT, out)) and await count(core, Ticket) == 1
    assert await count(core, ProcessedUpdate) >= 1


async def test_an_album_sent_again_after_a_crash_is_still_one_report(chat, core):
    """An album's photos are submitted after a pause: their updates are not recorded as done
    on arrival (a crash in the pause must not lose the report); a replay of the whole album
    finds the ticket its first photo opened, and says nothing."""
    await chat.say(RESIDENT, "/start WT01")
    chat.dp["albums"].quiet = 0.05
    album = []
    for i in range(3):
        content = {"photo": [{"file_id": f"album-{i}", "file_unique_id": f"ua-{i}", "width": 1280, "height": 960}],
                   "media_group_id": "g-9"}
        if i == 0:
            content["caption"] = REPORT
        await chat.feed({"message": chat._message(RESIDENT, **content)})
        album.append(chat.last_update)
    await chat.dp["albums"].drain()
    assert await count(core, Ticket) == 1
    before = len(chat.session.requests)
    for update in album:  # Telegram sends the three again
        await chat.replay(update)
    await chat.dp["albums"].drain()
    assert await count(core, Ticket) == 1
    assert chat.session.requests[before:] == [], "neither a second acknowledgement nor a second card"
