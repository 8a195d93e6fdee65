"""Deadline policy: how long a ticket may wait to be accepted and to be resolved.

Durations are written in config as ``<number><unit>``, e.g. ``"2wh"``:

=====  ===================================================
unit   meaning
=====  ===================================================
m      clock minutes (urgent tickets)
h      clock hours (urgent tickets)
wh     working hours: office time on working days only
wd     working days: ``n * hours_per_day`` working hours
=====  ===================================================

The number may be a decimal (``"1.5wh"``) and must be > 0; case and spaces
between number and unit are ignored (``"3 WD"``).  Both deadlines count from
the report time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, get_args

from supervision.calendar import WorkCalendar

__all__ = ["Duration", "SlaPolicy", "SlaRule", "Unit", "add"]

Unit = Literal["working_hours", "working_days", "hours", "minutes"]
_UNITS: tuple[str, ...] = get_args(Unit)

_SUFFIX_TO_UNIT: dict[str, Unit] = {
    "m": "minutes",
    "h": "hours",
    "wh": "working_hours",
    "wd": "working_days",
}
_UNIT_TO_SUFFIX = {unit: suffix for suffix, unit in _SUFFIX_TO_UNIT.items()}
_SYNTAX = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]+)\s*")


@dataclass(frozen=True)
class Duration:
    amount: float
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in _UNITS:
            raise ValueError(f"unknown duration unit {self.unit!r}; expected one of {_UNITS}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, (int, float)):
            raise TypeError(f"duration amount must be a number, got {self.amount!r}")
        if not math.isfinite(self.amount) or self.amount <= 0:
            raise ValueError(f"duration amount must be a finite number > 0, got {self.amount!r}")

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``"30m"``, ``"24h"``, ``"2wh"``, ``"3wd"`` (see module docstring)."""
        if not isinstance(text, str):
            raise TypeError(f"duration must be a string like '2wh', got {text!r}")
        match = _SYNTAX.fullmatch(text.lower())
        if match is None or match.group(2) not in _SUFFIX_TO_UNIT:
            raise ValueError(
                f"bad duration {text!r}: expected <number><unit> with unit "
                "m (clock minutes), h (clock hours), wh (working hours) or wd (working days), "
                "e.g. '30m', '24h', '2wh', '3wd'"
            )
        number = match.group(1)
        amount = float(number) if "." in number else int(number)
        if amount <= 0:
            raise ValueError(f"bad duration {text!r}: amount must be > 0")
        return cls(amount, _SUFFIX_TO_UNIT[match.group(2)])

    def __str__(self) -> str:
        # Round-trips through parse(), so policies can be written back to config.
        number = format(Decimal(repr(self.amount)).normalize(), "f")  # never "1e+06"
        return f"{number}{_UNIT_TO_SUFFIX[self.unit]}"


@dataclass(frozen=True)
class SlaRule:
    accept: Duration
    resolve: Duration


