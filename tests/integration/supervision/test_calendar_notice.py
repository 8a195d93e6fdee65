"""From 1 December the admins hear, once each, that the coming year has no official schedule."""
from __future__ import annotations

from datetime import date

import pytest

from bot.workcalendar import CalendarNotice
from supervision.calendar import WorkCalendar
from tests.support.reminder_kit import Clock, local, make_kit

ADMINS = [500001, 500002]


@pytest.fixture
async def kit(tmp_path):
    kit = await make_kit(tmp_path, Clock(local(2030, 11, 30, 9, 0)), admins=ADMINS)
    kit.session.reachable(*ADMINS)  # admins who started the bot; Telegram refuses the others
    yield kit
    await kit.close()


async def test_admins_are_told_once_from_1_december(kit):
    # 2030 has its official schedule (given as an override); 2031 has none anywhere.
    calendar = WorkCalendar(extra_holidays=[date(2030, 1, 1)], official_years=[2030])
    notice = CalendarNotice(calendar, kit.notifier, kit.settings, clock=kit.clock, sessions=kit.session_factory)
    assert await notice.run_once() == []  # 30 November: not yet
    kit.clock.set(local(2030, 12, 1, 9, 0))
    [report] = await notice.run_once()
    assert (report.recipients, report.sent) == (2, 2)
    for admin in ADMINS:
        [text] = kit.texts(admin)
        assert "2031年尚无官方放假安排" in text and "official_years" in text
    kit.clock.set(local(2030, 12, 2, 9, 0))
    [again] = await notice.run_once()
    assert (again.sent, again.skipped) == (0, 2)  # the next day's run sends nobody anything
    assert all(len(kit.texts(admin)) == 1 for admin in ADMINS)
