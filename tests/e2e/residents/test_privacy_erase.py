"""/privacy delete removes the person from every table (issue 11): a resident with data
everywhere is deleted, then every column of every table (Base.metadata.sorted_tables) is
scanned for their Telegram id, name, phone and words.

What stays by design: the problem as reported (the ticket's text, its 补充, its photos) is the
grid's record; it is cut loose from the person (anonymous, no id, no name)."""
from __future__ import annotations

from sqlalchemy import select, update

from organisation import audit
from storage.models import (
    AuditEntry,
    Base,
    DialogState,
    Matter,
    MatterPoll,
    MatterVote,
    ServiceOrder,
    ServiceOrderEvent,
    Ticket,
    TicketEvent,
    UserSetting,
)
from tests.conftest import CADRE, MEMBER, RESIDENT
from tests.e2e.services.service_kit import VOLUNTEER, register
from tests.e2e.services.service_kit import order as place_order

NAME = RESIDENT.name
PHONE = "13812345678"
REPORT = "3号楼2单元楼道堆满杂物，堵住了消防通道，好几天了没人管"
SUPPLEMENT = "垃圾是3单元的住户堆的，已经一个星期了"
# Their words outside the ticket's record: each must be gone.
RELAY_ANSWER = "好的我下午都在家，门铃坏了请敲门"
HANDLER_TO_THEM = "张阿姨您好，我下午三点左右过去看看"
ORDER_TEXT = "想请志愿者帮忙代买降压药，腿脚不便"
ORDER_NOTE = "取消原因：儿子回来了"
DIALOG_WORDS = "写了一半的话还没发出去"
# A service order they made, and what passed between them and its volunteer (联系点单人).
ORDER_ASKED = "家里水龙头一直漏水，想请人上门帮忙看看"
VOLUNTEER_TO_THEM = "张阿姨，我明天上午带工具过去"
ORDER_ANSWER = "好的，我上午都在，楼下按302"
# A 重办 reason typed in their own words (one-tap reasons from the list say nothing of them).
OWN_REASON = "302室张阿姨说根本没人来过"
WORDS = (RELAY_ANSWER, HANDLER_TO_THEM, ORDER_TEXT, ORDER_NOTE, DIALOG_WORDS, ORDER_ASKED, VOLUNTEER_TO_THEM,
         ORDER_ANSWER, OWN_REASON)


async def everything(core):
    """Every cell of every table, as text, with where it is."""
    cells = []
    async with core.session_factory() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).mappings():
                cells += [(f"{table.name}.{column}", str(value)) for column, value in row.items()
                          if value is not None]
    return cells


async def test_deleting_removes_the_person_from_every_table(chat, core):
    tid = RESIDENT.id
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, "/language en")
    await chat.say(RESIDENT, "/language zh")
    await chat.say(RESIDENT, REPORT)
    await chat.say(RESIDENT, SUPPLEMENT)
    await chat.press(RESIDENT, "#1")  # Add to #1
    await chat.press(MEMBER, "联系反映人")
    await chat.say(MEMBER, HANDLER_TO_THEM)
    await chat.press(MEMBER, "联系反映人")
    await chat.press(MEMBER, "请求电话")
    await chat.feed({"message": chat._message(RESIDENT, contact={"phone_number": PHONE, "first_name": NAME,
                                                                 "user_id": tid})})
    await chat.press(RESIDENT, "回复")
    await chat.say(RESIDENT, RELAY_ANSWER)
    await register(chat, VOLUNTEER)
    await place_order(chat, ORDER_ASKED)
    await chat.press(CADRE, "通过发布")
    await chat.press(VOLUNTEER, "接单")
    await chat.press(VOLUNTEER, "联系点单人")
    await chat.say(VOLUNTEER, VOLUNTEER_TO_THEM)
    await chat.press(RESIDENT, "回复")
    await chat.say(RESIDENT, ORDER_ANSWER)
    now = core.service.clock()
    async with core.session_factory() as s, s.begin():
        resident_id, grid_id, community_id = await _ids(s)
        order = ServiceOrder(state="cancelled", text=ORDER_TEXT, category="生活帮扶", needed="today",
                             resident_id=resident_id, community_id=community_id, grid_id=grid_id,
                             source_chat_id=tid, source_message_id=9999, created_at=now, updated_at=now)
        s.add(order)
        await s.flush()
        s.add(ServiceOrderEvent(order_id=order.id, at=now, actor_telegram_id=tid, actor_name=NAME,
                                action="cancel", note=ORDER_NOTE))
        matter = Matter(state="open", community_id=community_id, question="装不装电梯", options=["装", "不装"],
                        hours=72, created_by=MEMBER.id, created_at=now)
        s.add(matter)
        await s.flush()
        s.add(MatterPoll(matter_id=matter.id, chat_id=tid, poll_id="poll-1", sent_at=now))
        s.add(MatterVote(matter_id=matter.id, telegram_id=tid, option_ids=[0], at=now))
        s.add(TicketEvent(ticket_id=1, at=now, actor_kind="resident", actor_telegram_id=tid, actor_name="",
                          action="reopen_reason", note=OWN_REASON))
        await s.execute(update(Ticket).where(Ticket.id == 1).values(reopen_reason=OWN_REASON))
        # They once tried a staff invite code: the audit log names them.
        await audit.record(s, audit.Operator(tid, NAME, False), "invite.refused", "invite", "", now)
        # A dialog of theirs in another thread, half-way through.
        s.add(DialogState(key=f"1:{tid}:{tid}:7::default", state="ReplyInput:text",
                          data={"draft": DIALOG_WORDS}, updated_at=now))
    before = "\n".join(v for _, v in await everything(core))
    assert all(w in before for w in (str(tid), NAME, PHONE, *WORDS))  # the scan can see them

    await chat.say(RESIDENT, "/privacy")
    await chat.press(RESIDENT, "删除我的数据")
    out = await chat.press(RESIDENT, "确认删除")
    assert "删除" in chat.texts_to(RESIDENT, out)[-1]

    found = [(where, value) for where, value in await everything(core)
             if any(needle in value for needle in (str(tid), NAME, PHONE, *WORDS))]
    # Only the append-only audit log keeps them, as the actor of what they did to the organisation;
    # its chain still verifies (an erasure that edited it would be refused, and would break it).
    assert {where for where, _ in found} <= {"audit_log.actor_telegram_id", "audit_log.actor_name"}, found
    async with core.session_factory() as s:
        assert (await audit.verify(s)).ok
        actions = (await s.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars().all()
        assert actions[-2:] == ["invite.refused", "privacy.erase"]
    async with core.session_factory() as s:
        vote = (await s.execute(select(MatterVote))).scalar_one()  # still counted, author gone
        assert vote.option_ids == [0] and vote.telegram_id < 0
        assert all(u.telegram_id != tid for u in (await s.execute(select(UserSetting))).scalars())
    # The problem as reported stays, as the grid's record, cut loose from the person.
    assert REPORT in before and REPORT in "\n".join(v for _, v in await everything(core))


async def _ids(s):
    from storage.models import Resident, Unit

    resident = (await s.execute(select(Resident).where(Resident.telegram_id == RESIDENT.id))).scalar_one()
    grid = await s.get(Unit, resident.grid_id)
    return resident.id, grid.id, grid.parent_id


def test_the_scan_covers_every_table():
    assert {"residents", "tickets", "ticket_events", "outbox", "service_orders", "service_order_events",
            "matter_votes", "matter_polls", "user_settings", "dialog_states", "audit_log"} <= {
        t.name for t in Base.metadata.sorted_tables}
