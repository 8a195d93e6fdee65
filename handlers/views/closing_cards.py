"""撤销, 无效 and the reasons of a 重办, drawn: the buttons offering them, the confirmation,
the cards of a ticket closed that way, and the 无效 list at the end of /overdue."""
from __future__ import annotations

from collections.abc import Iterable
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.shared.callbacks import ReasonCb, WithdrawCb
from handlers.shared.i18n import T, category_label, note_label
from handlers.views.render import Rendered, clip, local_time, task_card, with_reporter
from supervision.overdue import OverdueList
from tickets.closing.reasons import INVALID_REASONS, REOPEN_REASONS
from tickets.lifecycle import OPEN_STATES
from tickets.views import Notice, NoticeKind, TicketView

INVALID, REOPEN = "iv", "rr"  # ReasonCb.kind
OWN, BACK = -1, -2  # ReasonCb.index beside the reasons' own
MY_WITHDRAW_LIMIT = 10  # 撤销 buttons under /my: the newest open tickets


def _kb(rows: Iterable[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows if row])


def _reason_rows(kind: str, ticket_id: int, reasons: tuple[str, ...], own: str) -> list[list[tuple[str, str]]]:
    tapped = [(note_label(r), ReasonCb(kind=kind, ticket_id=ticket_id, index=i).pack()) for i, r in enumerate(reasons)]
    return [*(tapped[i:i + 2] for i in range(0, len(tapped), 2)),
            [(own, ReasonCb(kind=kind, ticket_id=ticket_id, index=OWN).pack())]]


def invalid_reason_buttons(ticket_id: int) -> InlineKeyboardMarkup:
    """无效's reasons in one tap, their own words, or back to the card's buttons."""
    rows = _reason_rows(INVALID, ticket_id, INVALID_REASONS, T.BTN_INVALID_OWN)
    return _kb([*rows, [(T.BTN_BACK, ReasonCb(kind=INVALID, ticket_id=ticket_id, index=BACK).pack())]])


def reopen_reason_buttons(ticket_id: int) -> InlineKeyboardMarkup:
    return _kb(_reason_rows(REOPEN, ticket_id, REOPEN_REASONS, T.BTN_REASON_OWN))


def withdraw_buttons(ticket_id: int) -> InlineKeyboardMarkup:
    """One 撤销 under a report's acknowledgement (or a /ticket view)."""
    return _kb([[(T.BTN_WITHDRAW, WithdrawCb(action="ask", ticket_id=ticket_id).pack())]])


def my_withdraw_buttons(views: Iterable[TicketView]) -> InlineKeyboardMarkup | None:
    """/my: a 撤销 for each ticket still open, two to a row, the newest first."""
    found = [(T.BTN_WITHDRAW_ID.format(id=v.id), WithdrawCb(action="ask", ticket_id=v.id).pack())
             for v in views if v.state in OPEN_STATES][:MY_WITHDRAW_LIMIT]
    return _kb(found[i:i + 2] for i in range(0, len(found), 2)) if found else None


def withdraw_confirm(view: TicketView) -> Rendered:
    text = T.WITHDRAW_CONFIRM.format(id=view.id, text=clip(view.text, 200))
    return Rendered(text, _kb([[(T.BTN_WITHDRAW_YES, WithdrawCb(action="yes", ticket_id=view.id).pack()),
                                (T.BTN_WITHDRAW_NO, WithdrawCb(action="no", ticket_id=view.id).pack())]]))


def closed_card(n: Notice, tz: ZoneInfo) -> Rendered:
    """The card of a ticket closed by 撤销 or 无效, for one who held it: no buttons."""
    v = n.ticket
    if n.kind == NoticeKind.CANCELLED:
        badge = T.CANCELLED_BADGE
    else:
        badge = T.INVALID_BADGE.format(who=escape(n.actor_name or ""), reason=escape(note_label(n.note)))
    return Rendered(badge + with_reporter(task_card(v, tz), v, True))


def closed_brief(n: Notice) -> Rendered:
    """The message about a 撤销 or 无效 for one whose card about it was just edited to the
    closed card: one line pointing at it (who, why), so the whole card is not read twice."""
    if n.kind == NoticeKind.CANCELLED:
        return Rendered(T.CANCELLED_BRIEF.format(id=n.ticket.id))
    return Rendered(T.INVALID_BRIEF.format(id=n.ticket.id, who=escape(n.actor_name or ""),
                                           reason=escape(note_label(n.note))))


def invalid_summary(found: OverdueList, tz: ZoneInfo) -> str:
    """Every 无效 of the last days under the cadre's grids, by whom and why."""
    lines = [T.OVERDUE_INVALID_HEADER.format(days=found.invalid_days, n=len(found.invalid))]
    lines += [T.OVERDUE_INVALID_LINE.format(
        id=i.ticket_id, grid=escape(i.grid_name), category=escape(category_label(i.category)),
        at=local_time(i.at, tz), who=escape(i.who), reason=escape(note_label(i.reason)), text=clip(i.text, 60))
        for i in found.invalid]
    return "\n".join(lines)
