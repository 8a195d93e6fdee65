"""The follow-ups' notices (tickets.followup): 补充 for the handler, relayed messages both
ways, the phone request and the number shared. The reporter is never named to the handler
here, and the handler is shown by role and organisation name only."""
from __future__ import annotations

from html import escape

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from handlers.shared.callbacks import RelayCb
from handlers.shared.i18n import T
from handlers.views.render import Rendered, clip
from tickets.followup.supplements import decode
from tickets.views import Notice, NoticeKind


def _button(text: str, action: str, ticket_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=text, callback_data=RelayCb(action=action, ticket_id=ticket_id).pack())]])


def contact_keyboard() -> ReplyKeyboardMarkup:
    """Telegram's own button: the resident shares their number with one tap, or not at all."""
    return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=T.BTN_SHARE_PHONE, request_contact=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


def followup_notice(n: Notice) -> Rendered:
    v = n.ticket
    match n.kind:
        case NoticeKind.SUPPLEMENTED:
            m = decode(n.note)
            what = clip(m.text, 1000) if m.text else T.SUPPLEMENT_NO_TEXT
            text = T.SUPPLEMENT_NOTICE.format(id=v.id, text=what)
            return Rendered(text, _button(T.BTN_CONTACT_REPORTER, "msg", v.id), m.photos, m.location)
        case NoticeKind.RELAY_TO_RESIDENT:
            text = T.RELAY_TO_RESIDENT.format(id=v.id, who=escape(n.actor_name or T.WHO_STAFF), text=clip(n.note or ""))
            return Rendered(text, _button(T.BTN_RELAY_REPLY, "reply", v.id))
        case NoticeKind.RELAY_TO_HANDLER:
            text = T.RELAY_TO_HANDLER.format(id=v.id, text=clip(n.note or ""))
            return Rendered(text, _button(T.BTN_CONTACT_REPORTER, "msg", v.id))
        case NoticeKind.PHONE_REQUESTED:
            who = escape(n.actor_name or T.WHO_STAFF)
            return Rendered(T.PHONE_REQUESTED.format(id=v.id, who=who), contact_keyboard())
        case NoticeKind.PHONE_SHARED:
            if v.anonymous or not v.resident_phone:
                return Rendered(T.PHONE_SHARED_GONE.format(id=v.id))
            return Rendered(T.PHONE_SHARED.format(id=v.id, phone=escape(v.resident_phone)))
    raise ValueError(f"no follow-up notice for {n.kind}")
