"""The lists' and the map's filters, read from the query string (never trusted: unknown
values are dropped, the grid is checked against the cadre's own by the board)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from multidict import MultiMapping

from supervision.board import CLOSED_OFF, SORTS, VIEWS, Filter
from tickets.lifecycle import OPEN_STATES

KEYS = ("view", "category", "state", "grid", "from", "to", "sort", "dir")
PER_PAGE = 50


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _int(text: str | None, default: int | None = None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 12 else default


def parse(query: MultiMapping[str], tz: ZoneInfo, categories: list[str], *, view: str | None = None) -> Filter:
    first, last = _day(query.get("from")), _day(query.get("to"))
    state = query.get("state", "")
    category = query.get("category", "")
    sort = query.get("sort", "")
    return Filter(
        view=view or (query.get("view") if query.get("view") in VIEWS else "open"),
        category=category if category in categories else "",
        state=state if state in {s.value for s in (*OPEN_STATES, *CLOSED_OFF)} else "",
        grid_id=_int(query.get("grid")),
        since=datetime.combine(first, time(), tz) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(), tz) if last else None,
        sort=sort if sort in SORTS else "",
        descending=query.get("dir") == "desc",
        page=_int(query.get("page"), 1) or 1,
        per_page=PER_PAGE,
    )


def kept(query: MultiMapping[str], **changes: object) -> str:
    """The query string with these keys changed (None drops one); paging restarts unless given."""
    values = {k: query[k] for k in KEYS if query.get(k)}
    if "page" not in changes and query.get("page"):
        values.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            values.pop(key, None)
        else:
            values[key] = str(value)
    return urlencode(values)
