"""Service-loop data (orders, tallies, standings) as text and buttons."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from handlers.shared import i18n
from handlers.shared.dialogs import cancel_markup
from handlers.shared.i18n import T, note_label
from handlers.shared.service_callbacks import (
    NeededCb,
    OfferCb,
    OrderCb,
    OrderRateCb,
    OrderRelayCb,
    ReviewCb,
)
from handlers.views.followup_cards import order_followup
from handlers.views.render import clip
from service_orders.errors import MatterRefused, OrderRefused, RosterRefused
from service_orders.matters import MatterView, Tally
from service_orders.states import RATING_LABELS, OrderState
from service_orders.views import OrderNotice, OrderNoticeKind, OrderView


@dataclass(frozen=True)
class Card:
    text: str
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None


def kb(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows])


def resident_keyboard() -> ReplyKeyboardMarkup:
    """The residents' persistent buttons: 我要点单 and 紧急求助, in the resident's language; the
    handlers match either language (handlers.shared.i18n.says), so an older keyboard keeps working."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=T.BTN_ORDER_ENTRY), KeyboardButton(text=T.BTN_EMERGENCY)]],
        resize_keyboard=True, is_persistent=True)


def order_state_label(state: OrderState | str) -> str:
    return i18n.order_state_label(state)


def needed_label(view: OrderView) -> str:
    if view.needed == "date" and view.needed_on is not None:
        return T.NEEDED_BY.format(date=_day(view))
    label = T.NEEDED_LABELS.get(view.needed, "")
    if view.needed_on is not None and view.needed != "any":
        label += f"（{_day(view)}）"
    return label


def _day(view: OrderView) -> str:
    return T.DAY_MONTH.format(month=i18n.month_name(view.needed_on.month), day=view.needed_on.day)


def order_text(view: OrderView, limit: int | None = None) -> str:
    """The order's words, clipped; said to be deleted once the resident deleted their data
    (organisation.privacy empties them), rather than shown as nothing."""
    if not view.text.strip():
        return T.ORDER_TEXT_DELETED
    return clip(view.text) if limit is None else clip(view.text, limit)


def order_card(view: OrderView, badge: str = "") -> str:
    return T.ORDER_CARD.format(badge=badge, id=view.id, state=order_state_label(view.state),
                               category=escape(view.category), grid=escape(view.grid_name),
                               text=order_text(view), needed=needed_label(view))


def serving_detail(view: OrderView) -> str:
    """Under a cadre's card of an order out to the members: who serves it, once taken."""
    if view.taker_name and view.state in (OrderState.TAKEN, OrderState.DONE):
        return T.ORDER_SERVED_BY.format(who=escape(view.taker_name))
    return ""


def order_line(view: OrderView) -> str:
    return T.ORDER_LINE.format(id=view.id, state=order_state_label(view.state), category=escape(view.category),
                               needed=needed_label(view), text=order_text(view, 40))


def offer_buttons(message_id: int) -> InlineKeyboardMarkup:
    return kb([[(T.BTN_OFFER_ORDER, OfferCb(choice="o", message_id=message_id).pack())],
               [(T.BTN_OFFER_TICKET, OfferCb(choice="t", message_id=message_id).pack())]])


def needed_buttons() -> InlineKeyboardMarkup:
    labels = [("today", T.BTN_NEEDED_TODAY), ("tomorrow", T.BTN_NEEDED_TOMORROW),
              ("week", T.BTN_NEEDED_WEEK), ("any", T.BTN_NEEDED_ANY)]
    return cancel_markup([InlineKeyboardButton(text=label, callback_data=NeededCb(value=v).pack()) for v, label in labels])


def _contact_rows(order_id: int, contact: bool) -> list[list[tuple[str, str]]]:
    """联系点单人 (through the bot), for a reader the workflow said may write (contact.writes)."""
    return [[(T.BTN_CONTACT_REQUESTER, OrderRelayCb(action="msg", order_id=order_id).pack())]] if contact else []


def contact_button(order_id: int, contact: bool = True) -> InlineKeyboardMarkup | None:
    rows = _contact_rows(order_id, contact)
    return kb(rows) if rows else None


def review_buttons(order_id: int, contact: bool = False) -> InlineKeyboardMarkup:
    """议单's four buttons; 联系点单人 under them for a cadre of the community."""
    return kb([[(T.BTN_APPROVE, ReviewCb(action="ok", order_id=order_id).pack()),
                (T.BTN_DECLINE, ReviewCb(action="no", order_id=order_id).pack())],
               [(T.BTN_MERGE, ReviewCb(action="mg", order_id=order_id).pack()),
                (T.BTN_CONVERT, ReviewCb(action="tk", order_id=order_id).pack())],
               *_contact_rows(order_id, contact)])


def take_button(order_id: int) -> InlineKeyboardMarkup:
    return kb([[(T.BTN_TAKE, OrderCb(action="take", order_id=order_id).pack())]])


