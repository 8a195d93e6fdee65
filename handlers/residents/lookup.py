"""/my, /tasks, /ticket N, /help."""
from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from handlers.shared.delivery import send
from handlers.shared.deps import Deps
from handlers.shared.i18n import T, action_label, category_label, note_label
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.cadre_buttons import CARD_ACTIONS, possible
from handlers.views.cadre_cards import department_card
from handlers.views.closing_cards import my_withdraw_buttons, withdraw_buttons
from handlers.views.render import (
    Rendered,
    buttons_for,
    clip,
    keywords_note,
    local_time,
    reporter_line,
    state_label,
    task_card,
    with_reporter,
)
from tickets.errors import NotFound
from tickets.lifecycle import Action
from tickets.policy import Role, can, can_manage_staff, can_see_contact, handles_as_department


def build_router() -> Router:
    router = Router(name="lookup")
    router.message.register(on_help, Command("help"))
    router.message.register(on_my, Command("my"))
    router.message.register(on_tasks, Command("tasks"))
    router.message.register(on_ticket, Command("ticket"))
    return router


async def on_help(message: Message, deps: Deps, services: ServiceDeps | None = None) -> None:
    """Everything this person can do, by the hats they wear: a resident's 点单, 紧急求助 and
    /orders too, a member's 接单, a cadre's 议单."""
    actor = await deps.queries.actor(message.from_user.id)
    member = reviewer = False
    if services is not None:
        _, member, reviewer = await services.orders.hats(message.from_user.id)
    parts = []
    if actor.has_role(Role.GRID_MEMBER):
        parts.append(T.HELP_GRID_MEMBER)
    if actor.has_role(Role.COMMUNITY_CADRE) or actor.has_role(Role.STREET_CADRE):
        parts.append(T.HELP_CADRE + "\n" + T.HELP_CADRE_TOOLS)
    if actor.has_role(Role.DEPARTMENT):
        parts.append(T.HELP_DEPARTMENT)
    if not parts or actor.resident_id is not None:
        parts.append(T.HELP_RESIDENT + "\n" + T.HELP_PRIVACY)
        parts.append(T.HELP_SERVICES_RESIDENT)
    if member:
        parts.append(T.HELP_SERVICES_MEMBER)
    if reviewer:
        parts.append(T.HELP_SERVICES_CADRE)
    if can_manage_staff(actor):
        parts.append(T.HELP_ADMIN)
    if actor.is_staff:
        parts.append(T.HELP_STAFF_REPORT)  # their free text opens no ticket (handlers.residents.conversation)
    parts.append(T.HELP_LANGUAGE)
    await deps.notifier.send_message(message.chat.id, "\n\n".join(parts))


async def on_my(message: Message, deps: Deps) -> None:
    views = await deps.queries.my_tickets(message.from_user.id)
    if not views:
        await deps.notifier.send_message(message.chat.id, T.MY_EMPTY)
        return
    lines = [T.MY_HEADER] + [
        T.MY_LINE.format(id=v.id, state=state_label(v.state), category=escape(category_label(v.category)),
                         date=local_time(v.created_at, deps.tz), text=clip(v.text, 40))
        for v in views
    ]
    withdraw = my_withdraw_buttons(views)  # 撤销 what is not resolved yet
    if withdraw:
        lines += ["", T.MY_WITHDRAW_HINT]
    await deps.notifier.send_message(message.chat.id, "\n".join(lines), reply_markup=withdraw)


async def on_tasks(message: Message, deps: Deps) -> None:
    user_id = message.from_user.id
    views = await deps.queries.tasks(user_id)
    if not views:
        await deps.notifier.send_message(message.chat.id, T.NO_TASKS)
        return
    actor = await deps.queries.actor(user_id)
    await deps.notifier.send_message(message.chat.id, T.TASKS_HEADER.format(n=len(views)))
    for v in views:
        contact = can_see_contact(actor, v.scope)
        if handles_as_department(actor, v.scope):  # 吹哨报到: the department's own card and buttons
            card = department_card(v, v.community_name, deps.tz)
            await send(deps, message.chat.id, Rendered(with_reporter(card.text, v, contact), card.markup))
            continue
        allowed = {a for a in CARD_ACTIONS if can(actor, a, v.scope)}
        card = with_reporter(task_card(v, deps.tz), v, contact)
        await send(deps, message.chat.id, Rendered(card, buttons_for(v, allowed)))


