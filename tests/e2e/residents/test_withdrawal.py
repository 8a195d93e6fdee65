"""撤销 through the Dispatcher: the resident withdraws their own ticket from /my or the
acknowledgement after one confirmation; the handler is told through the outbox and their
card says 已撤销 without buttons, and whoever follows the ticket hears it is no longer
handled; a replayed press changes nothing; others are refused."""
from __future__ import annotations

from sqlalchemy import select

from bot.jobs.outbox import OutboxSender
from delivery.notifier import Notifier
from delivery.scripted import Person, buttons
from handlers.shared.callbacks import WithdrawCb
from storage.models import OutboxMessage, TicketEvent
from tests.conftest import CADRE, MEMBER, NEIGHBOUR, RESIDENT
from tests.e2e.residents.test_core_loop import REPORT, events, load, reported


async def outbox_rows(core, kind: str) -> list[OutboxMessage]:
    async with core.session_factory() as s:
        q = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list((await s.execute(q)).scalars())


def card_id(chat, person) -> int:
    """The message id of the newest card with a 签收 or 转派 button sent to this person."""
    for r in reversed(chat.session.sent(chat_id=person.id)):
        if any(t in ("✅ 签收", "🔀 转派", "🏁 办结") for t, _ in buttons(r)):
            return r.result["message_id"]
    raise LookupError("no card")


def edits_of(out, person, message_id: int):
    return [r for r in out if r.chat_id == person.id and r.method.startswith("editMessage")
            and r.data.get("message_id") == message_id]


async def test_a_resident_withdraws_from_my_after_one_confirmation(chat, core):
    await reported(chat)
    card = card_id(chat, MEMBER)
    out = await chat.say(RESIDENT, "/my")
    (listing,) = [r for r in out if r.chat_id == RESIDENT.id]
    assert [t for t, _ in buttons(listing)] == ["↩️ 撤销 #1"]
    out = await chat.press(RESIDENT, "撤销 #1")
    (confirm,) = [r for r in out if r.chat_id == RESIDENT.id and r.method == "sendMessage"]
    assert "撤销后不能恢复" in confirm.text and [t for t, _ in buttons(confirm)] == ["确认撤销", "不撤销"]
    assert (await load(core)).state == "dispatched"  # nothing happens before the confirmation
    assert not [r for r in out if r.chat_id == MEMBER.id]

    out = await chat.press(RESIDENT, "确认撤销")
    ticket = await load(core)
    assert ticket.state == "cancelled" and ticket.closed_at is not None and ticket.next_check_at is None
    assert (await events(core))[-1] == ("cancel", "dispatched", "cancelled")
    # The resident's confirmation becomes the receipt.
    (receipt,) = [r for r in out if r.chat_id == RESIDENT.id and r.method == "editMessageText"]
    assert "已撤销" in receipt.text and not buttons(receipt)
    # The grid member is told, through the outbox, and their card says so without buttons.
    (told,) = [r for r in out if r.chat_id == MEMBER.id and r.method == "sendMessage"]
    assert "居民已撤销" in told.text and "#1" in told.text and not buttons(told)
    (edited,) = edits_of(out, MEMBER, card)
    assert "已撤销" in edited.text and not buttons(edited)
    (row,) = await outbox_rows(core, "cancelled")
    assert row.chat_id == MEMBER.id and row.outcome == "sent"


async def test_a_replayed_confirmation_changes_nothing_and_does_not_apologise(chat, core):
    await reported(chat)
    await chat.press(RESIDENT, "撤销")  # under the acknowledgement
    confirm = WithdrawCb(action="yes", ticket_id=1).pack()
    await chat.press_data(RESIDENT, confirm)
    before = await events(core)
    for data in (confirm, WithdrawCb(action="ask", ticket_id=1).pack()):
        out = await chat.press_data(RESIDENT, data)
        (answer,) = [r for r in out if r.method == "answerCallbackQuery"]
        assert "已撤销" in answer.data["text"] and not answer.data.get("show_alert")
        assert not [r for r in out if r.chat_id == MEMBER.id]
    assert await events(core) == before
    assert len(await outbox_rows(core, "cancelled")) == 1


async def test_the_reporters_ticket_view_offers_withdrawal_and_nobody_elses_does(chat, core):
    await reported(chat)
    out = await chat.say(RESIDENT, "/ticket 1")
    assert [t for t, _ in buttons(out[-1])] == ["↩️ 撤销"]
    out = await chat.say(CADRE, "/ticket 1")
    assert "↩️ 撤销" not in [t for t, _ in buttons(out[-1])]
    out = await chat.press(RESIDENT, "撤销")
    assert "撤销后不能恢复" in chat.texts_to(RESIDENT, out)[0]


async def test_keeping_it_changes_nothing(chat, core):
    await reported(chat)
    await chat.press(RESIDENT, "撤销")
    out = await chat.press(RESIDENT, "不撤销")
    assert "继续办理" in chat.texts_to(RESIDENT, out)[0]
    assert (await load(core)).state == "dispatched"
    assert not [r for r in out if r.chat_id == MEMBER.id]


async def test_an_accepted_ticket_can_be_withdrawn_until_it_is_resolved(chat, core):
    await reported(chat)
    await chat.press(MEMBER, "签收")
    await chat.press(RESIDENT, "撤销")
    out = await chat.press(RESIDENT, "确认撤销")
    assert (await load(core)).state == "cancelled"
    assert any("居民已撤销" in t for t in chat.texts_to(MEMBER, out))


