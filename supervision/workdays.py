"""Which days are working days, and who says so, year by year.

Two libraries know China's official schedule (statutory holidays, 补假 and 调休
make-up working days, as the State Council publishes them each November):

* ``chinesecalendar`` (``chinese_calendar``), preferred where it knows the year;
* ``holidays`` (``holidays.countries.China``), for years it has the official
  schedule of and ``chinesecalendar`` does not.

A year that neither knows falls back to an *estimate*: the statutory holidays
(元旦 1/1, 春节 除夕 and 初一-初三, 清明, 劳动节 5/1-2, 端午, 中秋, 国庆 10/1-3; the lunar
ones computed by ``holidays`` for any year) plus the 补假 the law grants when one
falls on a weekend (the next free weekday), but no 调休 working Saturdays, which
only the notice can say.  On 2014-2026, checked against the official schedules,
this estimate gets 10-16 days a year wrong (statutory days alone: 11-20).  Each
estimated year is logged once as a WARNING.

An instance's overrides (:class:`Overrides`: settings ``[calendar]`` and its file)
win over all of this; ``official_years`` marks years whose whole schedule the
override gives, so no library is asked about them.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import threading
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal

__all__ = [
    "Overrides",
    "Source",
    "YearWarning",
    "library_workday",
    "source_label",
    "year_source",
    "year_warning",
]

log = logging.getLogger(__name__)

# Where a year's working days come from.  "override": the instance's own schedule
# (official_years); "estimate": statutory holidays and 补假 only; "weekdays": not even
# that (a year outside the lunar tables), Monday to Friday.
Source = Literal["override", "chinese_calendar", "holidays", "estimate", "weekdays"]
OFFICIAL_SOURCES: frozenset[str] = frozenset({"override", "chinese_calendar", "holidays"})

_MAX_RANGE_DAYS = 31  # "2027-02-05/2027-02-11": a holiday period, not a year by mistake

_warned_years: set[int] = set()
_warned_lock = threading.Lock()


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:  # pragma: no cover - both are dependencies
        return "?"


def library_versions() -> dict[str, str]:
    return {"chinesecalendar": _version("chinesecalendar"), "holidays": _version("holidays")}


# -- the libraries -----------------------------------------------------------


def _chinese_calendar_knows(year: int) -> bool:
    from chinese_calendar import constants

    days = list(constants.holidays) + list(constants.workdays)
    return min(days).year <= year <= max(days).year


_china_lock = threading.Lock()


def _china_module():
    """``holidays.countries.china`` on its own. The usual import runs ``holidays.countries``'
    __init__, which imports every country (about 300 modules, 15 MB and 0.2 s, at start-up
    from 1 December when next year's schedule is asked for); China needs only the package's
    base classes. Any surprise in the file's loading falls back to the usual import."""
    name = "holidays.countries.china"
    with _china_lock:
        module = sys.modules.get(name)
        if module is not None:
            return module
        import holidays  # base classes; its countries load lazily (holidays.registry)

        spec = importlib.util.spec_from_file_location(name, Path(holidays.__file__).parent / "countries" / "china.py")
        if spec is None or spec.loader is None:  # pragma: no cover - a layout we do not know
            return importlib.import_module(name)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception:  # pragma: no cover - a release whose China needs more of the package
            del sys.modules[name]
            return importlib.import_module(name)
        return module


@lru_cache(maxsize=64)
def _holidays_for(year: int):
    """``holidays``' China for ``year`` and the next (a next year's 调休 may fall in late December)."""
    return _china_module().China(years=range(year, year + 2))


def _holidays_range() -> tuple[int, int]:
    china = _china_module().China
    return china.start_year, getattr(china, "end_year", 2100)


def _holidays_official(year: int) -> bool:
    """Whether ``holidays`` has the State Council's notice for ``year`` (not its own estimate)."""
    china = _china_module()
    static = getattr(getattr(china, "ChinaStaticHolidays", None), "special_public_holidays", {})
    if year in static:
        return True
    # Should the table move in a later release: a year with 调休 working days is an official one.
    lo, hi = _holidays_range()
    return lo <= year <= hi and any(d.year == year for d in _holidays_for(year).weekend_workdays)


@lru_cache(maxsize=256)
def year_source(year: int) -> Source:
    """The library source for ``year`` (overrides aside): the more complete one that knows it."""
    if _chinese_calendar_knows(year):
        return "chinese_calendar"
    if _holidays_official(year):
        return "holidays"
    lo, hi = _holidays_range()
    if lo <= year <= hi:
        return "estimate"
    return "weekdays"


def source_label(source: str) -> str:
    """What a source means, with the library version, for logs and ``gridbot sla``."""
    v = library_versions()
    return {
        "override": "the official schedule given in [calendar]",
        "chinese_calendar": f"official schedule from chinesecalendar {v['chinesecalendar']}",
        "holidays": f"official schedule from holidays {v['holidays']}",
        "estimate": (f"ESTIMATE: statutory holidays and 补假 from holidays {v['holidays']}, "
                     "no 调休 working days"),
        "weekdays": "ESTIMATE: Monday to Friday, no holidays at all",
    }[source]


def _warn_estimated(year: int, source: str) -> None:
    with _warned_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    v = library_versions()
    log.warning(
        "no official holiday schedule for %d in chinesecalendar %s or holidays %s: deadlines in %d "
        "count %s. Add the State Council's schedule to [calendar] (holidays, workdays, official_years) "
        "or its file, and restart",
        year, v["chinesecalendar"], v["holidays"], year, source_label(source),
    )


@lru_cache(maxsize=8192)
def library_workday(d: date) -> bool:
    """The libraries' verdict for one date; keyed by date only, so shared by all calendars.

    chinesecalendar re-scans its tables on every call, hence the cache.
    """
    source = year_source(d.year)
    if source == "chinese_calendar":
        import chinese_calendar

        return chinese_calendar.is_workday(d)
    if source != "holidays":
        _warn_estimated(d.year, source)
    if source == "weekdays":
        return d.weekday() < 5
    return _holidays_for(d.year).is_working_day(d)


# -- the instance's own schedule ------------------------------------------------


def parse_days(values: Iterable[object], where: str) -> set[date]:
    """Dates as TOML dates, ``"2027-02-05"`` or inclusive ranges ``"2027-02-05/2027-02-11"``."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"{where}: expected a list of dates like \"2027-02-05\", got {values!r}")
    out: set[date] = set()
    for value in values:
        if isinstance(value, date) and not hasattr(value, "hour"):
            out.add(value)
            continue
        if not isinstance(value, str):
            raise ValueError(f"{where}: {value!r} is not a date like \"2027-02-05\"")
        try:
            first, _, last = value.strip().partition("/")
            a = date.fromisoformat(first.strip())
            b = date.fromisoformat(last.strip()) if last else a
        except ValueError:
            raise ValueError(
                f"{where}: {value!r} is not a date like \"2027-02-05\" or a range \"2027-02-05/2027-02-11\""
            ) from None
        if not 0 <= (b - a).days <= _MAX_RANGE_DAYS:
            raise ValueError(f"{where}: range {value!r} must run forwards, at most {_MAX_RANGE_DAYS + 1} days")
        out.update(a + timedelta(days=i) for i in range((b - a).days + 1))
    return out


@dataclass(frozen=True)
class Overrides:
    """An instance's own holidays and working days; they win over both libraries.

    ``official_years``: years whose whole schedule is given here (e.g. copied from the State
    Council's notice the day it is published): their other days are Monday to Friday, and no
    library estimate (nor its warning) applies.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    official_years: frozenset[int] = frozenset()

    KEYS = ("holidays", "workdays", "official_years")

    def __post_init__(self) -> None:
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"calendar: dates both holiday and workday: {[d.isoformat() for d in sorted(both)]}")

    def checked(self) -> Overrides:
        """Itself, once whole (settings and file merged): an official year must list its holidays."""
        bare = sorted(y for y in self.official_years if not any(d.year == y for d in self.holidays))
        if bare:
            raise ValueError(f"calendar: official_years {bare} but no holidays of that year are given")
        return self

    @classmethod
    def from_mapping(cls, data: Mapping, where: str = "calendar") -> Overrides:
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: expected a table with {list(cls.KEYS)}")
        unknown = set(data) - set(cls.KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(map(str, unknown))}; allowed: {list(cls.KEYS)}")
        years = data.get("official_years") or []
        if isinstance(years, (str, bytes)) or not isinstance(years, Iterable) or not all(
            isinstance(y, int) and not isinstance(y, bool) for y in years
        ):
            raise ValueError(f"{where}.official_years: expected a list of years like [2027], got {years!r}")
        return cls(
            holidays=frozenset(parse_days(data.get("holidays") or [], f"{where}.holidays")),
            workdays=frozenset(parse_days(data.get("workdays") or [], f"{where}.workdays")),
            official_years=frozenset(years),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Overrides:
        """A city's calendar file: the same three keys at its top level."""
        path = Path(path)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ValueError(f"calendar file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"calendar file {path}: {exc}") from None
        return cls.from_mapping(data, where=str(path))

    def merged(self, other: Overrides) -> Overrides:
        return Overrides(self.holidays | other.holidays, self.workdays | other.workdays,
                         self.official_years | other.official_years)


# -- telling people ------------------------------------------------------------


@dataclass(frozen=True)
class YearWarning:
    year: int
    source: str  # "estimate" or "weekdays"
    due: date  # from when admins should be told: 1 December of the year before
    text: str  # for admins, in the bot's language


def year_warning(year: int, source: str, language: str = "zh") -> YearWarning | None:
    """The admins' warning for a year without an official schedule (None when it has one).

    ``source`` is the calendar's for that year (``WorkCalendar.source(year)``).  Due from
    1 December of the year before: the State Council usually publishes in November.
    """
    if source in OFFICIAL_SOURCES:
        return None
    v = library_versions()
    if language.startswith("zh"):
        text = (
            f"⚠️ 工作日历：{year}年尚无官方放假安排（chinesecalendar {v['chinesecalendar']}、"
            f"holidays {v['holidays']} 均未收录）。\n"
            f"目前{year}年的时限只按法定节假日及补假推算，没有调休上班日，春节等假期前后的时限可能有误。\n"
            f"国务院办公厅通知发布后，请把{year}年的放假和调休日期写入配置 [calendar] 的 holidays / workdays"
            f"（或其 file 指向的文件），official_years 加上 {year}，然后重启机器人；"
            f"也可升级 chinesecalendar / holidays。\n"
            f"核对时限：gridbot sla --start \"{year}-02-01 09:00\""
        )
    else:
        text = (
            f"⚠️ Working calendar: no official holiday schedule for {year} yet (neither chinesecalendar "
            f"{v['chinesecalendar']} nor holidays {v['holidays']} has it).\n"
            f"Deadlines in {year} count only the statutory holidays and 补假, no 调休 working days: "
            f"around the Spring Festival they may be wrong.\n"
            f"Once the State Council publishes it, put {year}'s holidays and working days in [calendar] "
            f"holidays / workdays (or its file), add {year} to official_years and restart the bot; "
            f"or upgrade chinesecalendar / holidays.\n"
            f"Check a deadline: gridbot sla --start \"{year}-02-01 09:00\""
        )
    return YearWarning(year, source, date(year - 1, 12, 1), text)
