"""/my, /tasks, /ticket N, /help."""
from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from handlers import texts as T
from handlers.deps import Deps
from handlers.delivery import send
from handlers.render import Rendered, buttons_for, clip, keywords_note, local_time, state_label, task_card
from tickets.errors import NotFound
from tickets.lifecycle import Action
from tickets.policy import Role, can


def build_router() -> Router:
    router = Router(name="lookup")
    router.message.register(on_help, Command("help"))
    router.message.register(on_my, Command("my"))
    router.message.register(on_tasks, Command("tasks"))
    router.message.register(on_ticket, Command("ticket"))
    return router


async def on_help(message: Message, deps: Deps) -> None:
    actor = await deps.queries.actor(message.from_user.id)
    parts = []
    if actor.has_role(Role.GRID_MEMBER):
        parts.append(T.HELP_GRID_MEMBER)
    if actor.has_role(Role.COMMUNITY_CADRE) or actor.has_role(Role.STREET_CADRE):
        parts.append(T.HELP_CADRE)
    if not parts or actor.resident_id is not None:
        parts.append(T.HELP_RESIDENT)
    await deps.notifier.send_message(message.chat.id, "\n\n".join(parts))


async def on_my(message: Message, deps: Deps) -> None:
    views = await deps.queries.my_tickets(message.from_user.id)
    if not views:
        await deps.notifier.send_message(message.chat.id, T.MY_EMPTY)
        return
    lines = [T.MY_HEADER] + [
        T.MY_LINE.format(id=v.id, state=state_label(v.state), category=escape(v.category),
                         date=local_time(v.created_at, deps.tz), text=clip(v.text, 40))
        for v in views
    ]
    await deps.notifier.send_message(message.chat.id, "\n".join(lines))


async def on_tasks(message: Message, deps: Deps) -> None:
    user_id = message.from_user.id
    views = await deps.queries.tasks(user_id)
    if not views:
        await deps.notifier.send_message(message.chat.id, T.NO_TASKS)
        return
    actor = await deps.queries.actor(user_id)
    await deps.notifier.send_message(message.chat.id, T.TASKS_HEADER.format(n=len(views)))
    for v in views:
        allowed = {a for a in (Action.ACCEPT, Action.RESOLVE, Action.RETURN, Action.REASSIGN) if can(actor, a, v.scope)}
        await send(deps, message.chat.id, Rendered(task_card(v, deps.tz), buttons_for(v, allowed)))


async def on_ticket(message: Message, command: CommandObject, deps: Deps) -> None:
    arg = (command.args or "").strip().lstrip("#")
    if not arg.isdigit() or len(arg) > 12:
        await deps.notifier.send_message(message.chat.id, T.TICKET_USAGE)
        return
    try:
        view, events, actor = await deps.service.detail(message.from_user.id, int(arg))
    except NotFound:
        await deps.notifier.send_message(message.chat.id, T.TICKET_NOT_FOUND.format(id=escape(arg)))
        return
    head = T.TICKET_HEADER.format(
        id=view.id, state=state_label(view.state), category=escape(view.category), keywords=keywords_note(view),
        grid=escape(view.grid_name), assignee=escape(view.assignee_name or "—"), text=clip(view.text),
        created=local_time(view.created_at, deps.tz), accept_deadline=local_time(view.accept_deadline, deps.tz),
        resolve_deadline=local_time(view.resolve_deadline, deps.tz),
    )
    history = [
        T.HISTORY_LINE.format(
            at=local_time(e.at, deps.tz), who=escape(_who(e, actor.is_staff)), action=_action_label(e.action),
            note=f"：{clip(e.note, 200)}" if e.note else "",
        )
        for e in events
    ]
    allowed = {a for a in (Action.ACCEPT, Action.RESOLVE, Action.RETURN, Action.REASSIGN) if can(actor, a, view.scope)}
    await send(deps, message.chat.id, Rendered("\n".join([head, *history]), buttons_for(view, allowed)))


def _who(event, viewer_is_staff: bool) -> str:
    if event.actor_kind == "resident":
        # Residents' names stay with staff; another viewer sees the role only.
        return f"居民 {event.actor_name}" if viewer_is_staff and event.actor_name else "居民"
    if event.actor_kind == "system":
        return "系统"
    return event.actor_name or "工作人员"


def _action_label(action: str) -> str:
    try:
        return Action(action).label
    except ValueError:
        return action