async def test_a_resolved_ticket_cannot_be_withdrawn(chat, core):
    await reported(chat)
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "已清理")
    out = await chat.say(RESIDENT, "/my")
    assert not buttons([r for r in out if r.chat_id == RESIDENT.id][0])  # nothing left to withdraw
    out = await chat.press_data(RESIDENT, WithdrawCb(action="yes", ticket_id=1).pack())
    (answer,) = [r for r in out if r.method == "answerCallbackQuery"]
    assert answer.data.get("show_alert") and "已办结" in answer.data["text"]
    assert (await load(core)).state == "resolved"


async def test_a_returned_ticket_withdrawn_is_taken_off_the_cadres_card(chat, core):
    await reported(chat)
    await chat.press(MEMBER, "退回")
    await chat.say(MEMBER, "不是本网格的")
    card = card_id(chat, CADRE)
    await chat.press(RESIDENT, "撤销")
    out = await chat.press(RESIDENT, "确认撤销")
    assert (await load(core)).state == "cancelled"
    assert any("居民已撤销" in t for t in chat.texts_to(CADRE, out))
    (edited,) = edits_of(out, CADRE, card)
    assert not buttons(edited)


async def test_a_strangers_press_on_withdraw_is_refused(chat, core):
    await reported(chat)
    await chat.say(NEIGHBOUR, "/start WT01")
    for who in (NEIGHBOUR, MEMBER, CADRE):  # another resident, the handler, the cadre
        for action in ("ask", "yes"):
            out = await chat.press_data(who, WithdrawCb(action=action, ticket_id=1).pack())
            (answer,) = [r for r in out if r.method == "answerCallbackQuery"]
            assert answer.data.get("show_alert") and "无权" in answer.data["text"]
            assert not [r for r in out if r.method == "sendMessage"]
    assert (await load(core)).state == "dispatched"
    async with core.session_factory() as s:
        assert not (await s.execute(select(TicketEvent).where(TicketEvent.action == "cancel"))).first()


# -- followers (the duplicate offer's 关注) ------------------------------------------------------

THIRD = Person(900003, "王阿姨")
SAME = "3号楼2单元楼道堆满杂物，堵住了消防通道"


async def follows(chat, person: Person) -> None:
    await chat.say(person, "/start WT01")
    out = await chat.say(person, SAME)
    assert "工单 #1" in chat.texts_to(person, out)[0]
    out = await chat.press(person, "关注")
    assert "已关注工单 #1" in chat.texts_to(person, out)[-1]


async def test_followers_hear_once_that_the_reporter_withdrew_it(chat, core):
    await reported(chat)
    await follows(chat, NEIGHBOUR)
    await follows(chat, THIRD)
    await chat.press(RESIDENT, "撤销")
    out = await chat.press(RESIDENT, "确认撤销")
    assert (await load(core)).state == "cancelled"
    for follower in (NEIGHBOUR, THIRD):
        (told,) = [r for r in out if r.chat_id == follower.id and r.method == "sendMessage"]
        assert "您关注的问题（工单 #1）" in told.text and "撤销" in told.text and not buttons(told)
        # Neither the reporter's words nor who they are.
        assert REPORT[:8] not in told.text and RESIDENT.name not in str(told.data) and str(RESIDENT.id) not in str(told.data)
    # The handler's notice is theirs; the reporter gets only the receipt.
    assert any("居民已撤销" in t for t in chat.texts_to(MEMBER, out))
    assert not [r for r in out if r.chat_id == RESIDENT.id and r.method == "sendMessage"]
    rows = await outbox_rows(core, "cancelled_follower")
    assert sorted(r.chat_id for r in rows) == sorted([NEIGHBOUR.id, THIRD.id])
    assert all(r.outcome == "sent" for r in rows)
    # A second press, and Telegram delivering the same press again: nobody hears it twice.
    for replayed in (await chat.press_data(RESIDENT, WithdrawCb(action="yes", ticket_id=1).pack()), await chat.replay()):
        assert not [r for r in replayed if r.chat_id in (NEIGHBOUR.id, THIRD.id, MEMBER.id)]
    assert len(await outbox_rows(core, "cancelled_follower")) == 2
    # Still there for the neighbour: their next report opens a new ticket, not an offer to follow.
    out = await chat.say(NEIGHBOUR, SAME)
    if any(label == "这是新问题" for r in out for label, _ in buttons(r)):  # asked first: it is their own, new
        out = await chat.press(NEIGHBOUR, "这是新问题")
    assert any("#2" in t for t in chat.texts_to(NEIGHBOUR, out))


async def test_a_follower_notice_that_failed_goes_out_with_the_sweep(chat, core, clock):
    await reported(chat)
    await follows(chat, NEIGHBOUR)
    await chat.press(RESIDENT, "撤销")
    chat.session.fail_next("sendMessage", status=400, description="Bad Request: something went wrong",
                           chat_id=NEIGHBOUR.id)
    out = await chat.press(RESIDENT, "确认撤销")
    assert not [r for r in chat.session.sent(chat_id=NEIGHBOUR.id) if "撤销" in (r.text or "")]
    sweep = OutboxSender(core.session_factory, Notifier(chat.bot, per_chat_interval=0, global_per_s=1_000_000),
                         core.tz, clock=core.service.clock, languages=core.languages)
    clock.advance(minutes=2)  # past the lease of the handler's claim
    before = len(chat.session.requests)
    assert await sweep.deliver_once() == 1
    (late,) = [r for r in chat.session.requests[before:] if r.chat_id == NEIGHBOUR.id]
    assert "您关注的问题（工单 #1）" in late.text
    assert await sweep.deliver_once() == 0
    assert any("已撤销" in (r.text or "") for r in out if r.chat_id == RESIDENT.id)  # the receipt, at once