def taker_buttons(order_id: int, contact: bool = True) -> InlineKeyboardMarkup:
    """完成, 放弃, and 联系点单人 while the order is taken (unless the resident deleted their data)."""
    return kb([[(T.BTN_DONE, OrderCb(action="done", order_id=order_id).pack()),
                (T.BTN_ABANDON, OrderCb(action="drop", order_id=order_id).pack())],
               *_contact_rows(order_id, contact)])


def abandon_confirm_buttons(order_id: int) -> InlineKeyboardMarkup:
    return kb([[(T.BTN_ABANDON_CONFIRM, OrderCb(action="dropok", order_id=order_id).pack()),
                (T.BTN_ABANDON_KEEP, OrderCb(action="keep", order_id=order_id).pack())]])


def cancel_button(order_id: int) -> InlineKeyboardMarkup:
    return kb([[(T.BTN_CANCEL_ORDER, OrderCb(action="cancel", order_id=order_id).pack())]])


def resident_buttons(view: OrderView) -> InlineKeyboardMarkup | None:
    """What the resident may do with an order of theirs now: 撤销 before it is taken, 评单 once done."""
    if view.state in (OrderState.NEW, OrderState.PUBLISHED):
        return cancel_button(view.id)
    if view.state == OrderState.DONE:
        return rate_buttons(view.id)
    return None


def rate_buttons(order_id: int) -> InlineKeyboardMarkup:
    return kb([[(T.BTN_SATISFIED, OrderRateCb(order_id=order_id, value="satisfied").pack()),
                (T.BTN_BASICALLY, OrderRateCb(order_id=order_id, value="basically").pack()),
                (T.BTN_DISSATISFIED, OrderRateCb(order_id=order_id, value="dissatisfied").pack())]])


def points_note(points: int) -> str:
    if points > 0:
        return T.POINTS_GAINED.format(n=points)
    if points < 0:
        return T.POINTS_LOST.format(n=points)
    return ""


def new_order_notice(view: OrderView) -> Card:
    """To each member: who asks, the order (no name or phone of the resident) with when it is
    needed, and 接单."""
    head = broadcast_from(view.community_name, T.BROADCAST_ORDER)
    return Card(escape(head) + "\n" + order_card(view, T.ORDER_NEW_BADGE), take_button(view.id))


# -- broadcasts to residents: who is asking, and until when -----------------------------

POLL_QUESTION_MAX = 300  # Telegram's limit on a poll's question
COMMUNITY_NAME_MAX = 20


def broadcast_from(community: str, kind: str) -> str:
    """The preface of every broadcast to residents ("📣 梧桐社区·联手说事"), as plain text."""
    name = community.strip()
    name = name if len(name) <= COMMUNITY_NAME_MAX else name[:COMMUNITY_NAME_MAX - 1] + "…"
    return T.BROADCAST_FROM.format(community=name, kind=kind)


def day_time(at: datetime, tz: ZoneInfo) -> str:
    """"12月3日 18:00" in the reader's language, local time."""
    local = at.astimezone(tz)
    day = T.DAY_MONTH.format(month=i18n.month_name(local.month), day=local.day)
    return T.DAY_TIME.format(day=day, time=f"{local:%H:%M}")


def poll_question(view: MatterView, tz: ZoneInfo) -> str:
    """A 联手说事 poll's question: who asks, the question, and when voting closes, within
    Telegram's 300 characters (validate() leaves the room). HTML-escaped, as the bot's
    default parse mode reads it."""
    head = broadcast_from(view.community_name, T.BROADCAST_MATTER)
    until = T.POLL_UNTIL.format(at=day_time(view.closes_at, tz)) if view.closes_at else ""
    room = POLL_QUESTION_MAX - len(head) - len(until) - 2
    question = view.question if len(view.question) <= room else view.question[:room - 1] + "…"
    return escape("\n".join(p for p in (head, question, until) if p))


def matter_result(t: Tally, tz: ZoneInfo) -> Card:
    """晒: the totals of a closed 联手说事, to everyone polled and to the cadre."""
    m = t.matter
    total = max(t.voters, 1)
    lines = "\n".join(T.MATTER_RESULT_LINE.format(option=escape(o), n=n, share=f"{n / total:.0%}")
                      for o, n in zip(m.options, t.counts))
    return Card(T.MATTER_RESULT.format(
        preface=escape(broadcast_from(m.community_name, T.BROADCAST_MATTER)), scope=escape(m.scope_name),
        question=escape(m.question), lines=lines, voters=t.voters, polled=t.polled,
        closed=day_time(m.closed_at, tz) if m.closed_at else "—"))


def taken_detail(view: OrderView, chat_id: int | None = None) -> str:
    """For the one who took it: whom to serve; the phone, read now, only while they hold it."""
    if view.requester_name:
        who = escape(view.requester_name)
        if view.requester_phone and (chat_id is None or chat_id == view.taker_telegram_id):
            who += T.TAKEN_PHONE.format(phone=escape(view.requester_phone))
    else:
        who = T.TAKEN_WHO_HIDDEN
    return T.TAKEN_DETAIL.format(id=view.id, who=who, grid=escape(view.grid_name))


