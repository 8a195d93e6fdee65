"""Working-time calendar: office hours on Chinese working days.

Working days follow the official schedule (statutory holidays and 调休 make-up
days) from ``chinese_calendar`` or ``holidays``, or an estimate for years neither
knows (see supervision.workdays), overridable per instance.  Every datetime taken or
returned is timezone-aware; results are in UTC.  Local wall time is used only
inside, to decide what counts as office time.

Arithmetic runs on local wall-clock time, counted in integer microseconds so
that adding and measuring round-trip exactly.  In a zone with daylight saving
an office day that spans a clock change would be off by the shift; China has
had no DST since 1991, and elsewhere changes happen at night, outside office
hours.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from numbers import Real
from zoneinfo import ZoneInfo

from supervision.workdays import Source, year_source
from supervision.workdays import library_workday as _statutory_workday

__all__ = ["WorkCalendar"]

_US_PER_HOUR = 3_600_000_000
_ONE_DAY = timedelta(days=1)


def _us_of_day(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _at(day: date, us: int) -> datetime:
    """Naive local datetime ``us`` microseconds after midnight of ``day``."""
    return datetime(day.year, day.month, day.day) + timedelta(microseconds=us)


def _hours_to_us(hours: float) -> int:
    if isinstance(hours, bool) or not isinstance(hours, Real):
        raise TypeError(f"hours must be a number, got {hours!r}")
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"hours must be a finite number >= 0, got {hours!r}")
    return round(hours * _US_PER_HOUR)


def _check_wall_time(name: str, t: time) -> None:
    if not isinstance(t, time):
        raise TypeError(f"{name} must be a datetime.time, got {t!r}")
    if t.tzinfo is not None:
        raise ValueError(f"{name} is a local wall time and must be naive, got {t!r}")


class WorkCalendar:
    """Office hours on working days in one time zone.

    Office time is the half-open interval ``[office_start, office_end)`` of each
    working day, minus the half-open ``lunch`` break if one is given.
    ``extra_holidays`` / ``extra_workdays`` override the statutory calendar
    (e.g. a district's own closure day).  ``official_years``: years whose whole
    schedule the extras give (the libraries are not asked about them).
    """

    def __init__(
        self,
        tz: str | ZoneInfo = "Asia/Shanghai",
        office_start: time = time(8, 30),
        office_end: time = time(17, 30),
        lunch: tuple[time, time] | None = None,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        official_years: Iterable[int] = (),
    ) -> None:
        self._tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        _check_wall_time("office_start", office_start)
        _check_wall_time("office_end", office_end)
        if office_start >= office_end:
            raise ValueError(f"office_start {office_start} must be before office_end {office_end}")
        start_us, end_us = _us_of_day(office_start), _us_of_day(office_end)
        if lunch is None:
            segments = [(start_us, end_us)]
        else:
            lunch_start, lunch_end = lunch
            _check_wall_time("lunch start", lunch_start)
            _check_wall_time("lunch end", lunch_end)
            if not office_start <= lunch_start < lunch_end <= office_end:
                raise ValueError(
                    f"lunch {lunch_start}-{lunch_end} must be a non-empty span within office hours "
                    f"{office_start}-{office_end}"
                )
            segments = [(start_us, _us_of_day(lunch_start)), (_us_of_day(lunch_end), end_us)]
            segments = [(s, e) for s, e in segments if s < e]
            if not segments:
                raise ValueError("lunch covers the whole office day")
        self._segments: tuple[tuple[int, int], ...] = tuple(segments)
        self._day_us = sum(e - s for s, e in self._segments)

        self._extra_holidays = frozenset(self._check_date(d) for d in extra_holidays)
        self._extra_workdays = frozenset(self._check_date(d) for d in extra_workdays)
        both = self._extra_holidays & self._extra_workdays
        if both:
            raise ValueError(f"dates both extra holiday and extra workday: {sorted(both)}")
        self._official_years = frozenset(official_years)

        self.office_start = office_start
        self.office_end = office_end
        self.lunch = lunch

    # -- basic facts ---------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    @property
    def hours_per_day(self) -> float:
        """Office hours in one working day (lunch excluded)."""
        return self._day_us / _US_PER_HOUR

    def is_workday(self, d: date) -> bool:
        """Whether local date ``d`` is a working day (an aware datetime counts by its local date)."""
        if isinstance(d, datetime):
            d = self._local(d).date()
        elif not isinstance(d, date):
            raise TypeError(f"expected a date, got {d!r}")
        return self._workday(d)

    def source(self, year: int) -> Source:
        """Where ``year``'s working days come from (supervision.workdays.Source)."""
        return "override" if year in self._official_years else year_source(year)

    def is_working_time(self, at: datetime) -> bool:
        local = self._local(at)
        if not self._workday(local.date()):
            return False
        pos = _us_of_day(local.time())
        return any(s <= pos < e for s, e in self._segments)

    # -- arithmetic ----------------------------------------------------------

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant at which ``hours`` of office time have elapsed since ``start``.

        Time outside office hours does not count: a report at 03:00 counts from
        08:30, one at 17:00 on Friday with 2 hours falls due Monday 09:30.  When
        the count runs out exactly at the end of a working day the result is that
        day's ``office_end`` (not the next morning: no office time lies between).
        ``hours == 0`` returns ``start`` itself.
        """
        return self._add_us(start, _hours_to_us(hours))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """``days`` working days after ``start``, as ``days * hours_per_day`` office hours.

        Convention (the usual 12345 hotline one): a working day is one full office
        day of working time.  So a report inside office hours falls due at the same
        local time of day ``days`` working days later; a report outside office
        hours counts from the next office opening, and lands on ``office_end``
        of the ``days``-th working day after it (e.g. a report at 20:00 with 3
        working days is due at 17:30 on the 3rd working day after).  A report at
        exactly ``office_start`` gets the ``office_end`` of the previous working
        day rather than the equivalent opening instant of the next.
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"days must be an int, got {days!r}")
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        return self._add_us(start, days * self._day_us)

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Office hours from ``a`` to ``b``; negative if ``b`` is before ``a``."""
        la, lb = self._local(a), self._local(b)
        sign = 1
        if lb < la:
            la, lb, sign = lb, la, -1
        first, last = la.date(), lb.date()
        lo_first, hi_last = _us_of_day(la.time()), _us_of_day(lb.time())
        total = 0
        day = first
        while day <= last:
            if self._workday(day):
                lo = lo_first if day == first else 0
                hi = hi_last if day == last else self._segments[-1][1]
                for s, e in self._segments:
                    overlap = min(e, hi) - max(s, lo)
                    if overlap > 0:
                        total += overlap
            day += _ONE_DAY
        return sign * total / _US_PER_HOUR

    def next_working_moment(self, at: datetime) -> datetime:
        """``at`` itself if it is office time, else the next office opening."""
        local = self._local(at)
        day, pos = local.date(), _us_of_day(local.time())
        while True:
            if self._workday(day):
                for s, e in self._segments:
                    if pos < e:
                        if pos >= s:
                            return at.astimezone(timezone.utc)
                        return self._to_utc(_at(day, s))
            day += _ONE_DAY
            pos = 0

    # -- wall-clock helpers (quiet hours) ------------------------------------

    def next_local_time(self, at: datetime, t: time) -> datetime:
        """First instant at or after ``at`` whose local wall time is ``t``."""
        _check_wall_time("t", t)
        local = self._local(at)
        candidate = datetime.combine(local.date(), t)
        if candidate < local:
            candidate += _ONE_DAY
        return self._to_utc(candidate)

    def in_quiet_hours(self, at: datetime, start: time, end: time) -> bool:
        """Whether local time of ``at`` lies in ``[start, end)``; the window may wrap midnight.

        ``start == end`` is an empty window.
        """
        _check_wall_time("start", start)
        _check_wall_time("end", end)
        now = self._local(at).time()
        if start <= end:
            return start <= now < end
        return now >= start or now < end

    def quiet_hours_end(self, at: datetime, start: time, end: time) -> datetime:
        """When a message held at ``at`` may go out: ``at`` itself outside quiet hours."""
        if not self.in_quiet_hours(at, start, end):
            return at.astimezone(timezone.utc)
        return self.next_local_time(at, end)

    # -- internals -----------------------------------------------------------

    def _workday(self, d: date) -> bool:
        if d in self._extra_holidays:
            return False
        if d in self._extra_workdays:
            return True
        if d.year in self._official_years:
            return d.weekday() < 5
        return _statutory_workday(d)

    def _local(self, at: datetime) -> datetime:
        if not isinstance(at, datetime):
            raise TypeError(f"expected a datetime, got {at!r}")
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"naive datetime {at!r}: pass a timezone-aware (UTC) datetime")
        return at.astimezone(self._tz).replace(tzinfo=None)

    def _to_utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self._tz).astimezone(timezone.utc)

    @staticmethod
    def _check_date(d: date) -> date:
        # A datetime is a date too, but would never match the date keys.
        if isinstance(d, datetime) or not isinstance(d, date):
            raise TypeError(f"expected a date, got {d!r}")
        return d

    def _add_us(self, start: datetime, remaining: int) -> datetime:
        local = self._local(start)
        if remaining == 0:
            return start.astimezone(timezone.utc)
        day, pos = local.date(), _us_of_day(local.time())
        first_open = self._segments[0][0]
        while True:
            if self._workday(day):
                # Skip whole office days in one step (long deadlines).
                if pos <= first_open and remaining > self._day_us:
                    remaining -= self._day_us
                else:
                    for s, e in self._segments:
                        if pos >= e:
                            continue
                        if pos < s:
                            pos = s
                        avail = e - pos
                        if remaining <= avail:
                            return self._to_utc(_at(day, pos + remaining))
                        remaining -= avail
                        pos = e
            day += _ONE_DAY
            pos = 0
