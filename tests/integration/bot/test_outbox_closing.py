"""A 撤销 or 无效 whose notice the handler never sent (a crash after the commit): the sweep
sends it and still takes the buttons off the card the handler held, once."""
from __future__ import annotations

from sqlalchemy import select

from handlers.shared.delivery import deliver
from storage.models import OutboxMessage
from tests.conftest import MEMBER, RESIDENT
from tests.integration.bot.test_outbox import AFTER_LEASE, report, wire  # noqa: F401


async def test_the_sweep_sends_a_withdrawal_and_closes_the_card(core, wire):  # noqa: F811
    session, deps, sender = wire
    outcome = await report(core)
    await deliver(deps, outcome.notices)  # the grid member's card, sent and recorded
    (card,) = [r for r in session.sent(chat_id=MEMBER.id) if "新工单" in (r.text or "")]
    cancelled = await core.service.cancel(RESIDENT.id, outcome.ticket.id)  # then the process dies
    assert [n.chat_id for n in cancelled.notices] == [MEMBER.id]
    before = len(session.requests)
    assert await sender.deliver_once(core.service.clock() + AFTER_LEASE) == 1
    sent = session.requests[before:]
    (told,) = [r for r in sent if r.method == "sendMessage"]
    assert told.chat_id == MEMBER.id and "居民已撤销" in told.text
    assert "工单卡片已更新" in told.text and outcome.ticket.text[:8] not in told.text  # the card is not sent twice
    (edited,) = [r for r in sent if r.method == "editMessageText"]
    assert edited.data["message_id"] == card.result["message_id"] and "已撤销" in edited.text
    assert not edited.data.get("reply_markup")
    assert await sender.deliver_once(core.service.clock() + 2 * AFTER_LEASE) == 0
    async with core.session_factory() as s:
        row = (await s.execute(select(OutboxMessage).where(OutboxMessage.kind == "cancelled"))).scalar_one()
    assert row.outcome == "sent"


async def test_an_invalid_notice_reaches_the_resident_from_the_sweep(core, wire):  # noqa: F811
    session, deps, sender = wire
    outcome = await report(core)
    await deliver(deps, outcome.notices)
    await core.service.invalidate(MEMBER.id, outcome.ticket.id, "测试")
    assert await sender.deliver_once(core.service.clock() + AFTER_LEASE) == 1
    (notice,) = [r.text for r in session.sent(chat_id=RESIDENT.id) if r.text and "已受理" not in r.text]
    assert "原因：测试" in notice
