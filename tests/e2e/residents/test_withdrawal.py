"""撤销 through the Dispatcher: the resident withdraws their own ticket from /my or the
acknowledgement after one confirmation; the handler is told through the outbox and their
card says 已撤销 without buttons; a replayed press changes nothing; others are refused."""
from __future__ import annotations

from sqlalchemy import select

from delivery.scripted import buttons
from handlers.shared.callbacks import WithdrawCb
from storage.models import OutboxMessage, TicketEvent
from tests.conftest import CADRE, MEMBER, NEIGHBOUR, RESIDENT
from tests.e2e.residents.test_core_loop import events, load, reported


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
