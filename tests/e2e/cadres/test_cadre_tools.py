"""Cadre tools through the Dispatcher: /overdue with 催办, 吹哨报到 to a department and its
签收/办结, 改类, duplicates (follow / insist), /merge, /stats, /export; and refusals."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from delivery.scripted import Person, buttons
from storage.models import Rating, Staff, Ticket, TicketEvent, TicketFollower, Unit
from tests.conftest import (
    CADRE,
    FAR_CADRE,
    MEMBER,
    NEIGHBOUR,
    OTHER_MEMBER,
    RESIDENT,
    STAFF_IDS,
    local_day,
)
from tests.e2e.residents.test_core_loop import REPORT, load

FIRE = Person(740091, "消防联络员", "部门")
ENV = Person(740092, "环保联络员", "部门")
THIRD = Person(900003, "王阿姨")
STREET_CADRE = Person(700001, "赵主任", "街道干部")
SH = timezone(timedelta(hours=8))


async def add_department(core, name: str, contact: Person) -> int:
    """As the issue-5 import makes them: a unit of kind department under the street, and its contact."""
    async with core.session_factory() as s, s.begin():
        street = (await s.execute(select(Unit).where(Unit.code == "XF"))).scalar_one()
        unit = Unit(code=f"T-{contact.id}", name=name, kind="department", parent_id=street.id, active=True)
        s.add(unit)
        await s.flush()
        s.add(Staff(telegram_id=contact.id, name=contact.name, role="department", unit_id=unit.id,
                    is_backup=False, active=True))
        return unit.id


@pytest.fixture
async def departments(core, chat):
    chat.session.reachable(FIRE.id, ENV.id)  # contacts started the bot when invited, as staff do
    return await add_department(core, "消防", FIRE), await add_department(core, "环保", ENV)


async def report(chat, core, who: Person = RESIDENT, text: str = REPORT, category: str | None = None) -> int:
    await chat.say(who, "/start WT01")
    out = await chat.say(who, text)
    if any(label == "这是新问题" for r in out for label, _ in buttons(r)):  # a second report within minutes
        await chat.press(who, "这是新问题")
    async with core.session_factory() as s, s.begin():
        ticket_id = (await s.execute(select(func.max(Ticket.id)))).scalar_one()
        if category:  # the classifier's choice is not what these tests are about
            await s.execute(update(Ticket).where(Ticket.id == ticket_id).values(category=category))
    return ticket_id


async def snapshot(core):
    async with core.session_factory() as s:
        tickets = [(t.id, t.state, t.version, t.category, t.department_id, t.merged_into_id)
                   for t in (await s.execute(select(Ticket).order_by(Ticket.id))).scalars()]
        events = (await s.execute(select(func.count(TicketEvent.id)))).scalar_one()
        followers = (await s.execute(select(func.count(TicketFollower.id)))).scalar_one()
    return tickets, events, followers


async def event_rows(core, ticket_id: int) -> list[TicketEvent]:
    async with core.session_factory() as s:
        q = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        return list((await s.execute(q)).scalars())


def labels(request) -> list[str]:
    return [t for t, _ in buttons(request)]


# -- 吹哨报到 --------------------------------------------------------------------------------

async def test_escalation_to_a_department_and_its_sign_in_and_resolution(chat, core, departments, clock):
    fire_id, _ = departments
    await report(chat, core, category="消防安全")
    out = await chat.say(CADRE, "/ticket 1")
    assert "📯 吹哨" in labels(out[-1]) and "🏷 改类" in labels(out[-1])
    out = await chat.press(CADRE, "吹哨")
    options = labels(out[-1])
    assert options[0] == "消防（推荐）" and "环保" in options  # the category's department first
    out = await chat.press(CADRE, "消防（推荐）")

    ticket = await load(core)
    assert ticket.state == "escalated" and ticket.department_id == fire_id and ticket.escalated_at == clock.now
    # Monday 09:00 + the department's 5 working days: the next Monday 09:00 (local).
    assert ticket.resolve_deadline == clock.now + timedelta(days=7)
    escalate = (await event_rows(core, 1))[-1]
    assert (escalate.action, escalate.to_state, escalate.data["department"]) == ("escalate", "escalated", "消防")
    (card,) = [r for r in out if r.chat_id == FIRE.id]
    monday = local_day(clock.now, 7)
    assert "吹哨报到" in card.text and "钱书记" in card.text and f"{monday.month}月{monday.day}日" in card.text
    assert labels(card) == ["✅ 签收", "🏁 办结"]
    assert any("消防" in t and "吹哨" in t for t in chat.texts_to(RESIDENT, out))
    assert any("消防" in t for t in chat.texts_to(MEMBER, out))
    assert not [r for r in out if r.chat_id == ENV.id]

    out = await chat.press(FIRE, "签收")
    ticket = await load(core)
    assert ticket.state == "escalated" and ticket.department_accepted_at == clock.now
    assert any("消防" in t and "签收" in t for t in chat.texts_to(RESIDENT, out))
    out = await chat.press_data(FIRE, "tl:dacc:1")  # a second 签收 changes nothing
    assert chat.alerts(out) and [e.action for e in await event_rows(core, 1)].count("accept") == 1

    await chat.press(FIRE, "办结")
    out = await chat.say(FIRE, "已清理通道内杂物并约谈物业")
    ticket = await load(core)
    assert ticket.state == "resolved" and ticket.resolved_at == clock.now
    (notice,) = [r for r in out if r.chat_id == RESIDENT.id]
    assert "约谈物业" in notice.text and labels(notice) == ["已解决", "未解决"]


async def test_a_department_contact_acts_only_on_tickets_escalated_to_it(chat, core, departments):
    fire_id, env_id = departments
    await report(chat, core, category="消防安全")
    before = await snapshot(core)
    for data in ("tk:acc:1", "tk:res:1", "tl:dacc:1", "tl:esc:1", f"es:1:{fire_id}", "tk:rsg:1"):
        out = await chat.press_data(FIRE, data)
        assert chat.alerts(out), data
    assert await snapshot(core) == before
    await chat.press_data(CADRE, f"es:1:{fire_id}")
    before = await snapshot(core)
    for data in ("tl:dacc:1", "tk:res:1", "tk:ret:1"):  # another department's contact
        out = await chat.press_data(ENV, data)
        assert chat.alerts(out), data
    out = await chat.press_data(FIRE, "tk:ret:1")  # 退回 is not the department's to press
    assert chat.alerts(out)
    assert await snapshot(core) == before
    out = await chat.say(ENV, "/ticket 1")
    assert "没有找到" in out[-1].text
    out = await chat.say(FIRE, "/ticket 1")
    assert "处理记录" in out[-1].text


@pytest.mark.parametrize("presser", [RESIDENT, NEIGHBOUR, MEMBER, OTHER_MEMBER, FAR_CADRE])
async def test_cadre_buttons_are_refused_to_others_and_change_nothing(chat, core, departments, presser):
    fire_id, _ = departments
    await report(chat, core, category="消防安全")
    await report(chat, core, NEIGHBOUR, "小区门口的路灯坏了，晚上很黑")
    before = await snapshot(core)
    for data in ("tl:esc:1", f"es:1:{fire_id}", "tl:remind:1", "tl:merge:2", "mg:2:1", "tl:dacc:1"):
        out = await chat.press_data(presser, data)
        assert chat.alerts(out), (presser.name, data)
        assert not [r for r in out if r.method == "sendMessage" and r.chat_id != presser.id]
    out = await chat.say(presser, "/merge 2 1")
    assert "无权" in out[-1].text or "没有找到" in out[-1].text
    assert await snapshot(core) == before


async def test_a_forged_department_id_is_refused(chat, core, departments):
    await report(chat, core)
    async with core.session_factory() as s:
        grid = (await s.execute(select(Unit).where(Unit.code == "WT02"))).scalar_one()
    before = await snapshot(core)
    out = await chat.press_data(CADRE, f"es:1:{grid.id}")  # a unit, but not a department
    assert chat.alerts(out) and await snapshot(core) == before


# -- /overdue and 催办 ----------------------------------------------------------------------------

async def test_overdue_lists_worst_first_and_remind_reaches_the_assignee(chat, core, clock):
    await report(chat, core)  # Monday 09:00: 办结 by Thursday 09:00
    clock.advance(days=1)
    await report(chat, core, NEIGHBOUR, "小区门口的路灯坏了，晚上很黑")  # by Friday 09:00
    await chat.press_data(MEMBER, "tk:acc:1")
    await chat.press_data(MEMBER, "tk:acc:2")
    clock.advance(days=2, hours=1)  # Thursday 10:00: #1 an hour late, #2 due within a day
    out = await chat.say(CADRE, "/overdue")
    texts = chat.texts_to(CADRE, out)
    assert "超期 <b>1</b> 件" in texts[0] and "到期 <b>1</b> 件" in texts[0]
    cards = [r for r in out if r.chat_id == CADRE.id][1:]
    assert ["#1" in cards[0].text, "#2" in cards[1].text] == [True, True]
    assert "🔴" in cards[0].text and "已超期1小时" in cards[0].text and "🟡" in cards[1].text
    assert labels(cards[0]) == ["📄 打开", "📣 催办", "🔀 转派", "📯 吹哨"]

    out = await chat.press_data(CADRE, buttons(cards[0])[1][1])
    (prod,) = [r for r in out if r.chat_id == MEMBER.id]
    assert "催办" in prod.text and "钱书记" in prod.text and "#1" in prod.text and labels(prod)
    remind = (await event_rows(core, 1))[-1]
    assert (remind.action, remind.actor_name, remind.data) == ("remind", "钱书记", {"to": [MEMBER.id]})
    out = await chat.press_data(CADRE, buttons(cards[0])[1][1])
    assert "刚刚" in chat.alerts(out)[0] and not [r for r in out if r.chat_id == MEMBER.id]

    out = await chat.press_data(CADRE, buttons(cards[0])[0][1])  # 打开
    assert "处理记录" in out[-1].text and "催办" in out[-1].text

    for person in (RESIDENT, MEMBER):
        assert "仅供" in (await chat.say(person, "/overdue"))[-1].text
    assert "没有超期" in (await chat.say(FAR_CADRE, "/overdue"))[-1].text


# -- 改类 ---------------------------------------------------------------------------------------

async def test_staff_recategorise_with_buttons_and_the_correction_is_kept(chat, core):
    await report(chat, core, category="消防安全")
    out = await chat.say(MEMBER, "/ticket 1")
    assert "🏷 改类" in labels(out[-1]) and "📯 吹哨" not in labels(out[-1])  # 吹哨 is the cadre's
    await chat.press(MEMBER, "改类")
    out = await chat.press(MEMBER, "市容环境")
    assert "市容环境" in chat.alerts(out)[0]
    ticket = await load(core)
    assert ticket.category == "市容环境"
    corrected = (await event_rows(core, 1))[-1]
    assert corrected.action == "recategorize"
    assert {k: corrected.data[k] for k in ("from", "to")} == {"from": "消防安全", "to": "市容环境"}
    assert set(corrected.data) >= {"accept_deadline", "resolve_deadline", "original_resolve_deadline"}  # docs/kpi.md
    for person in (NEIGHBOUR, OTHER_MEMBER, FAR_CADRE):
        assert chat.alerts(await chat.press_data(person, "tl:cat:1"))
    assert (await load(core)).category == "市容环境"


# -- duplicates, followers, merge --------------------------------------------------------------

SAME = "3号楼2单元楼道堆满杂物，堵住了消防通道"


async def test_a_similar_report_is_offered_to_follow_and_the_follower_hears_the_result(chat, core):
    await report(chat, core)
    await chat.say(NEIGHBOUR, "/start WT01")
    out = await chat.say(NEIGHBOUR, SAME)
    (offer,) = chat.texts_to(NEIGHBOUR, out)
    assert "工单 #1" in offer and labels(out[-1]) == ["👀 关注这张工单", "🆕 仍要新建"]
    assert "评价" not in offer  # the 回访 is the reporter's: the offer promises no say in it
    assert not [r for r in out if r.chat_id == MEMBER.id]
    out = await chat.press(NEIGHBOUR, "关注")
    assert "已关注工单 #1" in chat.texts_to(NEIGHBOUR, out)[-1]
    tickets, _, followers = await snapshot(core)
    assert len(tickets) == 1 and followers == 1
    assert (await event_rows(core, 1))[-1].action == "follow"

    out = await chat.press(MEMBER, "签收")
    assert "您反映的问题" in chat.texts_to(RESIDENT, out)[0]
    # The neighbour did not report it: their copy says 关注.
    (heard,) = chat.texts_to(NEIGHBOUR, out)
    assert "您关注的问题（工单 #1）" in heard and "反映" not in heard
    await chat.press(MEMBER, "办结")
    out = await chat.say(MEMBER, "已清理")
    # The follower hears the result, with no 回访 buttons that would die once the reporter
    # answers: the question is the reporter's alone (README, duplicates row).
    (result,) = [r for r in out if r.chat_id == NEIGHBOUR.id]
    assert "已清理" in result.text and labels(result) == []
    assert labels([r for r in out if r.chat_id == RESIDENT.id][0]) == ["已解决", "未解决"]
    await chat.press(RESIDENT, "已解决")
    async with core.session_factory() as s:
        assert (await s.execute(select(Rating.solved))).scalar_one() is True
    out = await chat.say(NEIGHBOUR, "/ticket 1")
    assert "处理记录" in out[-1].text


async def test_insisting_opens_a_new_ticket_from_the_kept_text(chat, core):
    await report(chat, core)
    await chat.say(THIRD, "/start WT01")
    await chat.say(THIRD, SAME)
    out = await chat.press(THIRD, "仍要新建")
    ticket = await load(core, 2)
    assert ticket is not None and ticket.text == SAME
    assert any("#2" in t for t in chat.texts_to(THIRD, out))
    assert any(r.chat_id == MEMBER.id for r in out)


async def test_a_different_report_opens_at_once_and_forged_follows_do_nothing(chat, core):
    await report(chat, core)
    await chat.say(NEIGHBOUR, "/start WT01")
    out = await chat.say(NEIGHBOUR, "小区门口的路灯坏了，晚上很黑")
    assert any("#2" in t for t in chat.texts_to(NEIGHBOUR, out))
    before = await snapshot(core)
    out = await chat.press_data(THIRD, "fw:follow:1")
    assert chat.alerts(out) and await snapshot(core) == before


async def test_cadre_merges_a_duplicate_and_its_reporter_follows_the_kept_ticket(chat, core):
    await report(chat, core)
    await chat.say(NEIGHBOUR, "/start WT01")
    await chat.say(NEIGHBOUR, SAME)
    await chat.press(NEIGHBOUR, "仍要新建")  # ticket 2, the same thing
    assert "用法" in (await chat.say(CADRE, "/merge 2"))[-1].text
    await chat.say(CADRE, "/ticket 2")
    out = await chat.press(CADRE, "合并")
    assert labels(out[-1])[0].startswith("并入 #1")
    out = await chat.press(CADRE, "并入 #1")
    assert "已并入 #1" in chat.alerts(out)[0]
    merged = await load(core, 2)
    assert merged.state == "merged" and merged.merged_into_id == 1
    assert any("#2" in t and "#1" in t and "合并" in t for t in chat.texts_to(NEIGHBOUR, out))
    async with core.session_factory() as s:
        follower = (await s.execute(select(TicketFollower))).scalar_one()
    assert (follower.ticket_id, follower.via) == (1, "merge")
    assert [(e.action, e.data) for e in await event_rows(core, 1)][-1] == ("merge", {"from": 2})
    out = await chat.press_data(MEMBER, "tk:acc:1")
    assert chat.texts_to(NEIGHBOUR, out)  # hears about #1 now
    assert "已合并" in (await chat.say(CADRE, "/merge 2 1"))[-1].text


# -- /stats and /export -----------------------------------------------------------------------

async def test_stats_for_the_cadre_own_units_and_clear_usage(chat, core):
    await report(chat, core)
    await chat.press(MEMBER, "签收")
    out = await chat.say(CADRE, "/stats")
    text = "\n".join(chat.texts_to(CADRE, out))
    assert "梧桐社区" in text and "梧桐一网格" in text and "枫林" not in text
    assert "签收 100.0%" in text and "按类别" in text
    out = await chat.say(STREET_CADRE, "/stats 本周 梧桐一网格（1-6号楼）")
    assert "梧桐一网格" in out[0].text and "梧桐二网格" not in out[0].text
    assert "不在您的辖区" in (await chat.say(CADRE, "/stats 枫林社区"))[-1].text
    for bad in ("/stats 2026-13-01 2026-11-30", "/stats 2026-11-30 2026-11-01", "/stats 2026-11-01"):
        assert "用法" in (await chat.say(CADRE, bad))[-1].text
    assert "仅供" in (await chat.say(RESIDENT, "/stats"))[-1].text
    assert "仅供" in (await chat.say(MEMBER, "/stats 上月"))[-1].text


async def test_export_sends_the_cadre_an_xlsx_and_refuses_others(chat, core):
    await report(chat, core)
    out = await chat.say(CADRE, "/export 本月")
    (doc,) = [r for r in out if r.method == "sendDocument"]
    assert doc.chat_id == CADRE.id and "共 1 件" in doc.text
    assert list(doc.files.values()) == [f"tickets-{local_day(core.service.clock()):%Y-%m}.xlsx"]
    assert "没有上报" in (await chat.say(FAR_CADRE, "/export"))[-1].text
    assert "仅供" in (await chat.say(RESIDENT, "/export"))[-1].text
    assert "用法" in (await chat.say(CADRE, "/export 梧桐社区"))[-1].text


async def test_bulletin_on_demand_sends_charts_and_the_workbook(chat, core, clock):
    await report(chat, core)
    out = await chat.say(CADRE, "/bulletin 2026-11")
    photos = [r for r in out if r.method == "sendPhoto"]
    docs = [r for r in out if r.method == "sendDocument"]
    assert len(photos) == 3 and len(docs) == 1 and all(r.chat_id == CADRE.id for r in photos + docs)
    assert "一月一通报" in photos[0].text and "梧桐社区" in photos[0].text
    assert "用法" in (await chat.say(CADRE, "/bulletin 11月"))[-1].text
    assert "仅供" in (await chat.say(MEMBER, "/bulletin"))[-1].text


async def test_the_monthly_bulletin_job_sends_each_cadre_their_unit_once(core, clock):
    from bot.jobs.bulletins import BulletinJob
    from bot.scheduler import create_scheduler
    from delivery.notifier import Notifier
    from delivery.offline import RecordingSession, make_offline_bot

    session = RecordingSession(reachable=STAFF_IDS)
    bot = make_offline_bot(session)
    notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000)
    try:
        await core.service.join(RESIDENT.id, "WT01", RESIDENT.name)
        from tickets.reports import Report

        await core.service.report(Report(RESIDENT.id, RESIDENT.id, 1, REPORT, RESIDENT.name))
        clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=SH)
        scheduler = create_scheduler(core, notifier, core.settings, clock=clock)
        assert scheduler.get_job("bulletin-monthly") is not None
        job = BulletinJob(core, notifier, core.settings, clock=clock)
        first = await job.run_once()
        assert (first.recipients, first.sent) == (3, 3)  # 赵主任 (the street), 钱书记 and 郑主任
        to_cadre = session.sent(chat_id=CADRE.id)
        assert [r.method for r in to_cadre] == ["sendPhoto"] * 3 + ["sendDocument"]
        assert "梧桐社区" in to_cadre[0].text and "2026年11月" in to_cadre[0].text
        assert "幸福街道" in session.sent(chat_id=STREET_CADRE.id)[0].text
        again = await job.run_once()
        assert (again.sent, again.skipped) == (0, 3) and len(session.sent(chat_id=CADRE.id)) == 4
    finally:
        await notifier.aclose()
        await bot.session.close()
