"""Admins in chat: /invite, /invites, /staff, /move, /deactivate. Every command checks the
sender against the policy, freshly loaded (organisation.staffing)."""
from __future__ import annotations

from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from handlers.shared import i18n
from handlers.shared.delivery import locale_of
from handlers.shared.deps import Deps
from handlers.shared.i18n import T, speaking
from handlers.shared.orgdeps import OrgDeps
from handlers.views.render import local_time
from organisation.invites import InviteRefused, join_link
from organisation.staffing import (
    REASON_LIMIT,
    BadReason,
    StaffChange,
    StaffLine,
    parse_role,
)
from tickets.errors import NotAllowed, NotFound

MESSAGE_LIMIT = 3800  # below Telegram's 4096, with room for markup
ARGS_LIMIT = 400  # longer command arguments are refused before any parsing


def build_router() -> Router:
    router = Router(name="admin")
    router.message.register(on_invite, Command("invite"))
    router.message.register(on_invites, Command("invites"))
    router.message.register(on_staff, Command("staff"))
    router.message.register(on_deactivate, Command("deactivate"))
    router.message.register(on_move, Command("move"))
    return router


def role_label(role, backup: bool) -> str:
    return i18n.role_label(role) + (T.BACKUP_SUFFIX if backup else "")


def _args(command: CommandObject) -> list[str] | None:
    raw = command.args or ""
    return None if len(raw) > ARGS_LIMIT else raw.split()


async def _chunks(deps: Deps, chat_id: int, lines: list[str]) -> None:
    chunk: list[str] = []
    for line in lines:
        if chunk and sum(len(x) + 1 for x in chunk) + len(line) > MESSAGE_LIMIT:
            await deps.notifier.send_message(chat_id, "\n".join(chunk))
            chunk = []
        chunk.append(line)
    if chunk:
        await deps.notifier.send_message(chat_id, "\n".join(chunk))


async def _operator(message: Message, deps: Deps, org: OrgDeps):
    op = await org.staffing.operator(message.from_user.id, message.from_user.full_name)
    if not op.is_admin:
        await deps.notifier.send_message(message.chat.id, T.ADMIN_ONLY)
        return None
    return op


async def on_invite(message: Message, command: CommandObject, deps: Deps, org: OrgDeps, bot: Bot) -> None:
    op = await _operator(message, deps, org)
    if op is None:
        return
    args = _args(command)
    if not args or len(args) != 2:
        await deps.notifier.send_message(message.chat.id, T.INVITE_USAGE)
        return
    try:
        role, backup = parse_role(args[0])
        issued = await org.staffing.invite(op, role, backup, args[1])
    except NotFound:
        await deps.notifier.send_message(message.chat.id, T.UNIT_NOT_FOUND)
        return
    except InviteRefused as exc:
        await deps.notifier.send_message(message.chat.id, T.INVITE_BAD_ROLE if exc.reason == "role" else T.INVITE_BAD_UNIT)
        return
    hours = round(org.staffing.invite_ttl.total_seconds() / 3600)
    link = join_link(await org.username(bot), issued.code)
    await deps.notifier.send_message(message.chat.id, T.INVITE_CREATED.format(
        role=role_label(issued.role, issued.is_backup), unit=escape(issued.unit_name), hours=hours,
        code=issued.code, link=link))


async def on_invites(message: Message, deps: Deps, org: OrgDeps) -> None:
    op = await _operator(message, deps, org)
    if op is None:
        return
    rows = await org.staffing.pending_invites(op)
    if not rows:
        await deps.notifier.send_message(message.chat.id, T.INVITES_EMPTY)
        return
    lines = [T.INVITES_HEADER] + [
        T.INVITES_LINE.format(hint=escape(hint), role=role_label(role, backup), unit=escape(unit),
                              expires=local_time(expires, deps.tz))
        for role, unit, backup, hint, expires in rows
    ]
    await _chunks(deps, message.chat.id, lines)


def staff_lines(rows: list[StaffLine]) -> list[str]:
    lines, unit = [T.STAFF_HEADER.format(n=len(rows))], None
    for s in rows:
        if s.unit_code != unit:
            unit = s.unit_code
            lines.append(T.STAFF_UNIT.format(unit=escape(s.unit_name), code=escape(s.unit_code)))
        flags = ("" if s.active else T.STAFF_INACTIVE_MARK) + (T.STAFF_BLOCKED_MARK if s.blocked else "")
        lines.append(T.STAFF_LINE.format(id=s.staff_id, name=escape(s.name), role=role_label(s.role, s.is_backup),
                                         tg=s.telegram_id, flags=flags))
    return lines


