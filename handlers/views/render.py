"""Turn workflow data (tickets, notices) into text and buttons."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from handlers.shared import i18n
from handlers.shared.cadre_callbacks import ToolCb
from handlers.shared.callbacks import AssignCb, CategoryCb, RateCb, RelayCb, TicketCb, WithdrawCb
from handlers.shared.i18n import T, category_label, note_label
from handlers.views.cadre_buttons import tool_buttons
from organisation.privacy import mask_phone
from tickets.lifecycle import OPEN_STATES, Action, State
from tickets.views import TicketView

# Telegram caps a message at 4096 characters; leave room for the card around the text.
CARD_TEXT_LIMIT = 1500


@dataclass(frozen=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
    photos: tuple[str, ...] = ()
    location: tuple[float, float] | None = None


def local_time(at: datetime | None, tz: ZoneInfo) -> str:
    if at is None:
        return "—"
    local = at.astimezone(tz)
    return T.DATE_TIME.format(month=i18n.month_name(local.month), day=local.day,
                              weekday=i18n.weekday_name(local.weekday()), time=f"{local:%H:%M}")


def clip(text: str, limit: int = CARD_TEXT_LIMIT) -> str:
    text = text.strip()
    return escape(text if len(text) <= limit else text[:limit] + "…")


def keywords_note(view: TicketView) -> str:
    return T.KEYWORDS.format(words=i18n.join(escape(k) for k in view.keywords)) if view.keywords else ""


def state_label(state: State | str) -> str:
    return i18n.state_label(state)


def _kb(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows]
    )


def task_buttons(view: TicketView) -> InlineKeyboardMarkup | None:
    """The buttons of a card for whoever holds the ticket; none once nothing can be done.
    无效 beside the others: what is not a matter for the grid is closed from the card.
    联系反映人 for whoever handles it (the cadres of an urgent one while it waits for them)."""
    rows = _task_rows(view)
    if view.state in _CONTACT_STATES or (view.urgent and view.state in (State.NEW, State.RETURNED)):
        rows.append([(T.BTN_CONTACT_REPORTER, RelayCb(action="msg", ticket_id=view.id).pack())])
    return _kb(rows) if rows else None


_CONTACT_STATES = (State.DISPATCHED, State.ACCEPTED, State.ESCALATED, State.REOPENED)


def _task_rows(view: TicketView) -> list[list[tuple[str, str]]]:
    invalid = (T.BTN_INVALID, TicketCb(action="inv", ticket_id=view.id).pack())
    if view.state in (State.DISPATCHED, State.REOPENED):
        return [[(T.BTN_ACCEPT, TicketCb(action="acc", ticket_id=view.id).pack()),
                 (T.BTN_RETURN, TicketCb(action="ret", ticket_id=view.id).pack()), invalid]]
    if view.state in (State.ACCEPTED, State.ESCALATED):
        return [[(T.BTN_RESOLVE, TicketCb(action="res", ticket_id=view.id).pack()),
                 (T.BTN_RETURN, TicketCb(action="ret", ticket_id=view.id).pack()), invalid]]
    if view.state in (State.NEW, State.RETURNED):
        return [[(T.BTN_REASSIGN, TicketCb(action="rsg", ticket_id=view.id).pack()), invalid]]
    return []


def _button_action(data: str) -> Action:
    if data.startswith(RelayCb.__prefix__ + ":"):
        return Action.RELAY
    return {"acc": Action.ACCEPT, "res": Action.RESOLVE, "ret": Action.RETURN,
            "rsg": Action.REASSIGN, "inv": Action.INVALIDATE}[TicketCb.unpack(data).action]


def dispatch_buttons(view: TicketView) -> InlineKeyboardMarkup | None:
    """A cadre's card for a ticket waiting for them (待派单, 已退回): 转派 to a grid member or
    吹哨 to a department (each checked again on press); otherwise what task_buttons offers."""
    if view.state not in (State.NEW, State.RETURNED):
        return task_buttons(view)
    return _kb([[(T.BTN_REASSIGN, TicketCb(action="rsg", ticket_id=view.id).pack()),
                 (T.BTN_ESCALATE, ToolCb(action="esc", ticket_id=view.id).pack())]])


def buttons_for(view: TicketView, actions: set[Action], *, tools: bool = True) -> InlineKeyboardMarkup | None:
    """Only the buttons this viewer may press (the workflow checks again on press); with
    `tools`, their 改类, 吹哨 and 合并 too."""
    markup = task_buttons(view)
    rows = []
    for row in markup.inline_keyboard if markup else ():
        kept = [b for b in row if _button_action(b.callback_data) in actions]
        if kept:
            rows.append(kept)
    if tools:
        rows.extend(tool_buttons(view, actions))  # 改类, 吹哨, 合并
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def reassign_buttons(ticket_id: int, options: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    return _kb([[(escape(label), AssignCb(ticket_id=ticket_id, staff_id=sid).pack())] for sid, label in options])


def category_buttons(ticket_id: int, suggestions: tuple[str, ...], names: list[str]) -> InlineKeyboardMarkup:
    # Suggestions first, then the rest, two to a row: one tap whatever the answer.
    ordered = list(dict.fromkeys([*suggestions, *names]))
    buttons = [(category_label(n), CategoryCb(ticket_id=ticket_id, index=names.index(n)).pack())
               for n in ordered if n in names]
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
    card = T.TASK_CARD.format(
        badge=badge, id=view.id, state=state_label(view.state), category=escape(category_label(view.category)),
        keywords=keywords_note(view), grid=escape(view.grid_name), text=clip(view.text),
        accept_deadline=local_time(view.accept_deadline, tz),
        resolve_deadline=local_time(view.resolve_deadline, tz),
    )
    if view.reopen_reason and view.state in OPEN_STATES:
        # The resident's reason for the 重办: what to do differently this time.
        card += T.REOPEN_REASON_LINE.format(reason=clip(note_label(view.reopen_reason), 300))
    return card


def reporter_line(view: TicketView, reveal_phone: bool) -> str:
    """Who reported, for staff: nothing of an anonymous reporter; the phone in full only
    for whoever handles the ticket now (policy.can_see_contact), masked for the rest."""
    if view.anonymous:
        return T.REPORTER_ANONYMOUS
    if not view.resident_name and not view.resident_phone:
        return ""
    phone = view.resident_phone if reveal_phone else mask_phone(view.resident_phone)
    return T.REPORTER_LINE.format(name=escape(view.resident_name) or "—",
                                  phone=T.REPORTER_PHONE.format(phone=escape(phone)) if phone else "")


def with_reporter(text: str, view: TicketView, reveal_phone: bool) -> str:
    line = reporter_line(view, reveal_phone)
    return f"{text}\n{line}" if line else text


def report_ack(view: TicketView, tz: ZoneInfo) -> str:
    return T.REPORT_ACK.format(
        id=view.id, category=escape(category_label(view.category)), keywords=keywords_note(view),
        urgent=T.URGENT_LINE if view.urgent else "",
        assignee=escape(view.assignee_name) if view.assignee_name else T.REPORT_ACK_UNASSIGNED,
        deadline=local_time(view.resolve_deadline, tz),
    )


def acknowledgement(view: TicketView, tz: ZoneInfo, suggestions: tuple[str, ...] = (),
                    categories: Sequence[str] = (), extra: str = "") -> Rendered:
    """受理: the reporter's acknowledgement; with suggestions (the classifier was unsure) it
    asks them to pick a category. `extra`: a line more (the text was cut)."""
    text = report_ack(view, tz) + extra
    if view.anonymous:
        text += "\n" + T.ANONYMOUS_ACK
    # 撤销 at hand: a report sent by mistake is withdrawn in two taps.
    withdraw = [InlineKeyboardButton(text=T.BTN_WITHDRAW,
                                     callback_data=WithdrawCb(action="ask", ticket_id=view.id).pack())]
    markup = InlineKeyboardMarkup(inline_keyboard=[withdraw])
    if suggestions and categories:
        text += "\n\n" + T.PICK_CATEGORY
        markup = category_buttons(view.id, suggestions, list(categories))
        markup.inline_keyboard.append(withdraw)
    return Rendered(text, markup)
