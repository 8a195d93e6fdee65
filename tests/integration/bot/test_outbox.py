"""The transactional outbox, in process: what the workflow decides is queued with its change,
sent right after the commit, and what a crash or a failed send leaves is sent by the sweep,
once (only the one message in flight at the crash may arrive twice)."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bot.jobs.outbox import OutboxSender
from bot.serviceapp import build_service_deps
from delivery.notifier import Notifier
from delivery.offline import RecordingSession, make_offline_bot
from handlers.shared.delivery import deliver
from handlers.shared.service_delivery import deliver_orders, send_poll_rows
from storage.models import MatterPoll, OutboxMessage
from tests.conftest import CADRE, MEMBER, RESIDENT, STAFF_IDS
from tickets import outbox
from tickets.errors import Stale
from tickets.reports import Report
from tickets.views import NoticeKind

REPORT = "3号楼楼道堆满杂物，堵住了消防通道"
AFTER_LEASE = timedelta(minutes=2)


@pytest.fixture
async def wire(core):
    session = RecordingSession(reachable=(*STAFF_IDS, RESIDENT.id, *range(960000, 960040)))
    bot = make_offline_bot(session)
    notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000, max_retries=0)
    deps = SimpleNamespace(notifier=notifier, languages=core.languages, tz=core.tz, service=core.service)
    sender = OutboxSender(core.session_factory, notifier, core.tz, clock=core.service.clock,
                          languages=core.languages)
    yield session, deps, sender
    await notifier.aclose()
    await bot.session.close()


async def count(core, *where) -> int:
    async with core.session_factory() as s:
        return (await s.execute(select(func.count(OutboxMessage.id)).where(*where))).scalar_one()


async def report(core, message_id: int = 1):
    await core.service.join(RESIDENT.id, "WT01", RESIDENT.name)
    return await core.service.report(Report(RESIDENT.id, RESIDENT.id, message_id, REPORT, RESIDENT.name))


def cards(session, chat_id: int) -> list[str]:
    return [r.text for r in session.sent(chat_id=chat_id) if r.text and "新工单" in r.text]


async def test_a_card_never_sent_after_the_commit_is_sent_by_the_sweep_once(core, wire):
    session, _deps, sender = wire
    outcome = await report(core)  # committed; the process dies before the handler sends anything
    ack, card = outcome.notices
    assert ack.outbox_id is not None and ack.chat_id == RESIDENT.id and ack.kind == NoticeKind.REPORTED
    assert card.outbox_id is not None and card.chat_id == MEMBER.id
    assert await sender.deliver_once() == 0, "claimed by the handler: not raced while it sends"
    later = core.service.clock() + AFTER_LEASE
    assert await sender.deliver_once(later) == 2
    assert await sender.deliver_once(later + AFTER_LEASE) == 0
    assert len(cards(session, MEMBER.id)) == 1
    acks = [r.text for r in session.sent(chat_id=RESIDENT.id) if "已受理" in (r.text or "")]
    assert len(acks) == 1, "the acknowledgement is not lost either"
    async with core.session_factory() as s:
        row = await s.get(OutboxMessage, card.outbox_id)
    assert row.sent_at is not None and row.message_id is not None
    assert row.key == f"ticket:{outcome.ticket.id}:new_task:v0:chat:{MEMBER.id}"


async def test_a_failed_card_is_sent_by_the_sweep_once(core, wire):
    session, deps, sender = wire
    outcome = await report(core)
    session.fail_next("sendMessage", status=500, description="Internal Server Error", chat_id=MEMBER.id)
    await deliver(deps, outcome.notices)
    assert cards(session, MEMBER.id) == []
    assert await sender.deliver_once(core.service.clock() + AFTER_LEASE) == 1
    assert await sender.deliver_once(core.service.clock() + 2 * AFTER_LEASE) == 0
    assert len(cards(session, MEMBER.id)) == 1


async def test_a_card_cancelled_mid_send_arrives_at_most_twice_and_the_others_once(core, wire):
    session, deps, sender = wire
    outcome = await report(core)
    accepted = await core.service.accept(MEMBER.id, outcome.ticket.id)
    await deliver(deps, outcome.notices)
    hold = session.hold("sendMessage", chat_id=RESIDENT.id)
    task = asyncio.create_task(deliver(deps, accepted.notices))
    await hold.arrived.wait()  # delivered by Telegram; the bot dies before it reads the answer
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    hold.release()
    assert await sender.deliver_once(core.service.clock() + AFTER_LEASE) == 1
    acks = [r.text for r in session.sent(chat_id=RESIDENT.id) if "签收" in (r.text or "")]
    assert len(acks) == 2, "the one in flight may arrive twice, never more"
    assert len(cards(session, MEMBER.id)) == 1
    assert await count(core, OutboxMessage.sent_at.is_(None)) == 0


async def test_a_replayed_command_queues_nothing_twice(core, wire):
    _session, _deps, _sender = wire
    first = await report(core, message_id=7)
    again = await report(core, message_id=7)  # Telegram delivered the update twice
    assert again.duplicate and again.notices == [] and again.ticket.id == first.ticket.id
    await core.service.accept(MEMBER.id, first.ticket.id)
    with pytest.raises(Stale):
        await core.service.accept(MEMBER.id, first.ticket.id)
    assert await count(core) == 3  # the 受理 acknowledgement, the card and the 签收 notice, once each
    async with core.session_factory() as s, s.begin():
        row = outbox.Row(f"ticket:{first.ticket.id}:accepted:v1:chat:{RESIDENT.id}", RESIDENT.id, "accepted",
                         ticket_id=first.ticket.id)
        assert await outbox.put(s, [row], core.service.clock()) == {}
    assert await count(core) == 3


async def residents(core, n: int) -> list[int]:
    ids = list(range(960000, 960000 + n))
    for i in ids:
        await core.service.join(i, "WT01", f"居民{i}")
    return ids


async def test_a_poll_to_40_residents_killed_after_20_resumes_with_the_other_20(core, wire):
    session, deps, sender = wire
    services = build_service_deps(core)
    people = await residents(core, 40)
    view, _ = await services.matters.draft(CADRE.id, CADRE.name, "加装电梯？", ["同意", "反对"], "WT01")
    view, jobs = await services.matters.open(CADRE.id, view.id)
    assert {j.chat_id for j in jobs} == set(people)
    await send_poll_rows(deps, services.matters, view, jobs[:20])
    hold = session.hold("sendPoll", chat_id=jobs[20].chat_id)
    task = asyncio.create_task(send_poll_rows(deps, services.matters, view, jobs[20:21]))
    await hold.arrived.wait()
    task.cancel()  # killed mid-send: 21 delivered, 20 recorded
    with pytest.raises(asyncio.CancelledError):
        await task
    hold.release()
    assert await count(core, OutboxMessage.kind == "matter.poll", OutboxMessage.sent_at.is_not(None)) == 20
    assert await sender.deliver_once(core.service.clock() + AFTER_LEASE) == 20
    polls = Counter(r.data["chat_id"] for r in session.sent(method="sendPoll"))
    assert set(polls) == set(people)
    assert sorted(polls.values()).count(2) <= 1 and max(polls.values()) <= 2
    async with core.session_factory() as s:
        recorded = (await s.execute(select(MatterPoll.chat_id, MatterPoll.poll_id)
                                    .where(MatterPoll.matter_id == view.id))).all()
        ids = (await s.execute(select(OutboxMessage.poll_id).where(OutboxMessage.kind == "matter.poll"))).scalars()
        assert all(ids)
    assert {c for c, _ in recorded} == set(people) and all(p for _, p in recorded)
    assert await sender.deliver_once(core.service.clock() + 2 * AFTER_LEASE) == 0


async def test_order_notices_lost_in_a_crash_are_sent_by_the_sweep_once(core, wire):
    session, deps, sender = wire
    services = build_service_deps(core)
    await core.service.join(RESIDENT.id, "WT01", RESIDENT.name)
    outcome = await services.orders.open_order(RESIDENT.id, RESIDENT.id, 5, "帮忙取一下药", "any")
    assert outcome.notices and all(n.outbox_id for n in outcome.notices)
    first, *rest = outcome.notices
    await deliver_orders(deps, [first])  # the process dies after the first
    later = core.service.clock() + AFTER_LEASE
    assert await sender.deliver_once(later) == len(rest)
    assert await sender.deliver_once(later + AFTER_LEASE) == 0
    for n in outcome.notices:
        assert len(session.sent(chat_id=n.chat_id)) == 1


async def test_an_order_stored_just_before_a_crash_is_still_acknowledged_to_the_resident(core, wire):
    """The process dies right after 点单 is stored, before anything is sent (found by a
    tester: the replayed press is dropped, so only the outbox can still say it arrived)."""
    session, _deps, sender = wire
    services = build_service_deps(core)
    await core.service.join(RESIDENT.id, "WT01", RESIDENT.name)
    outcome = await services.orders.open_order(RESIDENT.id, RESIDENT.id, 5, "帮忙取一下药", "any")
    assert await sender.deliver_once(core.service.clock() + AFTER_LEASE) == len(outcome.notices)
    acks = [r.text for r in session.sent(chat_id=RESIDENT.id)]
    assert len(acks) == 1 and f"#{outcome.order.id}" in acks[0] and "已收到" in acks[0]
    assert session.sent(chat_id=CADRE.id), "the cadre's 议单 card too"


async def test_marks_made_at_once_are_written_together_each_as_given(core):
    """Group commit of marks: many at once, some with Telegram's message id, some failed
    (left for the sweep): each row ends as its own mark said, none loses its message id."""
    now = core.service.clock()
    async with core.session_factory() as s, s.begin():
        ids = await outbox.put(s, [outbox.Row(f"test:{i}", 900000 + i, "test") for i in range(12)], now, claimed=True)
    rows = sorted(ids.values())
    await outbox.mark(core.session_factory, rows[0], "sent", now, final=True, telegram_message_id=500,
                      lock=core.service.write_lock)
    await asyncio.gather(*(
        outbox.mark(core.session_factory, row, "failed" if i % 3 == 0 else "sent", now, final=i % 3 != 0,
                    telegram_message_id=None if i % 3 == 0 else 1000 + i, lock=core.service.write_lock)
        for i, row in enumerate(rows[1:], 1)))
    async with core.session_factory() as s:
        got = {m.id: m for m in (await s.execute(select(OutboxMessage).where(OutboxMessage.id.in_(rows)))).scalars()}
    assert (got[rows[0]].outcome, got[rows[0]].message_id, got[rows[0]].sent_at is not None) == ("sent", 500, True)
    for i, row in enumerate(rows[1:], 1):
        m = got[row]
        if i % 3 == 0:
            assert (m.outcome, m.message_id, m.sent_at) == ("failed", None, None), i  # the sweep tries again
        else:
            assert (m.outcome, m.message_id, m.sent_at is not None) == ("sent", 1000 + i, True), i


async def test_updates_handled_over_a_week_ago_are_forgotten(core, wire):
    from storage import updates
    from storage.models import ProcessedUpdate

    _session, _deps, sender = wire
    now = core.service.clock()
    with updates.handling(updates.keys_of(1, 5, 6), now - timedelta(days=8)) as old:
        await updates.record(core.session_factory, old)
    with updates.handling(updates.keys_of(2), now) as new:
        await updates.record(core.session_factory, new)
    await sender.prune_updates(now)
    async with core.session_factory() as s:
        kept = set((await s.execute(select(ProcessedUpdate.key))).scalars())
        assert kept == {"update:2"} and await updates.seen(s, ["update:2"])


async def test_a_card_whose_senders_keep_dying_is_sent_in_the_end_once(core, wire):
    """A claim is no attempt: a row claimed again and again by senders that die before
    Telegram answers (a crash loop under load) is not given up after five claims."""
    session, _deps, sender = wire
    outcome = await report(core)
    _ack, card = outcome.notices
    now = core.service.clock()
    for i in range(1, 8):  # seven sweeps claim it after each lease, and each one dies
        claimed = await outbox.claim(core.session_factory, now + i * AFTER_LEASE)
        assert card.outbox_id in {m.id for m in claimed}
    assert await sender.deliver_once(now + 8 * AFTER_LEASE) == 2
    assert len(cards(session, MEMBER.id)) == 1
    async with core.session_factory() as s:
        row = await s.get(OutboxMessage, card.outbox_id)
    assert (row.outcome, row.attempts) == ("sent", 0)


async def test_a_card_that_keeps_failing_is_given_up_after_five_failed_sends(core, wire):
    session, deps, sender = wire
    outcome = await report(core)
    _ack, card = outcome.notices
    for _ in range(6):
        session.fail_next("sendMessage", status=500, description="Internal Server Error", chat_id=MEMBER.id)
    await deliver(deps, outcome.notices)  # the handler's send: the first failure
    now = core.service.clock()
    for i in range(1, 6):  # four more failures, then nothing is tried any more
        await sender.deliver_once(now + i * AFTER_LEASE)
    assert cards(session, MEMBER.id) == []
    async with core.session_factory() as s:
        row = await s.get(OutboxMessage, card.outbox_id)
    assert (row.outcome, row.attempts, row.sent_at) == ("failed", 5, None)
    tries = [r for r in session.requests if getattr(r, "chat_id", None) == MEMBER.id]
    assert len(tries) == 5


async def test_a_card_still_waiting_in_a_living_sender_is_not_taken_by_another_sweep(core, wire):
    """Under load a handler's card can wait for its turn longer than the lease: its claim is
    renewed while it waits, so another instance's sweep does not send it as well. Once its
    sender is gone (nothing renews it), a sweep after the lease sends it."""
    session, _deps, sender = wire
    outcome = await report(core)
    now = core.service.clock()
    with outbox.holding(core.session_factory, [n.outbox_id for n in outcome.notices]):
        assert await outbox.renew(core.session_factory, now + AFTER_LEASE) == 2
        assert await outbox.claim(core.session_factory, now + AFTER_LEASE + timedelta(seconds=30)) == []
    assert await outbox.renew(core.session_factory, now + 2 * AFTER_LEASE) == 0
    assert await sender.deliver_once(now + 3 * AFTER_LEASE) == 2
    assert len(cards(session, MEMBER.id)) == 1
