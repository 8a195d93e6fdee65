"""A resident reports: text, or a photo with a caption, optionally after a location."""
from __future__ import annotations

import unicodedata
from dataclasses import asdict

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers import texts as T
from handlers.callbacks import CategoryCb
from handlers.deps import Deps
from handlers.delivery import deliver
from handlers.pickers import ask_grid
from handlers.refusals import refusal
from handlers.render import category_buttons, report_ack, state_label
from tickets.errors import NotRegistered, RateLimited, WorkflowError
from tickets.service import Report


def build_router() -> Router:
    router = Router(name="report")
    idle = StateFilter(None)
    router.message.register(on_location, idle, F.location)
    router.message.register(on_report, idle, F.photo)
    router.message.register(on_unknown_command, idle, F.text.startswith("/"))
    router.message.register(on_report, idle, F.text)
    router.message.register(on_unsupported, idle)
    router.callback_query.register(on_category, CategoryCb.filter())
    # Last: any button nobody recognised (old, forged or malformed data).
    router.callback_query.register(on_stale_button)
    return router


def meaningful(text: str) -> bool:
    """True when the text has a letter or digit in it (not only emoji and punctuation)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


async def on_report(message: Message, deps: Deps, state: FSMContext) -> None:
    text = (message.text or message.caption or "").strip()
    if not text:
        await deps.notifier.send_message(message.chat.id, T.EMPTY_TEXT)
        return
    if not meaningful(text):
        await deps.notifier.send_message(message.chat.id, T.ONLY_SYMBOLS)
        return
    data = await state.get_data()
    location = data.get("location") or (None, None)
    photos = (message.photo[-1].file_id,) if message.photo else ()
    report = Report(
        telegram_id=message.from_user.id, chat_id=message.chat.id, message_id=message.message_id,
        text=text, name=message.from_user.full_name, photos=photos,
        latitude=location[0], longitude=location[1],
    )
    await submit(deps, state, report)


async def submit(deps: Deps, state: FSMContext, report: Report) -> None:
    chat_id = report.chat_id
    try:
        outcome = await deps.service.report(report)
    except NotRegistered:
        # Keep the report until a grid is chosen: nothing the resident wrote is lost.
        await state.update_data(pending=asdict(report))
        await ask_grid(chat_id, deps, T.NEED_GRID_FIRST + "\n\n" + T.PICK_COMMUNITY)
        return
    except RateLimited as exc:
        await deps.notifier.send_message(chat_id, refusal(exc))
        return
    await state.update_data(location=None, pending=None)
    view = outcome.ticket
    if outcome.duplicate:
        await deps.notifier.send_message(chat_id, T.DUPLICATE_REPORT.format(id=view.id, state=state_label(view.state)))
        return
    text = report_ack(view, deps.tz)
    if len(report.text) > deps.max_text_chars:
        text += "\n\n" + T.TOO_LONG.format(limit=deps.max_text_chars)
    markup = None
    if outcome.suggestions:
        text += "\n\n" + T.PICK_CATEGORY
        markup = category_buttons(view.id, outcome.suggestions, deps.categories)
    await deps.notifier.send_message(chat_id, text, reply_markup=markup)
    await deliver(deps, outcome.notices)


async def submit_pending(deps: Deps, state: FSMContext, telegram_id: int) -> None:
    pending = (await state.get_data()).get("pending")
    if pending and pending.get("telegram_id") == telegram_id:
        pending["photos"] = tuple(pending.get("photos") or ())
        await submit(deps, state, Report(**pending))


async def on_location(message: Message, deps: Deps, state: FSMContext) -> None:
    loc = message.location
    await state.update_data(location=(loc.latitude, loc.longitude))
    await deps.notifier.send_message(message.chat.id, T.LOCATION_SAVED)


async def on_unsupported(message: Message, deps: Deps) -> None:
    await deps.notifier.send_message(message.chat.id, T.UNSUPPORTED_MEDIA)


async def on_unknown_command(message: Message, deps: Deps) -> None:
    await deps.notifier.send_message(message.chat.id, T.UNKNOWN_COMMAND)


async def on_category(query: CallbackQuery, callback_data: CategoryCb, deps: Deps) -> None:
    if not 0 <= callback_data.index < len(deps.categories):
        await query.answer(T.BUTTON_EXPIRED, show_alert=True)
        return
    category = deps.categories[callback_data.index]
    try:
        outcome = await deps.service.choose_category(
            query.from_user.id, callback_data.ticket_id, category, deps.categories
        )
    except WorkflowError as exc:
        await query.answer(refusal(exc), show_alert=True)
        return
    await query.answer(T.CATEGORY_SET.format(id=outcome.ticket.id, category=category))
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await deliver(deps, outcome.notices)


async def on_stale_button(query: CallbackQuery) -> None:
    await query.answer(T.BUTTON_EXPIRED, show_alert=True)
