"""Cards, buttons and notices of the cadre tools (吹哨, 催办, 合并, /overdue, /stats)."""
from __future__ import annotations

from collections.abc import Collection
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from figures.bulletin import BulletinData
from figures.kpi import Counts
from figures.periods import describe
from figures.stats import StatsReport
from handlers.shared.cadre_callbacks import EscalateCb, FollowCb, MergeCb, ToolCb
from handlers.shared.callbacks import TicketCb
from handlers.shared.i18n import T, category_label, join, note_label
from handlers.views.cadre_buttons import possible
from handlers.views.reminder_cards import late_text, percent, split_lines
from handlers.views.render import (
    Rendered,
    clip,
    local_time,
    state_label,
    task_buttons,
    task_card,
)
from supervision.overdue import OverdueItem, OverdueList
from tickets.duplicates import Candidate, Match
from tickets.escalation import Department
from tickets.lifecycle import OPEN_STATES, Action, State
from tickets.views import Notice, NoticeKind, TicketView


def _kb(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows if row]
    )


# -- /overdue ------------------------------------------------------------------------

def overdue_header(found: OverdueList, hours: int) -> str:
    if not found.items:
        return T.OVERDUE_NONE.format(hours=hours)
    return T.OVERDUE_HEADER.format(late=found.overdue, soon=found.soon, hours=hours)


def overdue_card(item: OverdueItem, actions: Collection[Action], now, tz: ZoneInfo) -> Rendered:
    v = item.view
    who = v.handler_name or "—"
    text = T.OVERDUE_CARD.format(
        mark=T.OVERDUE_MARK if item.late else T.SOON_MARK, id=v.id, state=state_label(v.state),
        category=escape(category_label(v.category)), grid=escape(v.grid_name), who=escape(who),
        what=T.WINDOW_ACCEPT if item.window == "accept" else T.WINDOW_RESOLVE,
        deadline=local_time(item.deadline, tz),
        late=late_text(now - item.deadline) if item.late else T.OVERDUE_SOON, text=clip(v.text, 120),
    )
    row = [(T.BTN_OPEN, ToolCb(action="open", ticket_id=v.id).pack())]
    if Action.REMIND in actions:
        row.append((T.BTN_REMIND, ToolCb(action="remind", ticket_id=v.id).pack()))
    if Action.REASSIGN in actions and possible(Action.REASSIGN, v.state):
        row.append((T.BTN_REASSIGN, TicketCb(action="rsg", ticket_id=v.id).pack()))
    if Action.ESCALATE in actions and possible(Action.ESCALATE, v.state):
        row.append((T.BTN_ESCALATE, ToolCb(action="esc", ticket_id=v.id).pack()))
    return Rendered(text, _kb([row]))


# -- /stats ----------------------------------------------------------------------------

def stats_row(name: str, c: Counts, min_samples: int = 0) -> str:
    row = T.STATS_ROW.format(
        name=escape(name), created=c.created, accept=percent(c.rate("及时签收率")),
        on_time=percent(c.rate("按期办结率")), solved=percent(c.rate("解决率")),
        satisfied=percent(c.rate("满意率")), satisfied_only=percent(c.rate("满意率（仅满意）")),
        reopened=percent(c.rate("重办率")), overdue=c.overdue_now)
    if c.invalid:
        row += "\n" + T.STATS_INVALID.format(n=c.invalid)
    if min_samples and c != Counts() and not c.enough(min_samples):
        row += "\n" + T.STATS_SHORT.format(judged=c.judged, min=min_samples)
    return row


def stats_messages(report: StatsReport, tz: ZoneInfo) -> list[str]:
    lines = [T.STATS_HEADER.format(scope=escape(report.scope), period=describe(report.period, tz)), "",
             stats_row(T.TOTAL_ROW_NAME, report.total)]  # "合计（新增 3）": the name is the heading
    least = report.min_samples
    if len(report.communities) > 1:
        lines += ["", T.STATS_SECTION_COMMUNITIES, *(stats_row(n, c, least) for n, c in report.communities)]
    lines += ["", T.STATS_SECTION_GRIDS, *(stats_row(n, c, least) for n, c in report.grids)]
    if report.categories:
        lines += ["", T.STATS_SECTION_CATEGORIES,
                  *(stats_row(category_label(n), c) for n, c in report.categories)]
    lines += ["", T.STATS_FOOTNOTE]
    return split_lines(lines)


# -- 吹哨, 改类, 合并, duplicates -------------------------------------------------------------

def department_buttons(ticket_id: int, departments: list[Department]) -> InlineKeyboardMarkup:
    rows = []
    for d in departments:
        label = T.ESCALATE_DEFAULT.format(name=escape(d.name)) if d.default else escape(d.name)
        rows.append([(label, EscalateCb(ticket_id=ticket_id, unit_id=d.unit_id).pack())])
    return _kb(rows)


