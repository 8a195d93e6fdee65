"""Turn workflow data (tickets, notices) into text and buttons."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import texts as T
from handlers.callbacks import AssignCb, CategoryCb, RateCb, TicketCb
from tickets.lifecycle import Action, State
from tickets.views import Notice, NoticeKind, TicketView

WEEKDAYS = "一二三四五六日"
# Telegram caps a message at 4096 characters; leave room for the card around the text.
CARD_TEXT_LIMIT = 1500


@dataclass(frozen=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None
    photos: tuple[str, ...] = ()
    location: tuple[float, float] | None = None


def local_time(at: datetime | None, tz: ZoneInfo) -> str:
    if at is None:
        return "—"
    local = at.astimezone(tz)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def clip(text: str, limit: int = CARD_TEXT_LIMIT) -> str:
    text = text.strip()
    return escape(text if len(text) <= limit else text[:limit] + "…")


def keywords_note(view: TicketView) -> str:
    return T.KEYWORDS.format(words="、".join(escape(k) for k in view.keywords)) if view.keywords else ""


def state_label(state: State | str) -> str:
    return State(state).label


def _kb(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows]
    )


def task_buttons(view: TicketView) -> InlineKeyboardMarkup | None:
    if view.state in (State.DISPATCHED, State.REOPENED):
        return _kb([[(T.BTN_ACCEPT, TicketCb(action="acc", ticket_id=view.id).pack()),
                     (T.BTN_RETURN, TicketCb(action="ret", ticket_id=view.id).pack())]])
    if view.state in (State.ACCEPTED, State.ESCALATED):
        return _kb([[(T.BTN_RESOLVE, TicketCb(action="res", ticket_id=view.id).pack()),
                     (T.BTN_RETURN, TicketCb(action="ret", ticket_id=view.id).pack())]])
    if view.state in (State.NEW, State.RETURNED):
        return _kb([[(T.BTN_REASSIGN, TicketCb(action="rsg", ticket_id=view.id).pack())]])
    return None


def buttons_for(view: TicketView, actions: set[Action]) -> InlineKeyboardMarkup | None:
    """Only the buttons this viewer may press (the workflow checks again on press)."""
    markup = task_buttons(view)
    if markup is None:
        return None
    allowed = {"acc": Action.ACCEPT, "res": Action.RESOLVE, "ret": Action.RETURN, "rsg": Action.REASSIGN}
    rows = []
    for row in markup.inline_keyboard:
        kept = [b for b in row if allowed[TicketCb.unpack(b.callback_data).action] in actions]
        if kept:
            rows.append(kept)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def reassign_buttons(ticket_id: int, options: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    return _kb([[(escape(label), AssignCb(ticket_id=ticket_id, staff_id=sid).pack())] for sid, label in options])


def category_buttons(ticket_id: int, suggestions: tuple[str, ...], names: list[str]) -> InlineKeyboardMarkup:
    # Suggestions first, then the rest, two to a row: one tap whatever the answer.
    ordered = list(dict.fromkeys([*suggestions, *names]))
    buttons = [(n, CategoryCb(ticket_id=ticket_id, index=names.index(n)).pack()) for n in ordered if n in names]
    return _kb([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


def solved_buttons(ticket_id: int) -> InlineKeyboardMarkup:
    return _kb([[(T.BTN_SOLVED, RateCb(ticket_id=ticket_id, value="y").pack()),
                 (T.BTN_UNSOLVED, RateCb(ticket_id=ticket_id, value="n").pack())]])


def satisfaction_buttons(ticket_id: int) -> InlineKeyboardMarkup:
    return _kb([[(T.BTN_SATISFIED, RateCb(ticket_id=ticket_id, value="satisfied").pack()),
                 (T.BTN_BASICALLY, RateCb(ticket_id=ticket_id, value="basically").pack()),
                 (T.BTN_DISSATISFIED, RateCb(ticket_id=ticket_id, value="dissatisfied").pack())]])


def task_card(view: TicketView, tz: ZoneInfo, badge: str = "") -> str:
    if view.urgent:
        badge = T.URGENT_BADGE + badge
    return T.TASK_CARD.format(
        badge=badge, id=view.id, state=state_label(view.state), category=escape(view.category),
        keywords=keywords_note(view), grid=escape(view.grid_name), text=clip(view.text),
        accept_deadline=local_time(view.accept_deadline, tz),
        resolve_deadline=local_time(view.resolve_deadline, tz),
    )


def report_ack(view: TicketView, tz: ZoneInfo) -> str:
    return T.REPORT_ACK.format(
        id=view.id, category=escape(view.category), keywords=keywords_note(view),
        urgent=T.URGENT_LINE if view.urgent else "",
        assignee=escape(view.assignee_name) if view.assignee_name else T.REPORT_ACK_UNASSIGNED,
        deadline=local_time(view.resolve_deadline, tz),
    )


def notice(n: Notice, tz: ZoneInfo) -> Rendered:
    v = n.ticket
    who = escape(n.actor_name or v.assignee_name or "")
    deadline = local_time(v.resolve_deadline, tz)
    location = (v.latitude, v.longitude) if v.latitude is not None and v.longitude is not None else None
    match n.kind:
        case NoticeKind.NEW_TASK:
            return Rendered(task_card(v, tz, T.NEW_TASK_BADGE), task_buttons(v), v.photos, location)
        case NoticeKind.REOPENED:
            badge = T.REOPENED_BADGE.format(why=escape(n.note or ""))
            return Rendered(task_card(v, tz, badge), task_buttons(v), v.photos, location)
        case NoticeKind.UNASSIGNED:
            text = T.UNASSIGNED_CARD.format(id=v.id, grid=escape(v.grid_name), text=clip(v.text))
            return Rendered(text, task_buttons(v), v.photos, location)
        case NoticeKind.RETURNED:
            text = T.RETURNED_CARD.format(id=v.id, who=who, reason=escape(n.note or ""))
            return Rendered(text + "\n\n" + task_card(v, tz), task_buttons(v))
        case NoticeKind.ACCEPTED:
            return Rendered(T.ACCEPTED_NOTICE.format(id=v.id, who=who))
        case NoticeKind.RESOLVED:
            text = T.RESOLVED_NOTICE.format(id=v.id, note=clip(n.note or "", 500))
            return Rendered(text, solved_buttons(v.id), v.resolution_photos)
        case NoticeKind.RETURNED_RESIDENT:
            return Rendered(T.RETURNED_NOTICE.format(id=v.id))
        case NoticeKind.REASSIGNED_RESIDENT:
            return Rendered(T.REASSIGNED_NOTICE.format(id=v.id, who=escape(v.assignee_name or ""), deadline=deadline))
        case NoticeKind.REOPENED_RESIDENT:
            return Rendered(T.REOPENED_NOTICE.format(
                id=v.id, why=escape(n.note or ""), who=escape(v.assignee_name or ""), deadline=deadline))
        case NoticeKind.CLOSED:
            return Rendered(T.CLOSED_NOTICE.format(id=v.id, rating=escape(n.note or "")))
        case NoticeKind.CATEGORY_CHANGED:
            return Rendered(T.CATEGORY_CHANGED.format(id=v.id, before=escape(n.note or ""), category=escape(v.category)))
        case NoticeKind.TAKEN_AWAY:
            return Rendered(T.TAKEN_AWAY.format(id=v.id, who=who, name=escape(v.assignee_name or "")))
    raise ValueError(f"no rendering for {n.kind}")
