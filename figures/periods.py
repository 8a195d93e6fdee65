"""Periods cadres ask for: 本周, 本月, 上月, a month (2026-10) or two dates, in local time.

A period is ``[start, end)`` in UTC (supervision.digests.Period); the last date given is
included. Pure: no database.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from supervision.digests import Period

WORDS = ("本周", "本月", "上月")
MAX_DAYS = 366
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


class PeriodError(ValueError):
    """The words do not name a period (the message says why)."""


def _at(d: date, tz: ZoneInfo) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(timezone.utc)


def _between(first: date, last: date, tz: ZoneInfo, key: str) -> Period:
    return Period(key, _at(first, tz), _at(last + timedelta(days=1), tz))


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_period(text: str, tz: ZoneInfo) -> Period:
    """"2026-10": that month."""
    m = _MONTH.fullmatch(text.strip())
    if m is None:
        raise PeriodError(f"{text!r} is not a month like 2026-10")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or year < 2000:
        raise PeriodError(f"{text!r} is not a month like 2026-10")
    first = date(year, month, 1)
    return Period(f"{first:%Y-%m}", _at(first, tz), _at(_next_month(first), tz))


def last_month(now: datetime, tz: ZoneInfo) -> Period:
    first = _month_start(now.astimezone(tz).date())
    return month_period(f"{_month_start(first - timedelta(days=1)):%Y-%m}", tz)


def _date(text: str) -> date | None:
    m = _DATE.fullmatch(text)
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise PeriodError(f"no such date: {text}") from None


def named_period(word: str, now: datetime, tz: ZoneInfo) -> Period:
    today = now.astimezone(tz).date()
    if word == "本周":
        monday = today - timedelta(days=today.weekday())
        return _between(monday, monday + timedelta(days=6), tz, f"{monday:%Y-%m-%d}/week")
    if word == "本月":
        return month_period(f"{today:%Y-%m}", tz)
    if word == "上月":
        return last_month(now, tz)
    raise PeriodError(f"unknown period {word!r}")


def parse_period(text: str, now: datetime, tz: ZoneInfo, default: str = "本月") -> tuple[Period, str]:
    """The period at the start of ``text`` (``default`` when none is given) and the rest.

    Raises PeriodError for a date that does not exist, two dates in the wrong order, a
    second date missing, or a span longer than a year."""
    words = text.split()
    if words and words[0] in WORDS:
        return named_period(words[0], now, tz), " ".join(words[1:])
    if words and _MONTH.fullmatch(words[0]):
        return month_period(words[0], tz), " ".join(words[1:])
    first = _date(words[0]) if words else None
    if first is None:
        return named_period(default, now, tz), " ".join(words)
    last = _date(words[1]) if len(words) > 1 else None
    if last is None:
        raise PeriodError("give two dates: YYYY-MM-DD YYYY-MM-DD")
    return dates_period(first, last, tz), " ".join(words[2:])


def dates_period(first: date, last: date, tz: ZoneInfo) -> Period:
    """From the first day to the last, both included."""
    if last < first:
        raise PeriodError("the second date is before the first")
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(f"at most {MAX_DAYS} days")
    return _between(first, last, tz, f"{first:%Y-%m-%d}/{last:%Y-%m-%d}")


def describe(period: Period, tz: ZoneInfo) -> str:
    """"2026年11月1日至11月30日" (the last day included)."""
    first = period.start.astimezone(tz)
    last = (period.end - timedelta(microseconds=1)).astimezone(tz)
    tail = f"{last.month}月{last.day}日" if last.year == first.year else f"{last.year}年{last.month}月{last.day}日"
    return f"{first.year}年{first.month}月{first.day}日至{tail}"
