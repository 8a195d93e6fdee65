"""Where people and Telegram meet reality (issue 10): group chats, pasted control
characters, late and double presses, a restart in the middle of a dialog, long pickers.
The RecordingSession refuses what Telegram refuses, so a test passes only if the bot
does what Telegram allows."""
from __future__ import annotations

from sqlalchemy import select

from bot.app import create_dispatcher
from delivery.notifier import Notifier
from delivery.offline import RecordingSession, make_offline_bot
from delivery.scripted import Conversation
from delivery.telegram_rules import ManualClock
from storage.models import Ticket
from tests.conftest import MEMBER, NEIGHBOUR, RESIDENT, STAFF_IDS
from tests.e2e.residents.test_core_loop import REPORT, count_tickets, load

GROUP = -1001234567890


def group_message(chat, person, text):
    msg = chat._message(person, text=text)
    msg["chat"] = {"id": GROUP, "type": "supergroup", "title": "梧桐社区居民群"}
    return {"message": msg}


async def test_a_group_gets_please_write_privately_once_and_nothing_else(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.feed(group_message(chat, RESIDENT, REPORT))
    assert [r.text for r in out if r.chat_id == GROUP] and "请私聊我" in out[0].text
    out = await chat.feed(group_message(chat, MEMBER, "/tasks"))
    assert out == [], "told once; no card with a resident's name or phone in the group"
    assert await count_tickets(core) == 0


async def test_control_characters_are_removed_and_a_nul_is_refused(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.say(RESIDENT, "楼道\x00堆满杂物")
    assert "无法保存的字符" in chat.texts_to(RESIDENT, out)[0]
    assert await count_tickets(core) == 0
    await chat.say(RESIDENT, "3号楼\x0b楼道堆满杂物，\x07堵住了消防通道")
    assert (await load(core)).text == "3号楼楼道堆满杂物，堵住了消防通道"


async def test_a_late_press_still_moves_the_ticket_and_tells_the_resident(core):
    clock = ManualClock()
    session = RecordingSession(reachable=STAFF_IDS, clock=clock)
    bot = make_offline_bot(session)
    notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000)
    chat = Conversation(create_dispatcher(core, notifier), bot, session, clock=core.service.clock)
    try:
        await chat.say(RESIDENT, "/start WT01")
        await chat.say(RESIDENT, REPORT)
        observe = session.observe

        def pressed_long_ago(update):
            observe(update)
            clock.advance(20)  # the bot gets to the press after Telegram's 15 s

        session.observe = pressed_long_ago
        out = await chat.press(MEMBER, "签收")
        assert [r for r in out if r.method == "answerCallbackQuery" and r.error], "Telegram refused the answer"
        assert (await load(core)).state == "accepted"
        assert any("签收" in t for t in chat.texts_to(RESIDENT, out)), "the resident is told"
        assert not any("出了点问题" in (r.text or "") for r in out), "no false apology"
        edited = [r for r in out if r.method.startswith("editMessage") and r.chat_id == MEMBER.id]
        assert edited and not edited[-1].error
    finally:
        await notifier.aclose()
        await bot.session.close()


async def test_a_double_tap_shows_no_apology(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, REPORT)
    await chat.press(MEMBER, "签收")
    out = await chat.press_data(MEMBER, "tk:acc:1")
    assert not any("出了点问题" in (r.text or r.data.get("text", "") or "") for r in out)
    assert (await load(core)).state == "accepted"
    # The card already shows what an edit would show: Telegram says "not modified".
    card = [r for r in chat.session.sent(chat_id=MEMBER.id) if r.method == "sendMessage"][-1]
    markup = card.result.get("reply_markup")
    edit = dict(chat_id=MEMBER.id, message_id=card.result["message_id"], reply_markup=markup)
    await chat.bot.edit_message_reply_markup(**edit)
    assert await chat.bot.edit_message_reply_markup(**edit) is True  # the same again: harmless
    assert chat.session.requests[-1].error and "not modified" in chat.session.requests[-1].error


async def test_a_note_half_typed_survives_a_restart(core):
    def start():
        session = RecordingSession(reachable=STAFF_IDS)
        bot = make_offline_bot(session)
        notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000)
        return Conversation(create_dispatcher(core, notifier), bot, session, clock=core.service.clock), notifier

    chat, notifier = start()
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, REPORT)
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await notifier.aclose()
    await chat.bot.session.close()

    chat, notifier = start()  # the process restarted: a new Dispatcher, the same database
    try:
        out = await chat.say(MEMBER, "已清理楼道杂物")
        ticket = await load(core)
        assert ticket.state == "resolved", "the note closed the ticket, it did not become a report"
        assert await count_tickets(core) == 1
        assert not [t for t in chat.texts_to(MEMBER, out) if "社区" in t and "选择" in t]
    finally:
        await notifier.aclose()
        await chat.bot.session.close()


async def test_a_community_of_120_grids_and_long_codes_gets_a_paged_picker(chat, core):
    from storage.models import Unit

    async with core.session_factory() as s, s.begin():
        community = (await s.execute(select(Unit).where(Unit.code == "XF-WT"))).scalar_one()
        for i in range(120):
            s.add(Unit(kind="grid", code=f"WT-BIG-{i:03d}-" + "X" * 50, name=f"大网格{i:03d}",
                       parent_id=community.id, active=True))
    await chat.say(RESIDENT, "/grid")
    out = await chat.press(RESIDENT, "梧桐社区")
    (picker,) = [r for r in out if r.chat_id == RESIDENT.id and r.data.get("reply_markup")]
    assert not picker.error, picker.error
    labels = [t for t, _ in chat.session.buttons(picker)]
    assert len(labels) <= 13 and any("下一页" in t for t in labels)
    out = await chat.press(RESIDENT, "下一页")
    assert not [r for r in out if r.error]
    await chat.press(RESIDENT, "大网格013")
    async with core.session_factory() as s:
        assert (await s.execute(select(Ticket))).first() is None


