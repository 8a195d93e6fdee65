"""A workflow notice (tickets.views.Notice) as the message its recipient gets: the ticket
loop's own kinds here, the cadre tools' kinds (吹哨, 催办, 合并) from cadre_cards."""
from __future__ import annotations

from collections.abc import Sequence
from html import escape
from zoneinfo import ZoneInfo

from handlers.shared.i18n import T, category_label, note_label
from handlers.views.cadre_cards import cadre_notice
from handlers.views.closing_cards import closed_card
from handlers.views.followup_cards import followup_notice
from handlers.views.render import (
    Rendered,
    acknowledgement,
    clip,
    dispatch_buttons,
    local_time,
    solved_buttons,
    task_buttons,
    task_card,
    with_reporter,
)
from tickets.views import Notice, NoticeKind


def notice(n: Notice, tz: ZoneInfo, categories: Sequence[str] = ()) -> Rendered:
    """`categories`: the taxonomy's names, for the buttons of an acknowledgement that asks
    the reporter to pick one."""
    v = n.ticket
    who = escape(n.actor_name or v.assignee_name or "")
    deadline = local_time(v.resolve_deadline, tz)
    location = (v.latitude, v.longitude) if v.latitude is not None and v.longitude is not None else None
    match n.kind:
        case NoticeKind.REPORTED:
            return acknowledgement(v, tz, tuple(filter(None, (n.note or "").split("\n"))), categories)
        case NoticeKind.NEW_TASK:
            # These go to whoever handles the ticket now: the reporter's number is theirs.
            text = task_card(v, tz, T.NEW_TASK_BADGE)
            if n.note:  # 转派 of a returned ticket: why the one before gave it back
                text += "\n" + T.RETURNED_BEFORE.format(reason=clip(n.note, 500))
            return Rendered(with_reporter(text, v, True), task_buttons(v), v.photos, location)
        case NoticeKind.REOPENED:
            badge = T.REOPENED_BADGE.format(why=escape(note_label(n.note)))
            return Rendered(with_reporter(task_card(v, tz, badge), v, True), task_buttons(v), v.photos, location)
        case NoticeKind.UNASSIGNED:
            text = T.UNASSIGNED_CARD.format(id=v.id, grid=escape(v.grid_name), text=clip(v.text))
            return Rendered(with_reporter(text, v, True), dispatch_buttons(v), v.photos, location)
        case NoticeKind.RETURNED:
            text = T.RETURNED_CARD.format(id=v.id, who=who, reason=escape(n.note or ""))
            return Rendered(with_reporter(text + "\n\n" + task_card(v, tz), v, True), dispatch_buttons(v))
        case NoticeKind.ACCEPTED:
            # A follower's copy says 关注, not 反映: they did not report it (tickets.views.to_followers).
            template = T.ACCEPTED_NOTICE if n.chat_id == v.resident_telegram_id else T.ACCEPTED_NOTICE_FOLLOWER
            return Rendered(template.format(id=v.id, who=who))
        case NoticeKind.RESOLVED:
            if n.chat_id != v.resident_telegram_id:
                # A follower hears the result; the 回访 question is the reporter's alone.
                text = T.RESOLVED_NOTICE_FOLLOWER.format(id=v.id, note=clip(n.note or "", 500))
                return Rendered(text, None, v.resolution_photos)
            text = T.RESOLVED_NOTICE.format(id=v.id, note=clip(n.note or "", 500))
            return Rendered(text, solved_buttons(v.id), v.resolution_photos)
        case NoticeKind.RETURNED_RESIDENT:
            return Rendered(T.RETURNED_NOTICE.format(id=v.id))
        case NoticeKind.REASSIGNED_RESIDENT:
            return Rendered(T.REASSIGNED_NOTICE.format(id=v.id, who=escape(v.assignee_name or ""), deadline=deadline))
        case NoticeKind.REOPENED_RESIDENT:
            # Back to whoever resolved it: the grid member, or the department (吹哨报到).
            return Rendered(T.REOPENED_NOTICE.format(
                id=v.id, why=escape(note_label(n.note)), who=escape(v.handler_name or ""), deadline=deadline))
        case NoticeKind.CLOSED:
            return Rendered(T.CLOSED_NOTICE.format(id=v.id, rating=escape(note_label(n.note))))
        case NoticeKind.CATEGORY_CHANGED:
            return Rendered(T.CATEGORY_CHANGED.format(
                id=v.id, before=escape(category_label(n.note or "")), category=escape(category_label(v.category))))
        case NoticeKind.CANCELLED | NoticeKind.INVALID_STAFF:
            return closed_card(n, tz)
        case NoticeKind.CANCELLED_FOLLOWER:
            return Rendered(T.WITHDRAWN_NOTICE_FOLLOWER.format(id=v.id))
        case NoticeKind.INVALID_RESIDENT:
            template = T.INVALID_NOTICE if n.chat_id == v.resident_telegram_id else T.INVALID_NOTICE_FOLLOWER
            return Rendered(template.format(id=v.id, who=who, reason=escape(note_label(n.note))))
        case NoticeKind.REOPEN_REASON:
            return Rendered(T.REOPEN_REASON_NOTICE.format(id=v.id, reason=escape(note_label(n.note))))
        case NoticeKind.TAKEN_AWAY:
            return Rendered(T.TAKEN_AWAY.format(id=v.id, who=who, name=escape(v.assignee_name or "")))
        case NoticeKind.SUPPLEMENTED | NoticeKind.RELAY_TO_RESIDENT | NoticeKind.RELAY_TO_HANDLER | \
                NoticeKind.PHONE_REQUESTED | NoticeKind.PHONE_SHARED:
            return followup_notice(n)
    return cadre_notice(n, tz)  # 吹哨, 催办, 合并 (or ValueError for a kind nobody draws)