@dataclass(frozen=True)
class SlaPolicy:
    default: SlaRule
    urgent: SlaRule
    per_category: Mapping[str, SlaRule] = field(default_factory=dict, hash=False)
    # 吹哨报到: the clock of a ticket escalated to a department (None: ``default``).
    department: SlaRule | None = None

    def __post_init__(self) -> None:
        # Read-only copy: a shared policy must not change under running tickets.
        object.__setattr__(self, "per_category", MappingProxyType(dict(self.per_category)))

    def rule_for(self, category: str, urgent: bool) -> SlaRule:
        """Urgent tickets always use the clock-time ``urgent`` rule; others their category's."""
        if urgent:
            return self.urgent
        return self.per_category.get(category, self.default)

    def deadlines(
        self, calendar: WorkCalendar, start: datetime, category: str, urgent: bool
    ) -> tuple[datetime, datetime]:
        """``(accept_deadline, resolve_deadline)``, both counted from ``start``, in UTC."""
        rule = self.rule_for(category, urgent)
        return add(calendar, start, rule.accept), add(calendar, start, rule.resolve)

    def department_deadlines(
        self, calendar: WorkCalendar, start: datetime, urgent: bool
    ) -> tuple[datetime, datetime]:
        """``(accept_deadline, resolve_deadline)`` for a department given the ticket at ``start``."""
        rule = self.urgent if urgent else (self.department or self.default)
        return add(calendar, start, rule.accept), add(calendar, start, rule.resolve)

    @classmethod
    def from_mapping(cls, data: Mapping) -> SlaPolicy:
        """Build from config such as::

            {"default": {"accept": "2wh", "resolve": "3wd"},
             "urgent": {"accept": "30m", "resolve": "24h"},
             "categories": {"违法建设": {"resolve": "10wd"}}}

        ``default`` and ``urgent`` need both durations; a category may give only
        one, the other is taken from ``default``.  Unknown keys are errors, so a
        typo cannot silently fall back to the default.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"SLA config must be a mapping, got {type(data).__name__}")
        _reject_unknown(data, {"default", "urgent", "categories", "department"}, "SLA config")
        for key in ("default", "urgent"):
            if key not in data:
                raise ValueError(f"SLA config: missing {key!r}")
        default = _rule(data["default"], key="default", fallback=None)
        urgent = _rule(data["urgent"], key="urgent", fallback=None)
        categories = data.get("categories")
        if categories is None:  # an empty YAML section
            categories = {}
        if not isinstance(categories, Mapping):
            raise ValueError("SLA config: 'categories' must be a mapping of category -> rule")
        per_category = {
            str(name): _rule(raw, key=f"categories.{name}", fallback=default)
            for name, raw in categories.items()
        }
        department = data.get("department")
        if department is not None:  # optional; may give one duration, like a category
            department = _rule(department, key="department", fallback=default)
        return cls(default=default, urgent=urgent, per_category=per_category, department=department)


def add(calendar: WorkCalendar, start: datetime, duration: Duration) -> datetime:
    """``start`` plus ``duration``, in UTC; clock units ignore the calendar."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(f"naive datetime {start!r}: pass a timezone-aware (UTC) datetime")
    amount = duration.amount
    if duration.unit == "minutes":
        return (start + timedelta(minutes=amount)).astimezone(timezone.utc)
    if duration.unit == "hours":
        return (start + timedelta(hours=amount)).astimezone(timezone.utc)
    if duration.unit == "working_hours":
        return calendar.add_working_hours(start, amount)
    if float(amount).is_integer():
        return calendar.add_working_days(start, int(amount))
    return calendar.add_working_hours(start, amount * calendar.hours_per_day)


def _reject_unknown(data: Mapping, allowed: set[str], where: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(map(str, unknown))}; allowed: {sorted(allowed)}")


def _duration(raw: object, where: str) -> Duration:
    if isinstance(raw, Duration):
        return raw
    if not isinstance(raw, str):
        raise ValueError(f"SLA config {where}: expected a string like '2wh' or '3wd', got {raw!r}")
    try:
        return Duration.parse(raw)
    except ValueError as exc:
        raise ValueError(f"SLA config {where}: {exc}") from None


def _rule(raw: object, key: str, fallback: SlaRule | None) -> SlaRule:
    if not isinstance(raw, Mapping):
        raise ValueError(f"SLA config {key}: expected a mapping with 'accept'/'resolve'")
    _reject_unknown(raw, {"accept", "resolve"}, f"SLA config {key}")
    if not raw:
        raise ValueError(f"SLA config {key}: give 'accept' and/or 'resolve'")
    given = {name: _duration(value, f"{key}.{name}") for name, value in raw.items()}
    if fallback is None:
        missing = [name for name in ("accept", "resolve") if name not in given]
        if missing:
            raise ValueError(f"SLA config {key}: missing {missing}")
        return SlaRule(accept=given["accept"], resolve=given["resolve"])
    return SlaRule(
        accept=given.get("accept", fallback.accept),
        resolve=given.get("resolve", fallback.resolve),
    )