async def on_staff(message: Message, command: CommandObject, deps: Deps, org: OrgDeps) -> None:
    op = await _operator(message, deps, org)
    if op is None:
        return
    args = _args(command)
    if args is None or len(args) > 1:
        await deps.notifier.send_message(message.chat.id, T.STAFF_USAGE)
        return
    everyone = bool(args) and args[0].lower() == "all"
    unit = args[0] if args and not everyone else None
    try:
        rows = await org.staffing.list_staff(op, unit, include_inactive=everyone)
    except NotFound:
        await deps.notifier.send_message(message.chat.id, T.UNIT_NOT_FOUND)
        return
    if not rows:
        await deps.notifier.send_message(message.chat.id, T.STAFF_EMPTY)
        return
    await _chunks(deps, message.chat.id, staff_lines(rows))


def handover_text(change: StaffChange) -> str:
    moved = change.handed_over
    if not moved:
        return T.HANDOVER_NONE
    returned = sum(1 for h in moved if h.returned)
    return T.HANDOVER_SUMMARY.format(n=len(moved), given=len(moved) - returned, returned=returned)


def _staff_id(raw: str) -> int | None:
    raw = raw.lstrip("#")
    return int(raw) if raw.isdigit() and len(raw) <= 12 else None


async def _change(message: Message, deps: Deps, org: OrgDeps, call, usage: str) -> StaffChange | None:
    try:
        return await call()
    except BadReason:
        await deps.notifier.send_message(message.chat.id, T.REASON_BAD.format(limit=REASON_LIMIT))
    except NotFound:
        await deps.notifier.send_message(message.chat.id, usage)
    except InviteRefused as exc:
        text = T.STAFF_ALREADY_THERE if exc.reason == "already" else T.INVITE_BAD_UNIT
        await deps.notifier.send_message(message.chat.id, text)
    except NotAllowed:
        await deps.notifier.send_message(message.chat.id, T.ADMIN_ONLY)
    return None


async def on_deactivate(message: Message, command: CommandObject, deps: Deps, org: OrgDeps) -> None:
    op = await _operator(message, deps, org)
    if op is None:
        return
    args = _args(command)
    staff_id = _staff_id(args[0]) if args else None
    if staff_id is None or len(args) < 2:
        await deps.notifier.send_message(message.chat.id, T.DEACTIVATE_USAGE)
        return
    reason = " ".join(args[1:])
    change = await _change(message, deps, org, lambda: org.staffing.deactivate(op, staff_id, reason),
                           T.STAFF_NOT_FOUND.format(id=staff_id))
    if change is None:
        return
    s = change.staff
    label = role_label(s.role, s.is_backup)
    await deps.notifier.send_message(message.chat.id, T.DEACTIVATED_OK.format(
        name=escape(s.name), role=label, unit=escape(s.unit_name), handover=handover_text(change)))
    with speaking(await locale_of(deps, s.telegram_id)):  # their language, not the admin's
        notice = T.YOU_WERE_DEACTIVATED.format(
            unit=escape(s.unit_name), role=role_label(s.role, s.is_backup), reason=escape(reason))
    await deps.notifier.send_message(s.telegram_id, notice)
    await org.outbox.deliver_once()


async def on_move(message: Message, command: CommandObject, deps: Deps, org: OrgDeps) -> None:
    op = await _operator(message, deps, org)
    if op is None:
        return
    args = _args(command)
    staff_id = _staff_id(args[0]) if args else None
    if staff_id is None or len(args) < 3:
        await deps.notifier.send_message(message.chat.id, T.MOVE_USAGE)
        return
    unit, reason = args[1], " ".join(args[2:])
    change = await _change(message, deps, org, lambda: org.staffing.move(op, staff_id, unit, reason),
                           T.STAFF_NOT_FOUND.format(id=staff_id) + "\n" + T.UNIT_NOT_FOUND)
    if change is None:
        return
    s = change.staff
    label = role_label(s.role, s.is_backup)
    await deps.notifier.send_message(message.chat.id, T.MOVED_OK.format(
        name=escape(s.name), role=label, old=escape(change.from_unit), unit=escape(s.unit_name),
        handover=handover_text(change)))
    with speaking(await locale_of(deps, s.telegram_id)):  # their language, not the admin's
        notice = T.YOU_WERE_MOVED.format(
            old=escape(change.from_unit), unit=escape(s.unit_name), role=role_label(s.role, s.is_backup),
            reason=escape(reason))
    await deps.notifier.send_message(s.telegram_id, notice)
    await org.outbox.deliver_once()
