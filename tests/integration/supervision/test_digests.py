"""Digests at their times, each person once per period; and the scheduler that runs them."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from bot.scheduler import create_scheduler, last_fire_time
from storage.models import Staff
from supervision import digests
from supervision.digests import period_for
from tests.support.reminder_kit import (
    CADRE,
    MEMBER,
    RESIDENT,
    STREET_CADRE,
    Clock,
    local,
    make_kit,
)

TZ = ZoneInfo("Asia/Shanghai")
FAR_CADRE = 710002  # 枫林社区


@pytest.fixture
async def kit(tmp_path):
    kit = await make_kit(tmp_path, Clock(local(2026, 11, 23, 9, 0)))
    yield kit
    await kit.close()


def test_periods():
    assert period_for("daily", local(2026, 11, 24, 8, 0), TZ).key == "2026-11-24"
    week = period_for("weekly", local(2026, 11, 23, 8, 30), TZ)
    assert (week.key, week.start, week.end) == ("2026-W48", local(2026, 11, 23, 0, 0), local(2026, 11, 30, 0, 0))
    first_half = period_for("half_month", local(2026, 11, 16, 9, 0), TZ)
    assert (first_half.key, first_half.start, first_half.end) == (
        "2026-11-H1", local(2026, 11, 1, 0, 0), local(2026, 11, 16, 0, 0))
    second_half = period_for("half_month", local(2026, 12, 1, 9, 0), TZ)
    assert (second_half.key, second_half.start, second_half.end) == (
        "2026-11-H2", local(2026, 11, 16, 0, 0), local(2026, 12, 1, 0, 0))
    month = period_for("monthly", local(2027, 1, 1, 9, 30), TZ)
    assert (month.key, month.start, month.end) == ("2026-12", local(2026, 12, 1, 0, 0), local(2027, 1, 1, 0, 0))


async def test_the_scheduler_runs_the_sweep_and_the_digests_at_their_local_times(kit):
    kit.clock.set(local(2026, 11, 22, 12, 0))  # a Sunday noon: nothing to catch up
    scheduler = create_scheduler(kit, kit.notifier, kit.settings, clock=kit.clock)
    scheduler.start(paused=True)  # job defaults are applied on start; paused, nothing runs
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == {"reminder-sweep", "digest-daily", "digest-weekly", "digest-half_month", "digest-monthly",
                         "bulletin-monthly",  # 一月一通报's charts: bot.jobs.bulletins
                         "calendar-notice"}  # from 1 December, a year without official 调休: bot.workcalendar
    sweep = jobs["reminder-sweep"]
    assert isinstance(sweep.trigger, IntervalTrigger) and sweep.trigger.interval == timedelta(seconds=45)
    assert (sweep.coalesce, sweep.max_instances, sweep.misfire_grace_time) == (True, 1, 45)
    assert jobs["digest-daily"].misfire_grace_time == 7200

    def next_at(job_id: str, after: datetime) -> datetime:
        return jobs[job_id].trigger.get_next_fire_time(None, after).astimezone(TZ).replace(tzinfo=None)

    sunday = local(2026, 11, 22, 12, 0)
    assert next_at("digest-daily", sunday) == datetime(2026, 11, 23, 8, 0)
    assert next_at("digest-weekly", sunday) == datetime(2026, 11, 23, 8, 30)  # 每周一
    assert next_at("digest-half_month", sunday) == datetime(2026, 12, 1, 9, 0)
    assert next_at("digest-half_month", local(2026, 12, 1, 10, 0)) == datetime(2026, 12, 16, 9, 0)
    assert next_at("digest-monthly", sunday) == datetime(2026, 12, 1, 9, 30)


def test_a_restart_after_a_digest_time_catches_it_up(kit):
    kit.clock.set(local(2026, 11, 23, 8, 45))  # Monday: daily at 08:00 and weekly at 08:30 passed
    scheduler = create_scheduler(kit, kit.notifier, kit.settings, clock=kit.clock)
    catch_up = {job.id: job.args for job in scheduler.get_jobs() if job.id.endswith("catch-up")}
    assert catch_up == {"digest-daily-catch-up": ("daily", local(2026, 11, 23, 8, 0)),
                        "digest-weekly-catch-up": ("weekly", local(2026, 11, 23, 8, 30))}
    trigger = CronTrigger.from_crontab("0 8 * * *", timezone=TZ)
    assert last_fire_time(trigger, local(2026, 11, 23, 11, 0), timedelta(hours=2)) is None


async def open_some(kit) -> list[int]:
    """Monday 09:00: three reports in WT01; one accepted, one returned."""
    ids = [await kit.report(f"{i}号楼楼道堆物") for i in (1, 2, 3)]
    await kit.service.accept(MEMBER, ids[0])
    await kit.service.return_(MEMBER, ids[2], "不归我管")
    return ids


async def test_every_morning_each_grid_member_gets_their_open_tasks_once(kit):
    ids = await open_some(kit)
    kit.clock.set(local(2026, 11, 24, 8, 0))
    report = await kit.jobs.digest_once("daily")
    assert (report.sent, report.recipients) == (1, 1)
    [text] = kit.texts(MEMBER)
    assert "早上好，孙网格！您有 2 件待办工单" in text
    assert f"#{ids[0]}　处理中" in text and f"#{ids[1]}　待签收" in text and f"#{ids[2]}" not in text
    assert "🔴" in text  # the 签收 deadline of the second passed yesterday at 11:00

    kit.clock.set(local(2026, 11, 24, 8, 5))
    again = await kit.jobs.digest_once("daily", local(2026, 11, 24, 8, 0))  # a catch-up after a restart
    assert (again.sent, again.skipped) == (0, 1) and len(kit.texts(MEMBER)) == 1


async def test_every_monday_cadres_get_overdue_and_due_this_week_by_grid(kit):
    ids = await open_some(kit)  # Monday Nov 23: due Thursday Nov 26, so overdue a week later
    soon = await kit.report("路灯不亮", at=local(2026, 11, 27, 9, 0))  # due Wednesday Dec 2
    later = await kit.report("楼顶违建", at=local(2026, 11, 27, 9, 0))  # 违法建设: 10 working days
    kit.clock.set(local(2026, 11, 30, 8, 30))
    report = await kit.jobs.digest_once("weekly")
    assert report.sent == 2  # the community cadre and the street cadre
    [community] = kit.texts(CADRE)
    assert "每周一提醒（梧桐社区）" in community
    assert "梧桐一网格（1-6号楼）</b>：超期 3 件，本周到期 1 件" in community
    assert all(f"🔴#{i}" in community for i in ids)
    assert f"#{soon}　市容环境　待签收" in community and f"#{later}" not in community
    [street] = kit.texts(STREET_CADRE)
    assert "每周一提醒（幸福街道）" in street and f"#{soon}" in street
    assert kit.texts(FAR_CADRE) == []


async def test_half_month_and_monthly_figures_by_grid_and_community(kit):
    # November: two reports in WT01, one accepted and resolved in time and rated 满意.
    kit.clock.set(local(2026, 11, 16, 9, 0))
    first = await kit.report("楼道堆物")
    kit.clock.set(local(2026, 11, 16, 9, 30))
    await kit.service.accept(MEMBER, first)
    kit.clock.set(local(2026, 11, 17, 10, 0))
    await kit.service.resolve(MEMBER, first, "已清理")
    await kit.service.rate_solved(RESIDENT, first, True)
    await kit.service.rate_satisfaction(RESIDENT, first, "satisfied")
    kit.clock.set(local(2026, 11, 20, 9, 0))
    await kit.report("噪音扰民")  # never accepted: overdue by December

    kit.clock.set(local(2026, 12, 1, 9, 0))
    report = await kit.jobs.digest_once("half_month")
    assert report.sent == 2
    [community] = kit.texts(CADRE)
    assert "半月一调度（梧桐社区，11月16日至11月30日）" in community
    assert "新增 2，派单 2，办结 1，退回 0，重办 0；在办 1，超期 1" in community

    kit.clock.set(local(2026, 12, 1, 9, 30))
    await kit.jobs.digest_once("monthly")
    monthly = kit.texts(CADRE)[-1]
    assert "一月一通报（梧桐社区，2026年11月）" in monthly
    assert "及时签收率 50.0%　按期办结率 50.0%" in monthly  # one of two; one of two due by now
    assert "解决率 100.0%　满意率 100.0%（不含基本满意 100.0%）" in monthly
    assert "重办率 0.0%　超期 1 件" in monthly
    street = kit.texts(STREET_CADRE)[-1]
    assert "一月一通报（幸福街道，2026年11月）" in street and "<b>梧桐社区</b>" in street
    assert kit.texts(FAR_CADRE) == []


async def test_a_digest_that_could_not_be_sent_goes_after_the_lease(kit):
    await open_some(kit)
    for _ in range(kit.notifier.max_retries + 1):
        kit.session.fail_next("sendMessage", status=500, description="Internal Server Error", chat_id=MEMBER)
    kit.clock.set(local(2026, 11, 24, 8, 0))
    report = await kit.jobs.digest_once("daily")
    assert report.failed == 1 and kit.texts(MEMBER) == []
    kit.clock.set(local(2026, 11, 24, 8, 10))
    assert (await kit.jobs.digest_once("daily")).skipped == 1  # within the lease
    kit.clock.set(local(2026, 11, 24, 8, 16))
    assert (await kit.jobs.digest_once("daily")).sent == 1
    assert len(kit.texts(MEMBER)) == 1


class Crash(BaseException):
    """The process dies between the claim and the send."""


async def test_a_crash_between_claim_and_send_delivers_each_digest_once(kit, monkeypatch):
    from storage.models import OutboxMessage

    await open_some(kit)
    kit.clock.set(local(2026, 11, 24, 8, 0))
    real = kit.jobs.send_digest

    async def crash(chat_id, payload):
        raise Crash

    monkeypatch.setattr(kit.jobs, "send_digest", crash)
    with pytest.raises(Crash):
        await kit.jobs.digest_once("daily")
    async with kit.session_factory() as s:
        rows = list((await s.execute(select(OutboxMessage).where(OutboxMessage.kind == "digest.daily"))).scalars())
    # Queued in the claim's transaction, one row per person and period: nothing sent yet.
    assert rows and all(r.key.startswith("digest:daily:") and r.sent_at is None for r in rows)
    assert kit.texts(MEMBER) == []
    monkeypatch.setattr(kit.jobs, "send_digest", real)
    kit.clock.set(local(2026, 11, 24, 8, 5))
    assert (await kit.jobs.digest_once("daily")).sent == 0  # within the lease: maybe still sending
    kit.clock.set(local(2026, 11, 24, 8, 16))
    assert (await kit.jobs.digest_once("daily")).sent == len(rows)
    kit.clock.set(local(2026, 11, 24, 9, 0))
    assert (await kit.jobs.digest_once("daily")).sent == 0  # once, whatever runs after
    assert len(kit.texts(MEMBER)) == 1


async def test_jobs_log_their_failures_instead_of_raising(kit, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(digests, "gather", broken)
    monkeypatch.setattr("bot.scheduler.sweep", broken)
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        await kit.jobs.digest_job("daily")
        await kit.jobs.sweep_job()
    assert [r.getMessage() for r in caplog.records] == ["digest daily failed", "reminder sweep failed"]


async def test_a_blocked_cadre_is_reported_to_the_street(kit):
    async with kit.session_factory() as s:
        assert (await s.execute(select(Staff.blocked_at).where(Staff.telegram_id == CADRE))).scalar_one() is None
    await kit.notifier.on_blocked(CADRE)
    await kit.notifier.on_blocked(CADRE)
    [notice] = kit.texts(STREET_CADRE)
    assert "社区干部钱书记（梧桐社区）无法通过机器人联系" in notice
    assert await kit.staff_blocked(CADRE) == [kit.clock()]
    assert timezone.utc == kit.clock().tzinfo