def order_received(v: OrderView) -> Card:
    """The resident's acknowledgement: what was understood and what happens next (议单 by a
    cadre, or already published to the volunteers), with the resident's keyboard back."""
    nxt = T.ORDER_ACK_REVIEW if v.state == OrderState.NEW else T.ORDER_ACK_PUBLISHED
    return Card(T.ORDER_ACK.format(id=v.id, category=escape(v.category), needed=needed_label(v), next=nxt),
                resident_keyboard())


def order_notice(n: OrderNotice, tz: ZoneInfo) -> Card:
    v, who = n.order, escape(n.actor_name or n.order.taker_name or "")
    note = clip(n.note or "", 500)
    match n.kind:
        case OrderNoticeKind.RECEIVED:
            return order_received(v)
        case OrderNoticeKind.REVIEW:
            return Card(order_card(v, T.ORDER_REVIEW_BADGE), review_buttons(v.id, n.contact))
        case OrderNoticeKind.RETURNED:
            return Card(order_card(v, T.ORDER_RETURNED_BADGE), review_buttons(v.id, n.contact))
        case OrderNoticeKind.AUTO_PUBLISHED:
            return Card(order_card(v, T.ORDER_AUTO_BADGE), contact_button(v.id, n.contact))
        case OrderNoticeKind.PUBLISHED:
            return Card(T.ORDER_PUBLISHED.format(id=v.id))
        case OrderNoticeKind.DECLINED:
            return Card(T.ORDER_DECLINED.format(id=v.id, reason=note))
        case OrderNoticeKind.MERGED:
            return Card(T.ORDER_MERGED.format(id=v.id, into=escape(n.note or "")))
        case OrderNoticeKind.CONVERTED:
            return Card(T.ORDER_CONVERTED.format(id=v.id, ticket=escape(n.note or "")))
        case OrderNoticeKind.TAKEN:
            return Card(T.ORDER_TAKEN.format(id=v.id, who=who))
        case OrderNoticeKind.TAKEN_DETAIL:
            return Card(order_card(v) + "\n\n" + taken_detail(v, n.chat_id),
                        taker_buttons(v.id, bool(v.requester_telegram_id)))
        case OrderNoticeKind.DONE:
            return Card(T.ORDER_DONE.format(id=v.id, who=who, note=note), rate_buttons(v.id))
        case OrderNoticeKind.DONE_REVIEWER:
            return Card(T.ORDER_DONE_REVIEWER.format(id=v.id, who=who, note=note), contact_button(v.id, n.contact))
        case OrderNoticeKind.RATED:
            rating = note_label(RATING_LABELS.get(n.note or "", ""))
            return Card(T.ORDER_RATED.format(id=v.id, rating=rating, points=points_note(n.points)))
        case OrderNoticeKind.ABANDONED:
            return Card(T.ORDER_ABANDONED.format(id=v.id))
        case OrderNoticeKind.ABANDONED_REVIEWER:
            return Card(T.ORDER_ABANDONED_REVIEWER.format(id=v.id, who=who), contact_button(v.id, n.contact))
    relayed = order_followup(n)
    if relayed is not None:
        return Card(relayed.text, relayed.markup)
    raise ValueError(f"no rendering for {n.kind}")


def order_refusal(exc: OrderRefused, order_id: int | None = None) -> str:
    match exc.reason:
        case "not_allowed":
            return T.ORDER_NOT_ALLOWED
        case "taken":
            return T.ORDER_TAKEN_ALREADY.format(id=order_id or "")
        case "own_order":
            return T.ORDER_OWN
        case "bad_input":
            return T.ORDER_BAD_INPUT
        case "not_registered":
            return T.ORDER_NEED_GRID
        case "rate_limited":
            return T.RATE_LIMITED.format(per_hour=exc.limit)
        case "stale" if exc.state:
            return T.ORDER_STALE.format(state=order_state_label(exc.state))
    return T.BUTTON_EXPIRED


def roster_refusal(exc: RosterRefused) -> str:
    return {
        "unknown": T.VOL_CODE_UNKNOWN, "used": T.VOL_CODE_USED, "expired": T.VOL_CODE_EXPIRED,
        "not_allowed": T.VOL_NOT_ALLOWED, "already": T.VOL_ALREADY_ACTIVE, "busy": T.VOL_BUSY,
        "not_member": T.VOL_NOT_MEMBER, "stale": T.VOL_STALE, "need_scope": T.VOL_NEED_SCOPE,
        "not_found": T.VOL_COMMUNITY_UNKNOWN,
    }.get(exc.reason, T.BUTTON_EXPIRED)


def matter_refusal(exc: MatterRefused) -> str:
    return {
        "not_allowed": T.MATTER_NOT_ALLOWED, "need_scope": T.MATTER_NEED_SCOPE, "not_found": T.MATTER_NOT_FOUND,
        "stale": T.MATTER_STALE, "bad_question": T.MATTER_BAD_QUESTION, "bad_options": T.MATTER_BAD_OPTIONS,
        "no_recipients": T.MATTER_NO_RECIPIENTS,
    }.get(exc.reason, T.BUTTON_EXPIRED)
