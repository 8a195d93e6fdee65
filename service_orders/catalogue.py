"""Service categories and "when is it needed". Pure."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

FALLBACK = "其他"
NEEDED = ("today", "tomorrow", "week", "any")
# A date typed by the resident: 2026-12-05, 2026年12月5日, 12月5日, 12-05, 12/5, 12.5
_DATE = re.compile(r"^\s*(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?\s*$")
HORIZON_DAYS = 90  # further ahead is more likely a typo than a plan


def categorise(text: str, categories: Mapping[str, Sequence[str]]) -> str:
    """The first category with a keyword in the text; the fallback otherwise."""
    for name, words in categories.items():
        if any(w and w in text for w in words):
            return name
    return FALLBACK if FALLBACK in categories or not categories else next(reversed(list(categories)))


def needed_on(code: str, today: date) -> date | None:
    """The local date an answer button stands for (None: 不急)."""
    if code == "today":
        return today
    if code == "tomorrow":
        return today + timedelta(days=1)
    if code == "week":
        return today + timedelta(days=6 - today.weekday())  # this Sunday
    if code == "any":
        return None
    raise ValueError(code)


def parse_date(text: str, today: date) -> date | None:
    """A typed date from today up to HORIZON_DAYS ahead; None if it is not one.

    Without a year, the next such day (so "1月3日" typed in December is next January)."""
    m = _DATE.match(text)
    if not m:
        return None
    year, month, day = (int(g) if g else None for g in m.groups())
    candidates = [year] if year else [today.year, today.year + 1]
    for y in candidates:
        try:
            d = date(y, month, day)
        except ValueError:
            return None
        if today <= d <= today + timedelta(days=HORIZON_DAYS):
            return d
    return None
