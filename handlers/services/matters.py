"""联手说事 in chat: /matter drafts a poll (preview, then 发送 / 取消), residents answer
(poll_answer updates), /close_matter (or the sweep at its end time) publishes the result
to everyone polled (晒). /matters lists them."""
from __future__ import annotations

import re
from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, PollAnswer

from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from handlers.shared.service_callbacks import MatterCb
from handlers.shared.service_delivery import send_poll_rows, send_to_many
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.render import local_time
from handlers.views.service_cards import day_time, kb, matter_refusal, matter_result
from service_orders.errors import MatterRefused
from service_orders.matters import Tally

_SPLIT = re.compile(r"[|｜]")
_CODE = re.compile(r"^[A-Za-z0-9_-]{2,64}$")


def build_router() -> Router:
    router = Router(name="matters")
    router.message.register(on_matter, Command("matter"))
    router.message.register(on_close_command, Command("close_matter"))
    router.message.register(on_list, Command("matters"))
    router.callback_query.register(on_button, MatterCb.filter())
    router.poll_answer.register(on_answer)
    return router


def parse(args: str) -> tuple[str | None, str, list[str]] | None:
    """"[code] question | option | option …" → (code, question, options)."""
    parts = _SPLIT.split(args)
    if len(parts) < 2:
        return None
    head = parts[0].strip().split(maxsplit=1)
    code = None
    if len(head) == 2 and _CODE.match(head[0]):
        code, question = head[0], head[1]
    else:
        question = parts[0].strip()
    return code, question, [p.strip() for p in parts[1:]]


async def on_matter(message: Message, command: CommandObject, deps: Deps, services: ServiceDeps) -> None:
    parsed = parse(command.args or "")
    if parsed is None:
        await deps.notifier.send_message(message.chat.id, T.MATTER_USAGE)
        return
    code, question, options = parsed
    try:
        view, n = await services.matters.draft(message.from_user.id, message.from_user.full_name, question,
                                               options, code)
    except MatterRefused as exc:
        await deps.notifier.send_message(message.chat.id, matter_refusal(exc))
        return
    if n == 0:
        await services.matters.cancel(message.from_user.id, view.id)
        await deps.notifier.send_message(message.chat.id, T.MATTER_NO_RECIPIENTS)
        return
    text = T.MATTER_PREVIEW.format(scope=escape(view.scope_name), question=escape(view.question),
                                   options=" / ".join(escape(o) for o in view.options), n=n, hours=f"{view.hours:g}")
    buttons = kb([[(T.BTN_MATTER_SEND, MatterCb(action="send", matter_id=view.id).pack()),
                   (T.BTN_MATTER_DROP, MatterCb(action="drop", matter_id=view.id).pack())]])
    await deps.notifier.send_message(message.chat.id, text, reply_markup=buttons)


async def on_button(query: CallbackQuery, callback_data: MatterCb, deps: Deps, services: ServiceDeps) -> None:
    user_id, matter_id = query.from_user.id, callback_data.matter_id
    try:
        if callback_data.action == "send":
            view, chat_ids = await services.matters.open(user_id, matter_id)
        elif callback_data.action == "drop":
            await services.matters.cancel(user_id, matter_id)
        elif callback_data.action == "close":
            tally = await services.matters.close(user_id, matter_id)
        else:
            raise MatterRefused("not_found")
    except MatterRefused as exc:
        await query.answer(matter_refusal(exc), show_alert=True)
        return
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    if callback_data.action == "drop":
        await deps.notifier.send_message(user_id, T.MATTER_DROPPED)
    elif callback_data.action == "send" and view.held_until is not None:
        # Quiet hours: the polls wait in the outbox; its sweep sends them when they end.
        await deps.notifier.send_message(user_id, T.MATTER_HELD.format(
            id=view.id, at=local_time(view.held_until, deps.tz), n=view.queued, until=day_time(view.closes_at, deps.tz)))
    elif callback_data.action == "send":
        sent = await send_poll_rows(deps, services.matters, view, chat_ids)
        await deps.notifier.send_message(user_id, T.MATTER_SENT.format(id=view.id, n=sent))
    else:
        await publish(deps, tally, user_id)


async def publish(deps, tally: Tally, cadre_id: int | None = None) -> int:
    """晒: the result to everyone polled (their copies queued in the outbox: in quiet hours
    they wait for its sweep), and to the cadre who asked, now."""
    render = lambda: matter_result(tally, deps.tz)  # noqa: E731 - rendered once per language
    sent = await send_to_many(deps, tally.chat_ids, render, tally.outbox_ids, getattr(deps, "service", None))
    cadres = [c for c in dict.fromkeys((cadre_id, tally.matter.created_by)) if c and c not in tally.chat_ids]
    sent += await send_to_many(deps, cadres, render)
    if tally.held_until is not None and cadre_id:
        await deps.notifier.send_message(cadre_id, T.MATTER_RESULT_HELD.format(at=local_time(tally.held_until, deps.tz)))
    return sent


async def on_close_command(message: Message, command: CommandObject, deps: Deps, services: ServiceDeps) -> None:
    arg = (command.args or "").strip().lstrip("#")
    if not arg.isdigit() or len(arg) > 12:
        await deps.notifier.send_message(message.chat.id, T.CLOSE_MATTER_USAGE)
        return
    try:
        tally = await services.matters.close(message.from_user.id, int(arg))
    except MatterRefused as exc:
        await deps.notifier.send_message(message.chat.id, matter_refusal(exc))
        return
    await publish(deps, tally, message.from_user.id)


async def on_list(message: Message, deps: Deps, services: ServiceDeps) -> None:
    tallies = await services.matters.listing(message.from_user.id)
    if tallies is None:
        await deps.notifier.send_message(message.chat.id, T.MATTER_NOT_ALLOWED)
        return
    if not tallies:
        await deps.notifier.send_message(message.chat.id, T.MATTER_NONE)
        return
    await deps.notifier.send_message(message.chat.id, T.MATTER_LIST_HEADER)
    for t in tallies:
        m = t.matter
        text = T.MATTER_LIST_LINE.format(id=m.id, state=T.MATTER_STATE_LABELS.get(m.state, m.state),
                                         scope=escape(m.scope_name), question=escape(m.question[:60]),
                                         voters=t.voters, polled=t.polled)
        markup = kb([[(T.BTN_MATTER_CLOSE, MatterCb(action="close", matter_id=m.id).pack())]]) if m.state == "open" else None
        await deps.notifier.send_message(message.chat.id, text, reply_markup=markup)


async def on_answer(poll_answer: PollAnswer, services: ServiceDeps) -> None:
    # Only a person's own answer counts (voter_chat: an anonymous admin of a chat: ignored).
    if poll_answer.user is None:
        return
    await services.matters.answer(poll_answer.poll_id, poll_answer.user.id, list(poll_answer.option_ids))
