"""Broadcasts to residents (issue 16, item 7): 联手说事 polls, their results (晒) and the new-order
notice to a community's members each say who is asking ("梧桐社区·联手说事") and until when, and
keep quiet hours (settings.quiet_hours, 22:00-07:30): one written at 07:22 waits in the outbox
and its sweep sends it once they end. A resident's own business (an acknowledgement, the
grid member's card) is not a broadcast and goes at once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.jobs.outbox import OutboxSender
from delivery.notifier import Notifier
from storage.models import Matter, MatterPoll, OutboxMessage
from tests.conftest import CADRE, MEMBER, NEIGHBOUR, RESIDENT, local_day
from tests.e2e.residents.test_core_loop import REPORT
from tests.e2e.services.service_kit import PARTY, VOLUNTEER, community, load, order, to
from tests.e2e.services.test_service_extras import WT02_RESIDENT

PREFACE = "梧桐社区·联手说事"


def sweeper(chat, core) -> OutboxSender:
    notifier = Notifier(chat.bot, per_chat_interval=0, global_per_s=1_000_000)
    return OutboxSender(core.session_factory, notifier, core.tz, clock=core.service.clock, languages=core.languages)


def to_0722(clock) -> None:
    """From the suite's Monday 09:00 (Shanghai) to Tuesday 07:22: inside quiet hours."""
    clock.advance(hours=22, minutes=22)


def day(at, days: int = 0) -> str:
    d = local_day(at, days)
    return f"{d.month}月{d.day}日"


async def sent_since(chat, before: int, method: str = "sendMessage"):
    return [r for r in chat.session.requests[before:] if r.method == method]


async def residents(chat) -> None:
    for person, grid in ((RESIDENT, "WT01"), (NEIGHBOUR, "WT01"), (WT02_RESIDENT, "WT02")):
        await chat.say(person, f"/start {grid}")


async def test_a_poll_written_at_0722_reaches_nobody_before_quiet_hours_end_and_everyone_after(chat, core, clock):
    await residents(chat)
    to_0722(clock)
    await chat.say(CADRE, "/matter 周末开展楼道清洁日？| 参加 | 不参加")
    out = await chat.press(CADRE, "发送")
    assert not [r for r in out if r.method == "sendPoll"]
    (held,) = chat.texts_to(CADRE, out)[-1:]
    assert "休息时段" in held and "07:30" in held and "3 位居民" in held
    sweep = sweeper(chat, core)
    clock.advance(minutes=7)  # 07:29
    before = len(chat.session.requests)
    await sweep.deliver_once()
    assert not await sent_since(chat, before, "sendPoll")

    clock.advance(minutes=2)  # 07:31: quiet hours are over (and the sweep's lease after them)
    await sweep.deliver_once()
    polls = await sent_since(chat, before, "sendPoll")
    assert {r.chat_id for r in polls} == {RESIDENT.id, NEIGHBOUR.id, WT02_RESIDENT.id}
    # The matter runs its 72 hours from when the polls went out: 07:30 three days on.
    until = f"投票截至 {day(clock.now, 3)} 07:30"
    for r in polls:
        question = r.data["question"]
        assert question.startswith("📣 " + PREFACE) and "周末开展楼道清洁日？" in question and until in question
        assert len(question) <= 300
    async with core.session_factory() as s:
        m = (await s.execute(select(Matter))).scalar_one()
        assert m.closes_at.astimezone(core.tz).hour == 7 and m.closes_at - clock.now < timedelta(hours=72)
        assert len((await s.execute(select(MatterPoll))).scalars().all()) == 3
    before = len(chat.session.requests)
    await sweep.deliver_once()
    assert not await sent_since(chat, before, "sendPoll")  # once each


async def test_a_poll_sent_by_day_goes_at_once_and_says_who_asks_and_until_when(chat, core, clock):
    await residents(chat)
    await chat.say(CADRE, "/matter WT01 3号楼是否加装电梯？| 同意 | 不同意")
    out = await chat.press(CADRE, "发送")
    polls = [r for r in out if r.method == "sendPoll"]
    assert {r.chat_id for r in polls} == {RESIDENT.id, NEIGHBOUR.id}
    assert all(PREFACE in r.data["question"] and f"投票截至 {day(clock.now, 3)} 09:00" in r.data["question"]
               for r in polls)
    assert "已发给 2 位居民" in chat.texts_to(CADRE, out)[-1]


