"""WorkCalendar against dates a user would check on the 2026 official calendar."""

import logging
import sys
import time as clock
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

# The checkout is not installed in the venv and pytest sets no pythonpath:
# make `tickets` importable when pytest puts only tests/unit on sys.path.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from supervision import workdays as workdays_module  # noqa: E402
from supervision.calendar import WorkCalendar  # noqa: E402
from supervision.workdays import Overrides, year_warning  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Shanghai wall time as the UTC instant the API takes and returns."""
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI).astimezone(timezone.utc)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


# -- working days ------------------------------------------------------------


def test_national_day_2026_is_off_and_its_make_up_days_are_working(cal):
    for day in range(1, 8):
        assert not cal.is_workday(date(2026, 10, day))
    assert cal.is_workday(date(2026, 10, 8))  # Thursday after the holiday
    assert cal.is_workday(date(2026, 9, 20))  # Sunday, 调休
    assert cal.is_workday(date(2026, 10, 10))  # Saturday, 调休


def test_spring_festival_2026(cal):
    for day in range(15, 24):
        assert not cal.is_workday(date(2026, 2, day))
    assert cal.is_workday(date(2026, 2, 14))  # Saturday, 调休
    assert cal.is_workday(date(2026, 2, 28))  # Saturday, 调休
    assert cal.is_workday(date(2026, 2, 24))


def test_ordinary_weekend_is_off(cal):
    assert not cal.is_workday(date(2026, 3, 14))
    assert not cal.is_workday(date(2026, 3, 15))
    assert cal.is_workday(date(2026, 3, 16))


def test_is_workday_of_aware_datetime_uses_local_date(cal):
    # 2026-10-09 Fri 23:00 UTC is already Saturday 10-10 07:00 in Shanghai (a 调休 day).
    assert cal.is_workday(datetime(2026, 10, 9, 23, 0, tzinfo=timezone.utc))
    with pytest.raises(ValueError):
        cal.is_workday(datetime(2026, 10, 9, 23, 0))


def test_extra_holidays_and_workdays_override_the_statutory_calendar():
    cal = WorkCalendar(extra_holidays=[date(2026, 3, 16)], extra_workdays=[date(2026, 3, 14)])
    assert not cal.is_workday(date(2026, 3, 16))
    assert cal.is_workday(date(2026, 3, 14))
    # Friday 17:00 + 2h: 0.5h Friday, then the extra working Saturday.
    assert cal.add_working_hours(local(2026, 3, 13, 17), 2) == local(2026, 3, 14, 10)


def test_same_date_cannot_be_both_extra_holiday_and_workday():
    with pytest.raises(ValueError):
        WorkCalendar(extra_holidays=[date(2026, 3, 16)], extra_workdays=[date(2026, 3, 16)])


# -- add_working_hours -------------------------------------------------------


def test_eve_of_national_day_2026(cal):
    # 16:30-17:30 on 9-30, the holiday 10-01..10-07, then 08:30-09:30 on Thursday 10-08.
    due = cal.add_working_hours(local(2026, 9, 30, 16, 30), 2)
    assert due == local(2026, 10, 8, 9, 30)
    assert due.tzinfo is timezone.utc


def test_friday_before_make_up_saturday_falls_due_on_saturday(cal):
    assert cal.add_working_hours(local(2026, 10, 9, 17), 2) == local(2026, 10, 10, 10)


def test_spring_festival_2026_spans_the_holiday(cal):
    # Friday 02-13 16:30 -> the 调休 Saturday 02-14.
    assert cal.add_working_hours(local(2026, 2, 13, 16, 30), 2) == local(2026, 2, 14, 9, 30)
    # Saturday 02-14 16:30 -> Tuesday 02-24, the first day after the festival.
    assert cal.add_working_hours(local(2026, 2, 14, 16, 30), 2) == local(2026, 2, 24, 9, 30)


def test_new_year_2026_make_up_sunday(cal):
    # 2026-01-01..03 off, Sunday 01-04 is a 调休 working day.
    assert cal.add_working_hours(local(2025, 12, 31, 16, 30), 2) == local(2026, 1, 4, 9, 30)


def test_report_at_17_on_friday(cal):
    # Half an hour counts before the 17:30 close, the other 1.5 h on Monday.
    assert cal.add_working_hours(local(2026, 3, 13, 17), 2) == local(2026, 3, 16, 10)
    assert cal.add_working_hours(local(2026, 3, 13, 16, 30), 2) == local(2026, 3, 16, 9, 30)


def test_report_at_night_counts_from_office_opening(cal):
    assert cal.add_working_hours(local(2026, 3, 10, 3), 2) == local(2026, 3, 10, 10, 30)
    assert cal.add_working_hours(local(2026, 3, 10, 22), 2) == local(2026, 3, 11, 10, 30)


def test_report_on_a_weekend(cal):
    assert cal.add_working_hours(local(2026, 3, 14, 11), 1.5) == local(2026, 3, 16, 10)


def test_count_ending_at_office_close_stays_on_that_day(cal):
    assert cal.add_working_hours(local(2026, 3, 10, 8, 30), 9) == local(2026, 3, 10, 17, 30)


def test_zero_hours_is_start_itself(cal):
    start = local(2026, 3, 10, 3)
    assert cal.add_working_hours(start, 0) == start


def test_fractional_hours(cal):
    assert cal.add_working_hours(local(2026, 3, 10, 9), 0.25) == local(2026, 3, 10, 9, 15)


def test_lunch_break_is_not_counted():
    cal = WorkCalendar(lunch=(time(12, 0), time(13, 30)))
    assert cal.hours_per_day == 7.5
    assert cal.add_working_hours(local(2026, 3, 10, 11), 2) == local(2026, 3, 10, 14, 30)
    # A report during lunch counts from 13:30.
    assert cal.add_working_hours(local(2026, 3, 10, 12, 15), 1) == local(2026, 3, 10, 14, 30)
    assert not cal.is_working_time(local(2026, 3, 10, 12, 15))


def test_negative_or_non_finite_hours_are_rejected(cal):
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            cal.add_working_hours(local(2026, 3, 10, 9), bad)


def test_non_utc_aware_input_gives_utc_output(cal):
    start = datetime(2026, 3, 13, 17, tzinfo=SHANGHAI)
    due = cal.add_working_hours(start, 2)
    assert due.tzinfo is timezone.utc
    assert due == local(2026, 3, 16, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda c, t: c.add_working_hours(t, 1),
        lambda c, t: c.add_working_days(t, 1),
        lambda c, t: c.is_working_time(t),
        lambda c, t: c.next_working_moment(t),
        lambda c, t: c.working_hours_between(t, t),
        lambda c, t: c.next_local_time(t, time(7, 30)),
        lambda c, t: c.in_quiet_hours(t, time(22), time(7, 30)),
    ],
)
def test_naive_datetimes_are_rejected(cal, call):
    with pytest.raises(ValueError, match="naive"):
        call(cal, datetime(2026, 3, 10, 9))


# -- add_working_days --------------------------------------------------------


def test_working_days_keep_the_time_of_day(cal):
    # Thursday 02-12 10:00 + 3: Fri 13, Sat 14 (调休), then Tue 24 after the festival.
    assert cal.add_working_days(local(2026, 2, 12, 10), 3) == local(2026, 2, 24, 10)


def test_working_days_from_evening_end_at_office_close(cal):
    # Tuesday 20:00 + 3 working days -> Friday 17:30.
    assert cal.add_working_days(local(2026, 3, 10, 20), 3) == local(2026, 3, 13, 17, 30)


def test_working_days_over_national_day(cal):
    # Tuesday 09-29 14:00: Wed 09-30, Thu 10-08, Fri 10-09.
    assert cal.add_working_days(local(2026, 9, 29, 14), 3) == local(2026, 10, 9, 14)


def test_working_days_equal_full_office_days_of_hours(cal):
    start = local(2026, 3, 10, 11, 17)
    assert cal.add_working_days(start, 30) == cal.add_working_hours(start, 30 * cal.hours_per_day)


def test_working_days_validation(cal):
    assert cal.add_working_days(local(2026, 3, 10, 11), 0) == local(2026, 3, 10, 11)
    with pytest.raises(ValueError):
        cal.add_working_days(local(2026, 3, 10, 11), -1)
    with pytest.raises(TypeError):
        cal.add_working_days(local(2026, 3, 10, 11), 1.5)


# -- measuring ---------------------------------------------------------------


def test_working_hours_between(cal):
    assert cal.working_hours_between(local(2026, 3, 13, 17), local(2026, 3, 16, 10)) == 2
    assert cal.working_hours_between(local(2026, 3, 16, 10), local(2026, 3, 13, 17)) == -2
    assert cal.working_hours_between(local(2026, 9, 30, 16, 30), local(2026, 10, 8, 9, 30)) == 2
    assert cal.working_hours_between(local(2026, 10, 1, 9), local(2026, 10, 7, 17)) == 0
    assert cal.working_hours_between(local(2026, 3, 10, 9), local(2026, 3, 10, 9)) == 0


def test_working_hours_between_inverts_add(cal):
    start = local(2026, 9, 28, 7, 45)
    for step in range(0, 200):
        hours = step * 0.37
        due = cal.add_working_hours(start, hours)
        assert cal.working_hours_between(start, due) == pytest.approx(hours, abs=1e-9)


def test_eighty_percent_reminder_point(cal):
    start = local(2026, 3, 13, 16)
    due = cal.add_working_days(start, 3)
    window = cal.working_hours_between(start, due)
    remind_at = cal.add_working_hours(start, 0.8 * window)
    assert window == 27
    assert start < remind_at < due
    assert cal.working_hours_between(remind_at, due) == pytest.approx(0.2 * window)


# -- office time -------------------------------------------------------------


def test_is_working_time(cal):
    assert cal.is_working_time(local(2026, 3, 10, 8, 30))
    assert cal.is_working_time(local(2026, 3, 10, 17, 29))
    assert not cal.is_working_time(local(2026, 3, 10, 17, 30))
    assert not cal.is_working_time(local(2026, 3, 10, 8, 29))
    assert not cal.is_working_time(local(2026, 10, 2, 10))
    assert cal.is_working_time(local(2026, 10, 10, 10))


def test_next_working_moment(cal):
    inside = local(2026, 3, 10, 10, 7)
    assert cal.next_working_moment(inside) == inside
    assert cal.next_working_moment(local(2026, 3, 10, 6)) == local(2026, 3, 10, 8, 30)
    assert cal.next_working_moment(local(2026, 3, 10, 17, 30)) == local(2026, 3, 11, 8, 30)
    assert cal.next_working_moment(local(2026, 10, 1, 9)) == local(2026, 10, 8, 8, 30)


# -- quiet hours -------------------------------------------------------------

QUIET = (time(22, 0), time(7, 30))


def test_quiet_hours_wrapping_midnight(cal):
    assert cal.in_quiet_hours(local(2026, 3, 10, 23), *QUIET)
    assert cal.in_quiet_hours(local(2026, 3, 10, 22), *QUIET)
    assert cal.in_quiet_hours(local(2026, 3, 10, 3), *QUIET)
    assert not cal.in_quiet_hours(local(2026, 3, 10, 7, 30), *QUIET)
    assert not cal.in_quiet_hours(local(2026, 3, 10, 21, 59), *QUIET)
    assert not cal.in_quiet_hours(local(2026, 3, 10, 12), *QUIET)


def test_quiet_hours_end(cal):
    assert cal.quiet_hours_end(local(2026, 3, 10, 23), *QUIET) == local(2026, 3, 11, 7, 30)
    assert cal.quiet_hours_end(local(2026, 3, 10, 3), *QUIET) == local(2026, 3, 10, 7, 30)
    awake = local(2026, 3, 10, 12)
    assert cal.quiet_hours_end(awake, *QUIET) == awake


def test_quiet_hours_not_wrapping_and_empty(cal):
    assert cal.in_quiet_hours(local(2026, 3, 10, 13), time(12), time(14))
    assert not cal.in_quiet_hours(local(2026, 3, 10, 14), time(12), time(14))
    assert not cal.in_quiet_hours(local(2026, 3, 10, 14), time(12), time(12))


def test_next_local_time(cal):
    assert cal.next_local_time(local(2026, 3, 10, 3), time(7, 30)) == local(2026, 3, 10, 7, 30)
    assert cal.next_local_time(local(2026, 3, 10, 9), time(7, 30)) == local(2026, 3, 11, 7, 30)
    exact = local(2026, 3, 10, 7, 30)
    assert cal.next_local_time(exact, time(7, 30)) == exact


# -- years and their sources (supervision.workdays) --------------------------------
#
# chinesecalendar 1.11 and holidays 0.109 both stop at 2026: 2027 on is an estimate
# (statutory holidays and 补假, no 调休). Tests of the estimate for 2027 are skipped
# once a library has the official 2027 schedule; those with an override hold either way.

ESTIMATED_2027 = workdays_module.year_source(2027) == "estimate"
needs_2027_estimate = pytest.mark.skipif(
    not ESTIMATED_2027, reason="a library now has the official 2027 schedule: check it, not the estimate")

# A made-up 2027 schedule in the form of the State Council's notice (the real one is not out):
# 元旦 1/1-1/3; 春节 2/5 (除夕) to 2/13, working Saturday 2/20 (调休).
OFFICIAL_2027 = Overrides.from_mapping({
    "holidays": ["2027-01-01/2027-01-03", "2027-02-05/2027-02-13"],
    "workdays": ["2027-02-20"],
    "official_years": [2027],
}).checked()


def cal_with(o: Overrides) -> WorkCalendar:
    return WorkCalendar(extra_holidays=o.holidays, extra_workdays=o.workdays, official_years=o.official_years)


@pytest.fixture
def fresh_year_cache(monkeypatch):
    monkeypatch.setattr(workdays_module, "_warned_years", set())
    workdays_module.library_workday.cache_clear()
    yield
    workdays_module.library_workday.cache_clear()


def test_each_year_comes_from_the_most_complete_source(cal):
    assert cal.source(2026) == "chinese_calendar"
    assert cal.source(2003) == "holidays"  # chinesecalendar starts in 2004
    assert cal.source(2031) == "estimate"
    assert cal.source(2101) == "weekdays"  # past holidays' lunar tables
    assert cal_with(OFFICIAL_2027).source(2027) == "override"


def test_the_libraries_agree_on_2025_and_2026():
    from holidays.countries.china import China

    lib = China(years=[2025, 2026])
    day = date(2025, 1, 1)
    while day.year < 2027:
        assert lib.is_working_day(day) == workdays_module.library_workday(day), day
        day += timedelta(days=1)


def test_year_boundary_skips_new_years_day_2027(cal):
    # Thu 2026-12-31 09:00 + 3 working days: Fri 1/1 元旦, then the weekend; Mon, Tue, Wed.
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.add_working_days(local(2026, 12, 31, 9), 3) == local(2027, 1, 6, 9)
    assert cal_with(OFFICIAL_2027).add_working_days(local(2026, 12, 31, 9), 3) == local(2027, 1, 6, 9)


@needs_2027_estimate
def test_spring_festival_2027_estimate(cal, fresh_year_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="supervision.workdays"):
        # 除夕 Fri 2/5, 初一-初三 Sat 2/6-Mon 2/8, 补假 for the weekend: Tue 2/9, Wed 2/10.
        assert [d for d in range(4, 15) if not cal.is_workday(date(2027, 2, d))] == [5, 6, 7, 8, 9, 10, 13, 14]
        # Thu 2/4 10:00 + 3 working days: Thu 2/11, Fri 2/12, Mon 2/15.
        assert cal.add_working_days(local(2027, 2, 4, 10), 3) == local(2027, 2, 15, 10)
    assert [r.levelno for r in caplog.records if "2027" in r.getMessage()] == [logging.WARNING]


def test_spring_festival_2027_with_the_official_schedule_given(fresh_year_cache, caplog):
    cal = cal_with(OFFICIAL_2027)
    with caplog.at_level(logging.WARNING):
        assert [d for d in range(4, 22) if not cal.is_workday(date(2027, 2, d))] == [
            5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 21]
        assert cal.add_working_days(local(2027, 2, 4, 10), 3) == local(2027, 2, 17, 10)
        # Fri 2/19 16:00 + 2 working hours: 1.5 h on Friday, 0.5 h on the 调休 Saturday.
        assert cal.add_working_hours(local(2027, 2, 19, 16), 2) == local(2027, 2, 20, 9)
        # Only the override counts in an official year: the estimate's 补假 (Mon 5/3) is a working day.
        assert cal.is_workday(date(2027, 5, 3))
    assert not [r for r in caplog.records if "2027" in r.getMessage()]


def test_tiaoxiu_saturday_2026_with_and_without_an_override(cal):
    # Fri 2026-02-13 16:00 + 2 working hours: the 调休 Saturday 2/14 works.
    assert cal.add_working_hours(local(2026, 2, 13, 16), 2) == local(2026, 2, 14, 9)
    # A district closes that Saturday: on to the first day after 春节 (2/15-2/23 off).
    closed = cal_with(Overrides.from_mapping({"holidays": ["2026-02-14"]}))
    assert closed.add_working_hours(local(2026, 2, 13, 16), 2) == local(2026, 2, 24, 9)
    # ...or keeps a duty day inside the holiday.
    duty = cal_with(Overrides.from_mapping({"workdays": [date(2026, 2, 16)]}))
    assert duty.add_working_hours(local(2026, 2, 14, 17), 2) == local(2026, 2, 16, 10)


def test_a_year_without_any_schedule_uses_statutory_holidays_and_warns_once(cal, fresh_year_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="supervision.workdays"):
        assert not cal.is_workday(date(2031, 1, 1))  # 元旦, a Wednesday
        assert cal.is_workday(date(2031, 1, 2))
        assert not cal.is_workday(date(2031, 1, 4))  # Saturday: no 调休 known
        assert not cal.is_workday(date(2031, 1, 23))  # 春节 初一 (Thursday)
        assert [d for d in range(1, 8) if not cal.is_workday(date(2031, 10, d))] == [1, 2, 3, 4, 5]
        assert cal.add_working_hours(local(2031, 1, 3, 17), 2) == local(2031, 1, 6, 10)
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "[calendar]" in warnings[0].getMessage()


def test_overrides_parse_dates_ranges_and_reject_mistakes(tmp_path):
    o = Overrides.from_mapping({"holidays": ["2027-02-05/2027-02-07", date(2027, 3, 1)],
                                "workdays": [" 2027-02-20 "], "official_years": [2027]})
    assert o.holidays == {date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 3, 1)}
    assert o.workdays == {date(2027, 2, 20)}
    for bad in ({"holidays": ["2027-02-30"]}, {"holidays": "2027-02-05"}, {"holiday": []},
                {"holidays": ["2027-02-07/2027-02-05"]}, {"holidays": ["2027-01-01/2027-12-31"]},
                {"holidays": ["2027-02-05"], "workdays": ["2027-02-04/2027-02-06"]},
                {"official_years": ["2027"]}):
        with pytest.raises(ValueError):
            Overrides.from_mapping(bad)
    with pytest.raises(ValueError, match="official_years"):
        Overrides.from_mapping({"official_years": [2027], "holidays": ["2026-10-08"]}).checked()
    path = tmp_path / "calendar.toml"
    path.write_text('official_years = [2027]\nholidays = [2027-01-01, "2027-02-05/2027-02-11"]\n'
                    'workdays = ["2027-02-20"]\n', encoding="utf-8")
    f = Overrides.from_file(path).checked()
    assert len(f.holidays) == 8 and f.official_years == {2027}
    with pytest.raises(ValueError, match="both holiday and workday"):
        f.merged(Overrides.from_mapping({"workdays": ["2027-01-01"]}))
    with pytest.raises(ValueError, match="not found"):
        Overrides.from_file(tmp_path / "missing.toml")


def test_admin_warning_text_and_due_date():
    assert year_warning(2026, "chinese_calendar") is None
    assert year_warning(2027, "override") is None
    w = year_warning(2027, "estimate")
    assert w.due == date(2026, 12, 1)
    assert "2027年尚无官方放假安排" in w.text and "official_years" in w.text
    assert "no official holiday schedule for 2027" in year_warning(2027, "estimate", "en").text


# -- construction ------------------------------------------------------------


def test_bad_construction_is_rejected():
    with pytest.raises(ValueError):
        WorkCalendar(office_start=time(18), office_end=time(9))
    with pytest.raises(ValueError):
        WorkCalendar(lunch=(time(13), time(12)))
    with pytest.raises(ValueError):
        WorkCalendar(lunch=(time(7), time(9)))
    with pytest.raises(TypeError):
        WorkCalendar(extra_holidays=[datetime(2026, 3, 16)])


def test_other_time_zone():
    cal = WorkCalendar(tz="Asia/Urumqi", office_start=time(10), office_end=time(19, 30))
    start = datetime(2026, 3, 13, 19, tzinfo=ZoneInfo("Asia/Urumqi"))
    due = cal.add_working_hours(start, 1)
    assert due == datetime(2026, 3, 16, 10, 30, tzinfo=ZoneInfo("Asia/Urumqi"))


# -- speed (loose bounds: a sanity check, not a benchmark) ---------------------


def _per_call_seconds(fn, n: int = 2000) -> float:
    t0 = clock.perf_counter()
    for _ in range(n):
        fn()
    return (clock.perf_counter() - t0) / n


def test_deadline_arithmetic_is_fast(cal):
    start = local(2026, 9, 30, 16, 30)
    cal.add_working_days(start, 30)  # warm the per-date cache
    assert _per_call_seconds(lambda: cal.add_working_hours(start, 4)) < 500e-6
    assert _per_call_seconds(lambda: cal.add_working_days(start, 30), n=500) < 5e-3
    assert _per_call_seconds(lambda: cal.working_hours_between(start, start + timedelta(days=40)), n=500) < 5e-3
