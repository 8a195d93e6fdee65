"""Turn reminders, digests and blocked-bot notices into text (and the ticket's buttons)."""
from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from figures.kpi import Counts
from handlers.shared import i18n
from handlers.shared.i18n import T, category_label, role_label
from handlers.views.render import (
    Rendered,
    local_time,
    state_label,
    task_buttons,
    task_card,
)
from organisation.unreachable import BlockedNotice
from supervision.digests import DailyTasks, FiguresDigest, TaskLine, WeeklyDigest
from supervision.ladder import ACCEPT_STATES
from supervision.reminders import Reminder

# Telegram's limit is 4096 characters; digests are cut into messages below it.
MESSAGE_LIMIT = 3800


def late_text(delta: timedelta) -> str:
    """"，已超期2天3小时" (or 5小时, 40分钟); "" within the first minute past the deadline."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return ""
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        span = T.LATE_DAYS.format(days=days) + (T.LATE_HOURS.format(hours=hours) if hours else "")
    elif hours:
        span = T.LATE_HOURS.format(hours=hours)
    else:
        span = T.LATE_MINUTES.format(minutes=minutes)
    return T.LATE_BY.format(span=span)


def reminder(r: Reminder, tz: ZoneInfo) -> Rendered:
    """A reminder card: what is due, then the ticket with its buttons."""
    v = r.ticket
    what = T.WINDOW_ACCEPT if r.step.window == "accept" else T.WINDOW_RESOLVE
    fields = {
        "id": v.id, "what": what, "deadline": local_time(r.deadline, tz), "grid": escape(v.grid_name),
        "assignee": escape(v.assignee_name) if v.assignee_name else T.REMIND_NO_ASSIGNEE,
        "late": late_text(r.now - r.deadline),
    }
    to_assignee = r.recipient_role == "assignee"
    if r.overdue:
        head = (T.REMIND_LATE if to_assignee else T.REMIND_LATE_CADRE).format(**fields)
    else:
        head = (T.REMIND_SOON if to_assignee else T.REMIND_SOON_CADRE).format(**fields)
    return Rendered(head + "\n\n" + task_card(v, tz), task_buttons(v))


def blocked_notice(n: BlockedNotice) -> Rendered:
    role = role_label(n.role)
    return Rendered(T.BLOCKED_STAFF.format(role=role, name=escape(n.name), unit=escape(n.unit_name)))


def _mark(line: TaskLine) -> str:
    late = line.overdue or line.accept_late
    return (T.URGENT_MARK if line.urgent else "") + (T.OVERDUE_MARK if late else "")


def daily(d: DailyTasks, tz: ZoneInfo) -> list[str]:
    lines = [T.DAILY_HEADER.format(name=escape(d.name), n=d.total)]
    for x in d.lines:
        waiting = x.state in ACCEPT_STATES
        lines.append(T.DAILY_LINE.format(
            mark=_mark(x), id=x.id, state=state_label(x.state), category=escape(category_label(x.category)),
            grid=escape(x.grid_name), what=T.WINDOW_ACCEPT if waiting else T.WINDOW_RESOLVE,
            deadline=local_time(x.accept_deadline if waiting else x.resolve_deadline, tz),
        ))
    if d.total > len(d.lines):
        lines.append(T.DIGEST_MORE.format(n=d.total - len(d.lines)))
    lines.append(T.DAILY_FOOTER)
    return lines


def weekly(d: WeeklyDigest, tz: ZoneInfo) -> list[str]:
    week_end = d.week_end - timedelta(microseconds=1)  # shown as Sunday, not next Monday 00:00
    lines = [T.WEEKLY_HEADER.format(unit=escape(d.unit_name), week_end=local_time(week_end, tz))]
    for g in d.grids:
        lines.append(T.WEEKLY_GRID.format(grid=escape(g.grid_name), late=g.overdue_total, soon=g.due_total))
        for x, shown_total in ((g.overdue, g.overdue_total), (g.due_soon, g.due_total)):
            lines.extend(T.WEEKLY_LINE.format(
                mark=_mark(t), id=t.id, category=escape(category_label(t.category)), state=state_label(t.state),
                deadline=local_time(t.resolve_deadline, tz)) for t in x)
            if shown_total > len(x):
                lines.append("　" + T.DIGEST_MORE.format(n=shown_total - len(x)))
    return lines


def percent(value: float | None) -> str:
    return T.NO_RATE if value is None else f"{value * 100:.1f}%"


def _day(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return T.DAY_MONTH.format(month=i18n.month_name(local.month), day=local.day)


def _figures_row(name: str, c: Counts, kind: str) -> str:
    if kind == "half_month":
        return T.HALF_MONTH_ROW.format(
            name=escape(name), created=c.created, dispatched=c.dispatched, resolutions=c.resolved,
            returns=c.returns, reopens=c.reopens, open_now=c.open_now, overdue_now=c.overdue_now)
    return T.MONTHLY_ROW.format(
        name=escape(name), accept=percent(c.rate("及时签收率")), on_time=percent(c.rate("按期办结率")),
        solved=percent(c.rate("解决率")), satisfied=percent(c.rate("满意率")),
        satisfied_only=percent(c.rate("满意率（仅满意）")), reopened=percent(c.rate("重办率")),
        overdue=c.overdue_now)


def figures(d: FiguresDigest, tz: ZoneInfo) -> list[str]:
    if d.kind == "half_month":
        last_day = d.period.end - timedelta(microseconds=1)
        head = T.HALF_MONTH_HEADER.format(unit=escape(d.unit_name), start=_day(d.period.start, tz),
                                          end=_day(last_day, tz))
    else:
        local = d.period.start.astimezone(tz)
        head = T.MONTHLY_HEADER.format(unit=escape(d.unit_name), month=T.YEAR_MONTH.format(
            year=local.year, month=i18n.month_name(local.month)))
    lines = [head]
    lines.extend(_figures_row(name, counts, d.kind) for name, counts in d.rows)
    if len(d.rows) > 1:
        lines.append(_figures_row(T.TOTAL_ROW_NAME, d.total, d.kind))
    return lines


def digest_messages(digests: tuple, tz: ZoneInfo) -> list[str]:
    """One person's digests of one kind, as messages under Telegram's length limit."""
    lines: list[str] = []
    for d in digests:
        if lines:
            lines.append("")
        if isinstance(d, DailyTasks):
            lines.extend(daily(d, tz))
        elif isinstance(d, WeeklyDigest):
            lines.extend(weekly(d, tz))
        elif isinstance(d, FiguresDigest):
            lines.extend(figures(d, tz))
        else:
            raise TypeError(f"no rendering for {type(d).__name__}")
    return split_lines(lines)


def split_lines(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    messages: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if current and len(candidate) > limit:
            messages.append(current)
            current = line[:limit]
        else:
            current = candidate[:limit]
    if current:
        messages.append(current)
    return messages