async def test_a_result_published_at_night_waits_for_the_morning_and_says_who_and_when(chat, core, clock):
    await residents(chat)
    await chat.say(CADRE, "/matter WT01 3号楼是否加装电梯？| 同意 | 不同意")
    await chat.press(CADRE, "发送")
    clock.advance(hours=14)  # Monday 23:00
    out = await chat.say(CADRE, "/close_matter 1")
    assert not [r for r in out if r.chat_id in (RESIDENT.id, NEIGHBOUR.id)]
    texts = chat.texts_to(CADRE, out)
    assert "议事结果" in texts[0] and PREFACE in texts[0] and "休息时段" in texts[-1] and "07:30" in texts[-1]
    sweep = sweeper(chat, core)
    before = len(chat.session.requests)
    await sweep.deliver_once()
    assert not await sent_since(chat, before)
    clock.advance(hours=8, minutes=31)  # Tuesday 07:31
    await sweep.deliver_once()
    results = await sent_since(chat, before)
    assert {r.chat_id for r in results} == {RESIDENT.id, NEIGHBOUR.id}
    for r in results:
        assert PREFACE in r.text and "议事结果" in r.text and f"投票已于 {day(clock.now, -1)} 23:00 截止" in r.text
    async with core.session_factory() as s:
        rows = (await s.execute(select(OutboxMessage).where(OutboxMessage.kind == "matter.result"))).scalars().all()
        assert {(r.chat_id, r.outcome) for r in rows} == {(RESIDENT.id, "sent"), (NEIGHBOUR.id, "sent")}


async def test_a_new_order_approved_at_0722_reaches_the_members_after_quiet_hours(chat, core, clock):
    await community(chat)
    await order(chat)  # needed 明天: Tuesday
    to_0722(clock)
    out = await chat.press(CADRE, "通过发布")
    assert "休息时段" in chat.alerts(out)[0] and "07:30" in chat.alerts(out)[0]
    assert not to(out, PARTY) and not to(out, VOLUNTEER)
    assert (await load(core)).state == "published"
    sweep = sweeper(chat, core)
    before = len(chat.session.requests)
    clock.advance(minutes=7)  # 07:29
    await sweep.deliver_once()
    assert not await sent_since(chat, before)
    clock.advance(minutes=2)  # 07:31
    await sweep.deliver_once()
    notices = await sent_since(chat, before)
    assert {r.chat_id for r in notices} == {PARTY.id, VOLUNTEER.id}
    for r in notices:
        assert "梧桐社区·居民点单" in r.text and f"（{day(clock.now)}）" in r.text  # needed by: that day
        assert [b["text"] for row in r.data["reply_markup"]["inline_keyboard"] for b in row] == ["🙋 接单"]


@pytest.mark.parametrize("when", ["by day", "at 07:22"])
async def test_an_order_published_by_day_goes_at_once_with_who_asks(chat, core, clock, when):
    await community(chat)
    await order(chat)
    if when == "at 07:22":
        to_0722(clock)
        clock.advance(minutes=8)  # 07:30: quiet hours just ended
    out = await chat.press(CADRE, "通过发布")
    assert all("梧桐社区·居民点单" in r.text for r in to(out, PARTY) + to(out, VOLUNTEER))
    assert to(out, PARTY) and to(out, VOLUNTEER)


async def test_a_residents_own_report_at_0722_is_answered_and_dispatched_at_once(chat, core, clock):
    await chat.say(RESIDENT, "/start WT01")
    to_0722(clock)
    out = await chat.say(RESIDENT, REPORT)
    assert any("工单号" in t for t in chat.texts_to(RESIDENT, out))
    assert any("新工单" in t for t in chat.texts_to(MEMBER, out))
    await chat.say(RESIDENT, "/order")
    await chat.say(RESIDENT, "家里水龙头坏了，想请人帮忙修一下")
    out = await chat.press(RESIDENT, "今天")
    assert any("已收到您的点单" in t for t in chat.texts_to(RESIDENT, out))
    assert any("新点单" in t for t in chat.texts_to(CADRE, out))  # the reviewers' card is not a broadcast