def department_card(v: TicketView, who: str, tz: ZoneInfo) -> Rendered:
    text = T.DEPARTMENT_CARD.format(
        id=v.id, who=escape(who), department=escape(v.department_name),
        category=escape(category_label(v.category)), community=escape(v.community_name), grid=escape(v.grid_name),
        text=clip(v.text), deadline=local_time(v.resolve_deadline, tz))
    if v.reopen_reason and v.state in OPEN_STATES:
        # Resolved by the department and reopened by the resident: why, as on a grid member's card.
        text += T.REOPEN_REASON_LINE.format(reason=clip(note_label(v.reopen_reason), 300))
    return Rendered(text, department_task_buttons(v), v.photos)


def department_task_buttons(v: TicketView) -> InlineKeyboardMarkup:
    """A department contact's buttons on a ticket escalated to it: 签收 (报到) until done, and 办结."""
    row = [] if v.department_accepted_at else [(T.BTN_ACCEPT, ToolCb(action="dacc", ticket_id=v.id).pack())]
    return _kb([[*row, (T.BTN_RESOLVE, TicketCb(action="res", ticket_id=v.id).pack())]])


def merge_buttons(ticket_id: int, found: list[Candidate]) -> InlineKeyboardMarkup:
    return _kb([[(T.TICKET_MERGE_OPTION.format(id=c.ticket_id, similarity=f"{c.similarity:.0%}", text=clip(c.text, 20)),
                  MergeCb(ticket_id=ticket_id, into_id=c.ticket_id).pack())] for c in found])


def duplicate_offer(m: Match) -> Rendered:
    # Another resident's words never reach this one: the category, grid and state only.
    text = T.DUPLICATE_FOUND.format(id=m.ticket_id, state=state_label(m.state),
                                    category=escape(category_label(m.category)), grid=escape(m.grid_name))
    return Rendered(text, _kb([[(T.BTN_FOLLOW, FollowCb(action="follow", ticket_id=m.ticket_id).pack())],
                               [(T.BTN_REPORT_ANYWAY, FollowCb(action="new", ticket_id=m.ticket_id).pack())]]))


# -- /bulletin ---------------------------------------------------------------------------

def bulletin_caption(data: BulletinData, tz: ZoneInfo) -> str:
    start = data.period.start.astimezone(tz)
    counts = {b.name: 0 for b in data.bands}
    for g in data.grids:
        if g.band is not None:
            counts[g.band.name] = counts.get(g.band.name, 0) + 1
    bands = join(T.BULLETIN_BAND.format(name=escape(n), n=k) for n, k in counts.items())
    caption = T.BULLETIN_CAPTION.format(
        unit=escape(data.unit_name), month=T.BULLETIN_MONTH.format(year=start.year, month=start.month),
        created=data.total.created, resolutions=data.total.resolved, overdue=data.total.overdue_now, bands=bands)
    if data.short:
        caption += "\n" + T.BULLETIN_SHORT.format(min=data.min_samples, names=join(escape(g.name) for g in data.short))
    return caption


# -- notices --------------------------------------------------------------------------------

def cadre_notice(n: Notice, tz: ZoneInfo) -> Rendered:
    """The notices of NoticeKind's cadre-tool kinds (handlers.views.notices.notice hands them here)."""
    v = n.ticket
    who = escape(n.actor_name or "")
    department = escape(v.department_name)
    deadline = local_time(v.resolve_deadline, tz)
    match n.kind:
        case NoticeKind.DEPARTMENT_TASK:
            return department_card(v, n.actor_name or "", tz)
        case NoticeKind.ESCALATED_RESIDENT:
            return Rendered(T.ESCALATED_RESIDENT.format(id=v.id, department=department, deadline=deadline))
        case NoticeKind.ESCALATED_MEMBER:
            return Rendered(T.ESCALATED_MEMBER.format(id=v.id, who=who, department=department))
        case NoticeKind.DEPARTMENT_ACCEPTED:
            return Rendered(T.DEPARTMENT_ACCEPTED.format(id=v.id, department=department))
        case NoticeKind.DEPARTMENT_REOPENED:
            head = T.DEPARTMENT_REOPENED.format(id=v.id, why=escape(note_label(n.note)), department=department)
            card = department_card(v, v.community_name, tz)
            return Rendered(head + "\n\n" + card.text, card.markup, card.photos)
        case NoticeKind.REMINDED:
            head = T.REMINDED_NOTICE.format(id=v.id, who=who)
            if v.state == State.ESCALATED:
                card = department_card(v, n.actor_name or "", tz)
                return Rendered(head + "\n\n" + card.text, card.markup)
            return Rendered(head + "\n\n" + task_card(v, tz), task_buttons(v))
        case NoticeKind.MERGED_RESIDENT:
            return Rendered(T.TICKET_MERGED_RESIDENT.format(id=v.id, into=escape(n.note or "")))
        case NoticeKind.MERGED_ASSIGNEE:
            return Rendered(T.TICKET_MERGED_ASSIGNEE.format(id=v.id, into=escape(n.note or ""), who=who))
    raise ValueError(f"no rendering for {n.kind}")

