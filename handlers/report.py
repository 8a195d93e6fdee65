"""A resident reports: text, or a photo with a caption, optionally after a location."""
from __future__ import annotations

import unicodedata
from dataclasses import asdict
from html import escape

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers.i18n import T, category_label
from handlers.callbacks import CategoryCb
from handlers.deps import Deps
from handlers.duplicates import offer_to_follow
from handlers.delivery import deliver
from handlers.orgdeps import OrgDeps
from handlers.order_offer import offer_order
from handlers.pickers import ask_grid
from handlers.refusals import refusal
from handlers.render import category_buttons, report_ack, state_label
from tickets.errors import NotRegistered, RateLimited, WorkflowError
from tickets.gridmap import Fit, Located
from handlers.servicedeps import ServiceDeps
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


async def on_report(message: Message, deps: Deps, state: FSMContext, services: ServiceDeps | None = None) -> None:
    text = (message.text or message.caption or "").strip()
    if not text:
        await deps.notifier.send_message(message.chat.id, T.EMPTY_TEXT)
        return
    if not meaningful(text):
        await deps.notifier.send_message(message.chat.id, T.ONLY_SYMBOLS)
        return
    data = await state.get_data()
    location = data.get("location") or (None, None)
    located = data.get("located") or (None, None)  # the grid the location fell in
    photos = (message.photo[-1].file_id,) if message.photo else ()
    report = Report(
        telegram_id=message.from_user.id, chat_id=message.chat.id, message_id=message.message_id,
        text=text, name=message.from_user.full_name, photos=photos,
        latitude=location[0], longitude=location[1], grid_id=located[0], micro_grid_id=located[1],
    )
    if services is not None and await offer_order(message, report, deps, services, state):
        return  # 求助: the resident picks 点单 or 上报问题 first (handlers.order_offer)
    await submit(deps, state, report)


async def submit(deps: Deps, state: FSMContext, report: Report, *, check_duplicates: bool = True) -> None:
    chat_id = report.chat_id
    if check_duplicates and await offer_to_follow(deps, state, report):
        return  # much like an open ticket: the resident chooses to follow it or insist
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
    await state.update_data(location=None, located=None, pending=None)
    view = outcome.ticket
    if outcome.duplicate:
        await deps.notifier.send_message(chat_id, T.DUPLICATE_REPORT.format(id=view.id, state=state_label(view.state)))
        return
    text = report_ack(view, deps.tz)
    if len(report.text) > deps.max_text_chars:
        text += "\n\n" + T.TOO_LONG.format(limit=deps.max_text_chars)
    if view.anonymous:
        text += "\n" + T.ANONYMOUS_ACK
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


async def on_location(message: Message, deps: Deps, state: FSMContext, org: OrgDeps | None = None) -> None:
    loc = message.location
    located = await org.gridmap.locate(loc.latitude, loc.longitude) if org else None
    bounded = located is not None or (org is not None and await org.gridmap.has_boundaries())
    await state.update_data(location=(loc.latitude, loc.longitude),
                            located=(located.grid_id, located.micro_grid_id) if located else None)
    await deps.notifier.send_message(message.chat.id, location_reply(located, bounded))


def location_reply(located: Located | None, bounded: bool) -> str:
    if located is None:
        # Outside every boundary: the resident's own grid takes it (and may pass it on).
        return T.LOCATION_OUTSIDE if bounded else T.LOCATION_SAVED
    grid = escape(located.grid_name)
    if located.fit == Fit.INSIDE:
        return T.LOCATION_IN_GRID.format(grid=grid)
    return T.LOCATION_NEAR_GRID.format(grid=grid, metres=max(10, int(round(located.distance_m, -1))))


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
    await query.answer(T.CATEGORY_SET.format(id=outcome.ticket.id, category=category_label(category)))
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await deliver(deps, outcome.notices)


async def on_stale_button(query: CallbackQuery) -> None:
    await query.answer(T.BUTTON_EXPIRED, show_alert=True)
