"""督办 end to end on a migrated SQLite file: the workflow opens and moves tickets, sweeps
run on a moving clock (nothing sleeps), messages go out through the notifier into a
RecordingSession."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from delivery.offline import RecordingSession
from storage.models import Staff, TicketEvent
from supervision import reminders
from tests.support.reminder_kit import (
    CADRE,
    MEMBER,
    RESIDENT,
    STREET_CADRE,
    Clock,
    Kit,
    local,
    make_kit,
    postgres_database,
)

OTHER_MEMBER = 720201  # 周网格, WT02


@pytest.fixture
async def kit(tmp_path):
    kit = await make_kit(tmp_path, Clock(local(2026, 11, 23, 9, 0)))  # a Monday, 09:00
    yield kit
    await kit.close()


def heads(kit, chat_id: int) -> list[str]:
    return [t.splitlines()[0] for t in kit.texts(chat_id)]


async def test_each_step_reaches_the_right_people_with_the_ticket_and_its_buttons(kit):
    tid = await kit.report()
    await kit.sweep(local(2026, 11, 23, 9, 0))
    assert kit.session.requests == []  # nothing due yet: the sweep only worked out the ladder
    assert (await kit.ticket(tid)).next_check_at == local(2026, 11, 23, 10, 36)

    await kit.sweep(local(2026, 11, 23, 10, 36))  # 80% of the 签收 window
    [soon] = kit.reminders_to(MEMBER, tid)
    assert "将于 11月23日（周一）11:00 到达签收时限" in soon.text
    assert f"工单 #{tid}" in soon.text and "3号楼楼道堆满杂物" in soon.text  # the ticket's card
    assert RecordingSession.buttons(soon) == [("✅ 签收", f"tk:acc:{tid}"), ("↩️ 退回", f"tk:ret:{tid}"),
                                              ("🚫 无效", f"tk:inv:{tid}"), ("💬 联系反映人", f"rl:msg:{tid}")]
    assert kit.texts(CADRE) == []

    report = await kit.sweep(local(2026, 11, 23, 11, 0))  # the 签收 deadline
    assert report.sent == 2 and report.escalated == 1
    assert "已到签收时限" in kit.texts(MEMBER)[-1]
    [cadre] = kit.reminders_to(CADRE, tid)
    assert "督办：梧桐一网格" in cadre.text and "处理人：孙网格" in cadre.text
    assert RecordingSession.buttons(cadre)  # cadres may 签收/退回 for the grid too
    assert (await kit.ticket(tid)).escalation_level == 1

    await kit.service.accept(MEMBER, tid)
    await kit.sweep(local(2026, 11, 25, 12, 36))  # 80% of the 办结 window
    assert "到达办结时限" in kit.texts(MEMBER)[-1]
    assert RecordingSession.buttons(kit.reminders_to(MEMBER, tid)[-1])[0] == ("🏁 办结", f"tk:res:{tid}")
    await kit.sweep(local(2026, 11, 26, 9, 0))  # the 办结 deadline: assignee and community cadre
    await kit.sweep(local(2026, 11, 26, 16, 0))  # nothing new: each step once
    assert kit.texts(STREET_CADRE) == []
    await kit.sweep(local(2026, 11, 27, 9, 0))  # one working day later: the street
    assert "已超期1天" in kit.texts(STREET_CADRE)[0]
    assert (await kit.ticket(tid)).escalation_level == 2

    assert len(kit.reminders_to(MEMBER, tid)) == 4
    assert len(kit.reminders_to(CADRE, tid)) == 2
    assert len(kit.reminders_to(STREET_CADRE, tid)) == 1
    async with kit.session_factory() as s:
        notes = (await s.execute(select(TicketEvent.note).where(TicketEvent.action == "督办"))).scalars().all()
    assert notes == ["超期督办，升至第1级", "超期督办，升至第2级"]

    await kit.service.resolve(MEMBER, tid, "已清理")
    assert (await kit.ticket(tid)).next_check_at is None
    before = len(kit.session.requests)
    await kit.sweep(local(2026, 12, 10, 9, 0))
    assert len(kit.session.requests) == before


async def test_quiet_hours_hold_a_non_urgent_reminder_until_0730_and_let_an_urgent_one_through(kit):
    calm = await kit.report("小区路灯不亮")  # Monday 09:00; 签收 by 11:00
    # The bot was down all evening: the overdue notice found at 23:00 waits for the morning.
    report = await kit.sweep(local(2026, 11, 23, 23, 0))
    assert report.held == 1 and kit.session.requests == []
    assert (await kit.ticket(calm)).next_check_at == local(2026, 11, 24, 7, 30)

    fire = await kit.report("楼下垃圾桶起火了", at=local(2026, 11, 23, 23, 0))
    await kit.sweep(local(2026, 11, 23, 23, 0))
    await kit.sweep(local(2026, 11, 23, 23, 24))  # 80% of 30 clock minutes, at night
    [urgent] = kit.reminders_to(MEMBER, fire)
    assert "🚨 紧急" in urgent.text
    assert kit.reminders_to(MEMBER, calm) == []

    await kit.sweep(local(2026, 11, 24, 7, 29))
    assert kit.reminders_to(MEMBER, calm) == []
    await kit.sweep(local(2026, 11, 24, 7, 30))
    assert len(kit.reminders_to(MEMBER, calm)) == 1 and len(kit.reminders_to(CADRE, calm)) == 1


async def test_a_report_the_evening_before_national_day_waits_for_the_holiday_to_end(kit):
    tid = await kit.report(at=local(2026, 9, 30, 20, 0))
    day = local(2026, 9, 30, 20, 0)
    while day < local(2026, 10, 8, 8, 0):  # a sweep every two hours through the holiday
        await kit.sweep(day)
        day += timedelta(hours=2)
    assert kit.session.requests == []
    await kit.sweep(local(2026, 10, 8, 10, 6))
    assert len(kit.reminders_to(MEMBER, tid)) == 1
    await kit.service.accept(MEMBER, tid)
    await kit.sweep(local(2026, 10, 10, 17, 30))  # Saturday, a 调休 working day: the deadline
    assert "10月10日（周六）17:30" in kit.texts(CADRE)[-1]
    await kit.sweep(local(2026, 10, 11, 17, 30))  # Sunday is off: the street waits for Monday
    assert kit.texts(STREET_CADRE) == []
    await kit.sweep(local(2026, 10, 12, 17, 30))
    assert len(kit.texts(STREET_CADRE)) == 1


async def test_return_keeps_the_clock_reassign_and_reopen_start_a_new_round(kit):
    tid = await kit.report()
    await kit.sweep(local(2026, 11, 23, 10, 36))
    first = await kit.ticket(tid)

    # 退回: the deadlines stand; the cadre hears at the same 办结 deadline, the member no more.
    await kit.service.return_(MEMBER, tid, "不属于本网格")
    returned = await kit.ticket(tid)
    assert returned.resolve_deadline == first.resolve_deadline
    await kit.sweep(local(2026, 11, 23, 11, 0))
    assert len(kit.reminders_to(MEMBER, tid)) == 1  # only the 80% one from before

    # 转派 at 14:00: fresh windows for the new member, escalation back to 0.
    async with kit.session_factory() as s:
        other = (await s.execute(select(Staff).where(Staff.telegram_id == OTHER_MEMBER))).scalar_one()
    kit.clock.set(local(2026, 11, 23, 14, 0))
    await kit.service.reassign(CADRE, tid, other.id)
    moved = await kit.ticket(tid)
    assert moved.accept_deadline == local(2026, 11, 23, 16, 0) and moved.escalation_level == 0
    await kit.sweep(local(2026, 11, 23, 14, 0))
    await kit.sweep(local(2026, 11, 23, 15, 36))
    assert len(kit.reminders_to(OTHER_MEMBER, tid)) == 1
    await kit.sweep(local(2026, 11, 23, 16, 0))
    assert len(kit.reminders_to(OTHER_MEMBER, tid)) == 2
    assert len(kit.reminders_to(CADRE, tid)) == 1  # the new round's 签收 deadline

    # 重办 after 未解决: the same member again, with a new round of the same steps.
    await kit.service.accept(OTHER_MEMBER, tid)
    kit.clock.set(local(2026, 11, 24, 9, 0))
    await kit.service.resolve(OTHER_MEMBER, tid, "已处理")
    kit.clock.set(local(2026, 11, 24, 10, 0))
    await kit.service.rate_solved(RESIDENT, tid, False)
    reopened = await kit.ticket(tid)
    assert reopened.state == "reopened" and reopened.accept_deadline == local(2026, 11, 24, 12, 0)
    await kit.sweep(local(2026, 11, 24, 11, 36))
    assert "到达签收时限" in kit.reminders_to(OTHER_MEMBER, tid)[-1].text
    assert len(kit.reminders_to(OTHER_MEMBER, tid)) == 3


class Crash(BaseException):
    """The process dies: not an Exception, so nothing on the way catches it."""


async def test_a_crash_between_claiming_and_sending_sends_once_after_the_lease(kit):
    tid = await kit.report()
    await kit.sweep(local(2026, 11, 23, 9, 0))

    async def crash(reminder):
        raise Crash

    now = local(2026, 11, 23, 11, 0)
    with pytest.raises(Crash):
        await kit.sweep_with(crash, now)
    rows = await kit.deliveries()
    assert {r.step for r in rows} == {"accept_due"} and all(r.sent_at is None for r in rows)
    assert kit.session.requests == []
    # Queued in the outbox in the claim's transaction, one row per step and person.
    queued = await reminder_rows(kit)
    assert sorted(m.key for m in queued) == sorted(
        f"reminder:{tid}:accept_due:{r.deadline:%Y%m%dT%H%M%S}:chat:{r.chat_id}" for r in rows)
    assert all(m.sent_at is None for m in queued)

    await kit.sweep(now + timedelta(minutes=5))  # within the lease: someone may still be sending
    assert kit.session.requests == []
    report = await kit.sweep(now + timedelta(minutes=16))
    assert report.retried == 2 and report.sent == 2
    assert len(kit.reminders_to(MEMBER, tid)) == 1 and len(kit.reminders_to(CADRE, tid)) == 1
    await kit.sweep(now + timedelta(hours=2))
    assert len(kit.reminders_to(MEMBER, tid)) == 1 and len(kit.reminders_to(CADRE, tid)) == 1
    assert {r.outcome for r in await kit.deliveries()} == {"sent"}
    # `attempts` counts failed sends: the crash was none (a row whose senders keep dying is
    # never given up for it, tickets.outbox.claim_in).
    assert {(m.outcome, m.attempts) for m in await reminder_rows(kit)} == {("sent", 0)}


async def reminder_rows(kit):
    from storage.models import OutboxMessage

    async with kit.session_factory() as s:
        return list((await s.execute(select(OutboxMessage).where(OutboxMessage.kind == "reminder"))).scalars())


async def test_a_stale_claim_for_a_ticket_that_moved_on_is_not_sent(kit):
    tid = await kit.report()

    async def crash(reminder):
        raise Crash

    with pytest.raises(Crash):
        await kit.sweep_with(crash, local(2026, 11, 23, 10, 40))
    kit.clock.set(local(2026, 11, 23, 10, 45))
    await kit.service.accept(MEMBER, tid)  # the "签收 soon" reminder is now pointless
    report = await kit.sweep(local(2026, 11, 23, 11, 0))
    assert report.obsolete == 1 and kit.reminders_to(MEMBER, tid) == []


async def run_concurrent_sweeps(url: str, tmp_path) -> None:
    """Two processes (each its own engine) sweep the same due tickets at the same moment,
    in small batches, until nothing is left: every reminder goes out exactly once."""
    kit = await make_kit(tmp_path, Clock(local(2026, 11, 23, 9, 0)), url=url, scheduler={"batch": 4})
    other = Kit(kit.url, kit.clock, kit.settings)
    other.bot.session = kit.session  # one Telegram, to count what reached it
    try:
        for i in range(1, 26):
            await kit.report(f"{i}号楼楼道堆物")
        await kit.sweep(local(2026, 11, 23, 9, 0))
        now = local(2026, 11, 23, 11, 0)

        async def process(k) -> int:
            sent = 0
            while True:
                report = await k.jobs.sweep_once(now)
                sent += report.sent
                if not report.tickets:
                    return sent

        a, b = await asyncio.gather(process(kit), process(other))
        assert a + b == 50 and a and b  # both took a share
        sent = Counter((r.chat_id, r.text.splitlines()[0]) for r in kit.session.sent(method="sendMessage"))
        assert len(sent) == 50 and max(sent.values()) == 1
        assert {r.chat_id for r in kit.session.sent()} == {MEMBER, CADRE}
    finally:
        await other.close()
        await kit.close()


async def test_two_sweeps_at_once_send_nothing_twice(tmp_path):
    await run_concurrent_sweeps(f"sqlite+aiosqlite:///{tmp_path / 'shared.sqlite3'}", tmp_path)


@pytest.mark.postgres
async def test_two_sweeps_at_once_on_postgresql(tmp_path, postgres_url):
    await run_concurrent_sweeps(postgres_url, tmp_path)


async def test_the_unique_key_stops_a_second_claim_of_the_same_step(kit, monkeypatch):
    """Should two sweeps ever plan the same step (a stale read), the insert of the second
    claims nothing and so sends nothing."""
    tid = await kit.report()
    await kit.sweep(local(2026, 11, 23, 10, 36))
    assert len(kit.reminders_to(MEMBER, tid)) == 1
    real_plan = reminders.plan
    monkeypatch.setattr(reminders, "plan", lambda t, ladder, cal, now, done, quiet: real_plan(
        t, ladder, cal, now, (), quiet))  # forget what was claimed
    await kit.force_due(tid, local(2026, 11, 23, 10, 40))
    report = await kit.sweep(local(2026, 11, 23, 10, 40))
    assert report.tickets == 1 and report.sent == 0
    assert len(kit.reminders_to(MEMBER, tid)) == 1


async def test_telegram_errors_lose_nothing(kit):
    ids = [await kit.report(f"{i}号楼楼道堆物") for i in range(1, 4)]
    await kit.sweep(local(2026, 11, 23, 9, 0))
    s = kit.session
    s.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 3", retry_after=3)
    s.fail_next("sendMessage", status=500, description="Internal Server Error")
    s.fail_next_timeout("sendMessage")
    report = await kit.sweep(local(2026, 11, 23, 10, 36))
    assert report.sent == 3 and report.failed == 0
    assert kit.notifier.stats.retried == 3 and kit.notifier.stats.rate_limited == 1
    assert sorted(int(r.text.split("#")[1].split()[0]) for r in kit.reminders_to(MEMBER)) == ids

    # Failures past the notifier's own retries: the row waits for the lease, then goes.
    for _ in range(kit.notifier.max_retries + 1):
        s.fail_next("sendMessage", status=502, description="Bad Gateway", chat_id=CADRE)
    report = await kit.sweep(local(2026, 11, 23, 11, 0))
    assert report.failed == 1 and report.sent == 5
    report = await kit.sweep(local(2026, 11, 23, 11, 16))
    assert report.retried == 1 and report.sent == 1
    assert len(kit.reminders_to(CADRE)) == 3


async def test_403_flags_the_member_and_tells_their_cadre_once(kit):
    tid = await kit.report()
    await kit.sweep(local(2026, 11, 23, 9, 0))
    kit.session.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user",
                          chat_id=MEMBER)
    report = await kit.sweep(local(2026, 11, 23, 10, 36))
    assert report.blocked == 1
    assert await kit.staff_blocked(MEMBER) == [local(2026, 11, 23, 10, 36)]
    [notice] = kit.texts(CADRE)
    assert "网格员孙网格（梧桐一网格（1-6号楼））无法通过机器人联系" in notice

    kit.session.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user",
                          chat_id=MEMBER)
    await kit.sweep(local(2026, 11, 23, 11, 0))
    assert len(kit.texts(CADRE)) == 2  # the overdue reminder; no second "blocked" notice
    assert "已屏蔽" not in kit.texts(CADRE)[1]
    # Flagged, the member no longer holds the ticket (it went to the backup): no second try.
    assert {(r.step, r.outcome) for r in await kit.deliveries() if r.chat_id == MEMBER} == {
        ("accept_soon", "blocked")}
    async with kit.session_factory() as s:
        holder = await s.get(Staff, (await kit.ticket(tid)).assignee_id)
    assert holder is not None and holder.telegram_id != MEMBER


@pytest.fixture
async def postgres_url():
    async for url in postgres_database():
        yield url


async def test_button_presses_during_a_sweep_do_not_fail_on_sqlite(kit):
    """The workflow reads, then writes; a sweep committing in between must not break it."""
    ids = [await kit.report(f"{i}号楼楼道堆物") for i in range(1, 21)]
    await kit.sweep(local(2026, 11, 23, 9, 0))
    now = local(2026, 11, 23, 10, 40)
    kit.clock.set(now)
    await asyncio.gather(*(kit.service.accept(MEMBER, i) for i in ids[:10]), kit.jobs.sweep_once(now),
                         *(kit.service.accept(MEMBER, i) for i in ids[10:]))
    assert {(await kit.ticket(i)).state for i in ids} == {"accepted"}
