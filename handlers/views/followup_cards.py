"""The follow-ups' notices (tickets.followup, and service_orders.contact for a service
order): 补充 for the handler, relayed messages both ways, the phone request and the number
shared. The reporter (the resident who ordered) is never named to the other side here, and
the handler (who serves) is shown by role and the name the bot knows only."""
from __future__ import annotations

from html import escape

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from handlers.shared.callbacks import RelayCb
from handlers.shared.i18n import T, kind_label, role_label
from handlers.shared.service_callbacks import OrderRelayCb
from handlers.views.render import Rendered, clip
from service_orders.contact import Addressee
from service_orders.views import OrderNotice, OrderNoticeKind
from tickets.followup.supplements import decode
from tickets.policy import Role
from tickets.views import Notice, NoticeKind


def _button(text: str, action: str, ticket_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=text, callback_data=RelayCb(action=action, ticket_id=ticket_id).pack())]])


def contact_keyboard() -> ReplyKeyboardMarkup:
    """Telegram's own button: the resident shares their number with one tap, or not at all."""
    return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=T.BTN_SHARE_PHONE, request_contact=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


def _material(photos: bool, location: bool) -> str:
    """What a 补充 without words brought: photos go first (or carry the text as their
    caption), a location after the text."""
    if photos and location:
        return T.SUPPLEMENT_PHOTOS_LOCATION
    return T.SUPPLEMENT_LOCATION if location else T.SUPPLEMENT_PHOTOS


def followup_notice(n: Notice) -> Rendered:
    v = n.ticket
    match n.kind:
        case NoticeKind.SUPPLEMENTED:
            m = decode(n.note)
            what = clip(m.text, 1000) if m.text else _material(bool(m.photos), m.location is not None)
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


def addressee(a: Addressee | None) -> str:
    """Whom a resident's answer on an order reaches, as they are told: "志愿者 小李",
    "社区干部 钱书记", or the role alone ("社区干部" when it goes to the community's cadres)."""
    if a is None:
        return role_label(Role.COMMUNITY_CADRE)
    label = kind_label(a.kind) if a.kind else role_label(Role.COMMUNITY_CADRE)
    return escape(f"{label} {a.name}".strip())


def order_relay_button(text: str, action: str, order_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=text, callback_data=OrderRelayCb(action=action, order_id=order_id).pack())]])


def order_followup(n: OrderNotice) -> Rendered | None:
    """联系点单人's notices (service_orders.contact); None for any other kind."""
    v = n.order
    match n.kind:
        case OrderNoticeKind.RELAY:
            text = T.ORDER_RELAY_TO_RESIDENT.format(id=v.id, who=escape(n.actor_name or T.WHO_STAFF),
                                                    text=clip(n.note or ""))
            return Rendered(text, order_relay_button(T.BTN_RELAY_REPLY, "reply", v.id))
        case OrderNoticeKind.RELAY_REPLY:
            text = T.ORDER_RELAY_TO_WRITER.format(id=v.id, text=clip(n.note or ""))
            return Rendered(text, order_relay_button(T.BTN_CONTACT_REQUESTER, "msg", v.id))
        case OrderNoticeKind.PHONE_REQUEST:
            text = (T.ORDER_PHONE_ASKED.format(id=v.id, who=escape(n.actor_name)) if n.actor_name
                    else T.ORDER_PHONE_AT_HOME.format(id=v.id))
            return Rendered(text, contact_keyboard())
        case OrderNoticeKind.PHONE_SHARED:
            # Read now, and only for whoever serves the order now.
            if not v.requester_phone or n.chat_id != v.taker_telegram_id:
                return Rendered(T.ORDER_PHONE_SHARED_GONE.format(id=v.id))
            return Rendered(T.ORDER_PHONE_SHARED.format(id=v.id, phone=escape(v.requester_phone)))
    return None