async def test_a_grid_member_who_never_opened_the_bot_is_flagged_and_their_ticket_handed_on(core):
    from bot.jobs.outbox import OutboxSender
    from bot.scheduler import blocked_hook
    from storage.models import Staff
    from tests.conftest import BACKUP, CADRE

    session = RecordingSession(reachable=[i for i in STAFF_IDS if i != MEMBER.id])
    bot = make_offline_bot(session)
    notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000)
    notifier.on_blocked = blocked_hook(core, notifier, clock=core.service.clock)
    chat = Conversation(create_dispatcher(core, notifier), bot, session, clock=core.service.clock)
    try:
        await chat.say(RESIDENT, "/start WT01")
        out = await chat.say(RESIDENT, REPORT)
        assert [r for r in out if r.chat_id == MEMBER.id and r.error and "chat not found" in r.error]
        async with core.session_factory() as s:
            member = (await s.execute(select(Staff).where(Staff.telegram_id == MEMBER.id))).scalars().first()
            assert member.blocked_at is not None
        ticket = await load(core)
        async with core.session_factory() as s:
            assert (await s.get(Staff, ticket.assignee_id)).telegram_id == BACKUP.id
        told = [t for t in chat.texts_to(CADRE, session.requests) if "无法通过机器人联系" in t]
        assert len(told) == 1, "the cadre is told once"
        sender = OutboxSender(core.session_factory, notifier, core.tz, clock=core.service.clock)
        assert await sender.deliver_once() >= 1
        assert any("工单 #1" in t for t in chat.texts_to(BACKUP, session.requests)), "the backup got the card"
        await chat.say(RESIDENT, "5号楼门口路灯坏了好几天了，晚上很黑")
        out = await chat.press(RESIDENT, "这是新问题")  # not a 补充 to ticket #1
        assert not [r for r in out if r.chat_id == MEMBER.id], "new tickets go to someone who can be reached"
        assert any("新工单" in t for t in chat.texts_to(BACKUP, out))
    finally:
        await notifier.aclose()
        await bot.session.close()


async def test_an_album_is_one_report_with_all_its_photos_and_one_answer(chat, core):
    from storage.models import Attachment

    await chat.say(RESIDENT, "/start WT01")
    chat.dp["albums"].quiet = 0.05
    out = []
    for i in range(5):
        content = {"photo": [{"file_id": f"album-{i}", "file_unique_id": f"ua-{i}", "width": 1280, "height": 960}],
                   "media_group_id": "g-1"}
        if i == 1:
            content["caption"] = REPORT
        out += await chat.feed({"message": chat._message(RESIDENT, **content)})
    await chat.dp["albums"].drain()
    out = chat.session.requests
    assert await count_tickets(core) == 1
    async with core.session_factory() as s:
        files = (await s.execute(select(Attachment.file_id).order_by(Attachment.id))).scalars().all()
    assert list(files) == [f"album-{i}" for i in range(5)]
    acks = [t for t in chat.texts_to(RESIDENT, out) if "已受理" in t]
    assert len(acks) == 1 and not [t for t in chat.texts_to(RESIDENT, out) if "请用文字" in t]


def edited(chat, person, message_id, text):
    msg = chat._message(person, text=text)
    msg["message_id"] = message_id
    msg["edit_date"] = msg["date"] + 60
    return {"edited_message": msg}


async def test_an_edited_report_updates_the_ticket_until_accepted_then_adds_a_note(chat, core):
    from storage.models import TicketEvent

    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, REPORT, message_id=777)
    out = await chat.feed(edited(chat, RESIDENT, 777, REPORT + "，在2单元"))
    assert (await load(core)).text == REPORT + "，在2单元"
    assert any("更新工单 #1" in t for t in chat.texts_to(RESIDENT, out))
    assert any("修改了内容" in t for t in chat.texts_to(MEMBER, out)), "the handler is told"
    await chat.press(MEMBER, "签收")
    out = await chat.feed(edited(chat, RESIDENT, 777, REPORT + "，在2单元3楼"))
    ticket = await load(core)
    assert ticket.text == REPORT + "，在2单元" and ticket.state == "accepted"
    async with core.session_factory() as s:
        actions = [e.action for e in (await s.execute(select(TicketEvent).where(TicketEvent.ticket_id == 1)
                                                      .order_by(TicketEvent.id))).scalars()]
    assert actions[-1] == "note" and "edit" in actions
    assert any("补充了内容" in t for t in chat.texts_to(MEMBER, out))
    other = await chat.feed(edited(chat, NEIGHBOUR, 777, "不是我的"))
    assert other == [] or not [r for r in other if r.chat_id == MEMBER.id]


async def test_a_replayed_report_is_not_answered_twice(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    first = chat.texts_to(RESIDENT, await chat.say(RESIDENT, REPORT, message_id=555))
    assert any("已受理" in t for t in first)
    again = await chat.say(RESIDENT, REPORT, message_id=555)  # Telegram redelivers it
    assert again == [], "neither the acknowledgement nor the card is sent twice"
    assert await count_tickets(core) == 1
    await chat.press(MEMBER, "签收")
    assert chat.texts_to(RESIDENT, await chat.say(RESIDENT, REPORT, message_id=555)) == []