async def on_ticket(message: Message, command: CommandObject, deps: Deps) -> None:
    arg = (command.args or "").strip().lstrip("#")
    if not arg.isdigit() or len(arg) > 12:
        await deps.notifier.send_message(message.chat.id, T.TICKET_USAGE)
        return
    await show_ticket(deps, message.chat.id, message.from_user.id, int(arg))


async def show_ticket(deps: Deps, chat_id: int, user_id: int, ticket_id: int) -> None:
    """The ticket with its history and the buttons this viewer may press (/ticket, 打开)."""
    try:
        view, events, actor = await deps.service.detail(user_id, ticket_id)
    except NotFound:
        await deps.notifier.send_message(chat_id, T.TICKET_NOT_FOUND.format(id=ticket_id))
        return
    # A follower (关注) hears how it goes, never what another resident wrote nor who they are.
    follower = not (actor.is_staff or actor.is_admin) and actor.resident_id != view.resident_id
    if follower:
        events = [e for e in events if e.actor_kind != "resident" and e.action not in _PRIVATE_ACTIONS]
    head = T.TICKET_HEADER.format(
        id=view.id, state=state_label(view.state), category=escape(category_label(view.category)),
        keywords="" if follower else keywords_note(view),
        grid=escape(view.grid_name), assignee=escape(view.assignee_name or "—"),
        text=T.FOLLOWER_TEXT_HIDDEN if follower else clip(view.text),
        created=local_time(view.created_at, deps.tz), accept_deadline=local_time(view.accept_deadline, deps.tz),
        resolve_deadline=local_time(view.resolve_deadline, deps.tz),
    )
    history = [
        T.HISTORY_LINE.format(
            at=local_time(e.at, deps.tz), who=escape(_who(e, actor.is_staff, view.anonymous)),
            action=_action_label(e.action) + _target(e),
            note=T.HISTORY_NOTE.format(note=clip(note_label(e.note), 200)) if e.note else "",
        )
        for e in events
    ]
    allowed = {a for a in CARD_ACTIONS if can(actor, a, view.scope)}
    if actor.is_staff or actor.is_admin:
        reporter = reporter_line(view, can_see_contact(actor, view.scope))
        history += ["", reporter] if reporter else []
    markup = buttons_for(view, allowed)
    if markup is None and can(actor, Action.CANCEL, view.scope) and possible(Action.CANCEL, view.state):
        markup = withdraw_buttons(view.id)  # the reporter's own ticket, not resolved yet
    await send(deps, chat_id, Rendered("\n".join([head, *history]), markup))


# Between the reporter and the handler only (联系反映人): never shown to a follower.
_PRIVATE_ACTIONS = frozenset({"relay", "relay_reply", "phone_request", "phone_shared", "supplement", "edit", "note"})


def _who(event, viewer_is_staff: bool, anonymous: bool = False) -> str:
    if event.actor_kind == "resident":
        if anonymous:
            return T.HISTORY_ANONYMOUS if viewer_is_staff else T.WHO_RESIDENT
        # Residents' names stay with staff; another viewer sees the role only.
        if viewer_is_staff and event.actor_name:
            return T.WHO_RESIDENT_NAMED.format(name=event.actor_name)
        return T.WHO_RESIDENT
    if event.actor_kind == "system":
        return T.WHO_SYSTEM
    return event.actor_name or T.WHO_STAFF


def _target(event) -> str:
    """Whom a 转派 went to, which department a 吹哨 reached, which ticket a 合并 joined."""
    data = event.data or {}
    if data.get("to_name"):
        return T.HISTORY_TO_PERSON.format(name=escape(data["to_name"]))
    if data.get("department") and event.action == "escalate":
        return T.HISTORY_TO_DEPARTMENT.format(department=escape(data["department"]))
    if data.get("into"):
        return T.HISTORY_INTO.format(id=data["into"])
    return ""


def _action_label(action: str) -> str:
    return action_label(action)
