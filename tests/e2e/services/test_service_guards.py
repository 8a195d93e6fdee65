"""Who may press what in the service loop, races, replays and bad input."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from delivery.scripted import Person
from storage.models import (
    PointEntry,
    ServiceMember,
    ServiceOrder,
    ServiceOrderEvent,
    Ticket,
)
from tests.conftest import CADRE, FAR_CADRE, MEMBER, NEIGHBOUR, RESIDENT, local_day
from tests.e2e.services.service_kit import (
    FAR_VOLUNTEER,
    PARTY,
    SECRETARY,
    VOLUNTEER,
    community,
    invite_code,
    ledger_rows,
    load,
    order,
    order_events,
    points_of,
    register,
)



@pytest.fixture
def settings(db_url) -> Settings:
    # Quick presses in a row: the flood guard is tested on its own.
    return Settings(database={"url": db_url}, limits={"flood_updates": 0})


async def snapshot(core):
    async with core.session_factory() as s:
        orders = [(o.id, o.state, o.version, o.taker_id) for o in (await s.execute(select(ServiceOrder))).scalars()]
        counts = [(await s.execute(select(func.count(m.id)))).scalar_one()
                  for m in (ServiceOrderEvent, PointEntry, Ticket, ServiceMember)]
        return orders, counts


async def published(chat, core) -> None:
    await community(chat)
    await order(chat)
    await chat.press(CADRE, "通过发布")


async def test_only_the_communitys_cadre_reviews(chat, core):
    await community(chat)
    await order(chat)
    await order(chat, "帮忙代买点菜")
    before = await snapshot(core)
    for presser in (FAR_CADRE, MEMBER, PARTY, RESIDENT, NEIGHBOUR, FAR_VOLUNTEER):
        for data in ("sr:ok:1", "sr:no:1", "sr:mg:1", "sr:tk:1", "sm:1:2:0"):
            out = await chat.press_data(presser, data)
            assert "无权" in chat.alerts(out)[0], (presser, data)
            assert not [r for r in out if r.method == "sendMessage" and r.chat_id != presser.id]
    assert await snapshot(core) == before


async def test_a_branch_secretary_reviews_too(chat, core):
    await community(chat)
    await register(chat, SECRETARY, kind="支部书记")
    out = await order(chat)
    assert [r for r in out if r.chat_id == SECRETARY.id]  # told of the new order
    await chat.press(SECRETARY, "通过发布")
    assert (await load(core)).state == "published"
    # A secretary invites members, but not another secretary.
    out = await chat.say(SECRETARY, "/volunteer_invite 支部书记")
    assert "svc_" not in chat.texts_to(SECRETARY, out)[0]
    assert "svc_" in await invite_code(chat, SECRETARY, "党员")


async def test_only_registered_members_of_the_community_take(chat, core):
    await published(chat, core)
    before = await snapshot(core)
    for presser in (FAR_VOLUNTEER, MEMBER, CADRE, NEIGHBOUR, FAR_CADRE):
        out = await chat.press_data(presser, "sd:take:1")
        assert "无权" in chat.alerts(out)[0], presser
    assert await snapshot(core) == before


async def test_a_member_cannot_take_their_own_order(chat, core):
    await community(chat)
    await register(chat, RESIDENT)
    await order(chat)
    out = await chat.press(CADRE, "通过发布")
    assert not [r for r in out if r.chat_id == RESIDENT.id and "接单" in str(r.data.get("reply_markup"))]
    out = await chat.press_data(RESIDENT, "sd:take:1")
    assert "自己" in chat.alerts(out)[0]
    assert (await load(core)).state == "published"


async def test_two_members_pressing_at_once_exactly_one_takes_it(chat, core):
    await published(chat, core)
    outs = await asyncio.gather(chat.press_data(PARTY, "sd:take:1"), chat.press_data(VOLUNTEER, "sd:take:1"))
    o = await load(core)
    assert o.state == "taken"
    assert (await order_events(core)).count("take") == 1
    # Each press's output is what was sent while it ran: concurrent, they overlap. Count each
    # request once.
    alerts = chat.alerts(list({id(r): r for out in outs for r in out}.values()))
    assert sum("已被其他人接单" in a for a in alerts) == 1
    async with core.session_factory() as s:
        winner = await s.get(ServiceMember, o.taker_id)
    assert winner.telegram_id in (PARTY.id, VOLUNTEER.id)


async def test_only_the_taker_completes_or_abandons_and_only_the_requester_rates(chat, core):
    await published(chat, core)
    await chat.press(PARTY, "接单")
    before = await snapshot(core)
    for presser, data in [(VOLUNTEER, "sd:done:1"), (VOLUNTEER, "sd:drop:1"), (CADRE, "sd:drop:1"),
                          (RESIDENT, "sd:done:1"), (PARTY, "sq:1:satisfied"), (NEIGHBOUR, "sq:1:satisfied")]:
        out = await chat.press_data(presser, data)
        assert chat.alerts(out), (presser, data)
    assert await snapshot(core) == before
    await chat.press(PARTY, "完成")
    await chat.say(PARTY, "送到了")
    before = await snapshot(core)
    for presser in (PARTY, NEIGHBOUR, CADRE, VOLUNTEER):
        out = await chat.press_data(presser, "sq:1:dissatisfied")
        assert "无权" in chat.alerts(out)[0]
    assert await snapshot(core) == before


async def test_points_are_never_awarded_twice(chat, core):
    await published(chat, core)
    await chat.press(PARTY, "接单")
    await chat.press(PARTY, "完成")
    await chat.say(PARTY, "送到了")
    rows = await ledger_rows(core)
    # The same 完成 again (a replayed button, a note typed twice): refused, nothing added.
    out = await chat.press_data(PARTY, "sd:done:1")
    assert "已完成" in chat.alerts(out)[0]
    await chat.say(PARTY, "送到了")  # no dialog open any more: it goes to the report path
    assert await ledger_rows(core) == rows
    out = await chat.press_data(RESIDENT, "sq:1:satisfied")
    for _ in range(3):  # the same rating replayed
        out = await chat.press_data(RESIDENT, "sq:1:satisfied")
        assert chat.alerts(out)
    assert await points_of(core, PARTY.id) == 15
    assert await ledger_rows(core) == rows + 1
    # The same update delivered twice (Telegram may): one rating event.
    assert (await order_events(core)).count("rate") == 1


async def test_malformed_or_unknown_service_buttons_are_answered_politely(chat, core):
    await published(chat, core)
    before = await snapshot(core)
    for data in ("sd:take:abc", "sd:take", "sd:zz:1", "sd:take:99999", "sd:take:" + "9" * 40, "sq:1:great",
                 "sr:ok:-1", "sm:1:notanid", "sm:1:" + "9" * 30, "sn:yesterday", "so:x:1", "sx:send:1",
                 "sx:close:" + "9" * 25, "sj:1:5", "sj:" + "9" * 30 + ":1", "sv:1"):
        out = await chat.press_data(PARTY, data)
        assert chat.alerts(out), data
        assert not [a for a in chat.alerts(out) if "参考号" in a], data
    assert await snapshot(core) == before


async def test_bad_input_in_the_order_dialog(chat, core):
    await community(chat)
    await chat.say(RESIDENT, "/order")
    out = await chat.say(RESIDENT, "😀😀")
    assert "文字" in chat.texts_to(RESIDENT, out)[0]
    await chat.say(RESIDENT, "帮忙修一下水龙头")
    for bad in ("下辈子", "2020-01-01", "13月40日", "2099-01-01"):
        out = await chat.say(RESIDENT, bad)
        assert "日期" in chat.texts_to(RESIDENT, out)[0]
    out = await chat.sticker(RESIDENT)
    assert "日期" in chat.texts_to(RESIDENT, out)[0]
    week_on = local_day(core.service.clock(), 7)
    out = await chat.say(RESIDENT, f"{week_on.month}月{week_on.day}日")
    assert "#1" in chat.texts_to(RESIDENT, out)[0]
    o = await load(core)
    assert o.needed == "date" and o.needed_on == week_on
    # A stranger with no grid is sent to /start before typing anything.
    out = await chat.say(Person(912345, "路人"), "/order 帮我买菜")
    assert "/start" in chat.texts_to(Person(912345, "路人"), out)[0]


async def test_registration_codes_and_leaving(chat, core):
    await community(chat)
    out = await chat.say(NEIGHBOUR, "/join svc_ThisCodeDoesNotExist123")
    assert "无效" in chat.texts_to(NEIGHBOUR, out)[0]
    out = await chat.say(NEIGHBOUR, "/volunteer_invite 党员")
    assert "svc_" not in chat.texts_to(NEIGHBOUR, out)[0]
    out = await chat.say(FAR_CADRE, "/volunteer_invite 党员 XF-WT")  # another community's cadre
    assert "svc_" not in chat.texts_to(FAR_CADRE, out)[0]
    # A request the cadre approves.
    await chat.say(NEIGHBOUR, "/volunteer")
    out = await chat.press(NEIGHBOUR, "梧桐社区·志愿者")
    (card,) = [r for r in out if r.chat_id == CADRE.id]
    out = await chat.press_data(FAR_CADRE, card.data["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    assert "无权" in chat.alerts(out)[0]
    out = await chat.press(CADRE, "同意")
    assert any("已通过" in t for t in chat.texts_to(NEIGHBOUR, out))
    # Leaving is refused while holding an order, allowed after.
    await order(chat)
    await chat.press(CADRE, "通过发布")
    await chat.press_data(NEIGHBOUR, "sd:take:1")
    out = await chat.say(NEIGHBOUR, "/leave")
    assert "服务中" in chat.texts_to(NEIGHBOUR, out)[0]
    await chat.press_data(NEIGHBOUR, "sd:dropok:1")
    out = await chat.say(NEIGHBOUR, "/leave")
    assert "已退出" in chat.texts_to(NEIGHBOUR, out)[0]
    out = await chat.press_data(NEIGHBOUR, "sd:take:1")
    assert "无权" in chat.alerts(out)[0]


async def test_a_resident_cannot_flood_the_cadre_with_orders(chat, core):
    await community(chat)
    for i in range(10):
        await order(chat, f"帮忙买点菜 {i}")
    out = await order(chat, "再帮忙买点菜")
    assert "一小时内" in chat.texts_to(RESIDENT, out)[0]
    async with core.session_factory() as s:
        assert (await s.execute(select(func.count(ServiceOrder.id)))).scalar_one() == 10
