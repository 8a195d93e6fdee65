"""A resident reports: text, or a photo with a caption, optionally after a location."""
from __future__ import annotations

import unicodedata
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers.residents.albums import AlbumCollector
from handlers.residents.conversation import (
    answered_about_verdict,
    answered_follow_up,
    answered_chat,
    asked_if_report,
    not_a_resident_report,
    on_intent_choice,
)
from handlers.residents.followup import offered_supplement
from handlers.residents.submission import intake, submit
from handlers.shared.callbacks import CategoryCb, IntentCb
from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.dialogs import chat_lock
from handlers.shared.i18n import T, action_label, category_label
from handlers.shared.orgdeps import OrgDeps
from handlers.shared.refusals import refusal
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.render import clip
from organisation.gridmap import Fit, Located
from tickets.errors import WorkflowError
from tickets.lifecycle import Action
from tickets.reports import Report


def build_router() -> Router:
    router = Router(name="report")
    idle = StateFilter(None)
    router.message.register(on_report_command, Command("report"))
    router.message.register(on_location, idle, F.location)
    router.message.register(on_report, idle, F.photo)
    router.message.register(on_unknown_command, idle, F.text.startswith("/"))
    router.message.register(on_report, idle, F.text)
    router.message.register(on_unsupported, idle)
    router.edited_message.register(on_edited_report, F.text | F.caption)
    router.callback_query.register(on_category, CategoryCb.filter())
    router.callback_query.register(on_intent_choice, IntentCb.filter())
    # Last: any button nobody recognised (old, forged or malformed data).
    router.callback_query.register(on_stale_button)
    return router


def meaningful(text: str) -> bool:
    """True when the text has a letter or digit in it (not only emoji and punctuation)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


async def on_report(message: Message, deps: Deps, state: FSMContext, services: ServiceDeps | None = None,
                    albums: AlbumCollector | None = None) -> None:
    if message.media_group_id and albums is not None:
        async def flush(first: Message, photos: tuple[str, ...], caption: str) -> None:
            await _report(first, deps, state, services, caption, photos)

        albums.add(message, flush)  # one report for the whole album, once it is complete
        return
    photos = (message.photo[-1].file_id,) if message.photo else ()
    await _report(message, deps, state, services, (message.text or message.caption or "").strip(), photos)


async def _report(message: Message, deps: Deps, state: FSMContext, services: ServiceDeps | None,
                  text: str, photos: tuple[str, ...]) -> None:
    # One at a time per chat: a text sent twice at once (a double tap, a client resending)
    # would pass the 补充 and duplicate checks side by side and open two tickets.
    async with chat_lock(message.chat.id):
        await _report_one(message, deps, state, services, text, photos)


async def _report_one(message: Message, deps: Deps, state: FSMContext, services: ServiceDeps | None,
                      text: str, photos: tuple[str, ...]) -> None:
    if await not_a_resident_report(message, deps, services):
        return  # staff, departments and volunteers: free text is never a report, nor a "?"
    if not text and not photos:
        await deps.notifier.send_message(message.chat.id, T.EMPTY_TEXT)
        return
    if text and not meaningful(text):
        await deps.notifier.send_message(message.chat.id, T.ONLY_SYMBOLS)
        return
    data = await state.get_data()
    location = data.get("location") or (None, None)
    located = data.get("located") or (None, None)  # the grid the location fell in
    report = Report(
        telegram_id=message.from_user.id, chat_id=message.chat.id, message_id=message.message_id,
        text=text, name=message.from_user.full_name, photos=photos,
        latitude=location[0], longitude=location[1], grid_id=located[0], micro_grid_id=located[1],
    )
    reading = deps.service.understand(text) if text else None
    bare = reading is not None and not photos and location[0] is None  # words alone: may be small talk
    urgent = bool(getattr(reading, "urgent", False))  # an emergency is never held up by a question
    if bare and not urgent and (
            await answered_follow_up(message, deps, report) or await answered_about_verdict(message, deps, report)
            or await answered_chat(message, deps, report, reading)):
        return  # chasing their ticket, a greeting, a thank-you, an answer: no ticket, no 补充 question
    if not urgent and location[0] is None and await offered_supplement(message.chat.id, deps, state, report):
        return  # soon after a report: 补充到 #N, or 这是新问题 (handlers.residents.followup)
    if not text:
        await deps.notifier.send_message(message.chat.id, T.EMPTY_TEXT)
        return
    if bare and await asked_if_report(message, deps, state, report, reading):
        return  # unsure: 上报 / 不用了
    await intake(message, deps, state, services, report)


async def on_report_command(message: Message, command: CommandObject, deps: Deps, state: FSMContext) -> None:
    """/report TEXT: anyone, staff included, reports as a resident, with no intent guessing."""
    text = (command.args or "").strip()
    if not text or not meaningful(text):
        await deps.notifier.send_message(message.chat.id, T.REPORT_USAGE)
        return
    await submit(deps, state, Report(
        telegram_id=message.from_user.id, chat_id=message.chat.id, message_id=message.message_id,
        text=text, name=message.from_user.full_name))


async def on_location(message: Message, deps: Deps, state: FSMContext, org: OrgDeps | None = None,
                      services: ServiceDeps | None = None) -> None:
    if await not_a_resident_report(message, deps, services):
        return  # staff: a location is kept for no report (/report takes words only)
    loc = message.location
    located = await org.gridmap.locate(loc.latitude, loc.longitude) if org else None
    bounded = located is not None or (org is not None and await org.gridmap.has_boundaries())
    where = (located.grid_id, located.micro_grid_id) if located else None
    report = Report(telegram_id=message.from_user.id, chat_id=message.chat.id, message_id=message.message_id,
                    text="", name=message.from_user.full_name, latitude=loc.latitude, longitude=loc.longitude)
    if await offered_supplement(message.chat.id, deps, state, report, where):
        return  # where the reported problem is, most likely: 补充到 #N, or kept for a new one
    await state.update_data(location=(loc.latitude, loc.longitude), located=where)
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


async def on_edited_report(message: Message, deps: Deps) -> None:
    """An edited report: the ticket follows (before 签收) or gets a note (after); the
    handler is told. An edit of any other message changes nothing."""
    text = (message.text or message.caption or "").strip()
    try:
        edited = await deps.service.edit_report(message.from_user.id, message.chat.id, message.message_id, text)
    except WorkflowError:
        return  # moved meanwhile: the next edit will find its new state
    if edited is None:
        return
    view, action = edited
    template = T.REPORT_EDITED if action == Action.EDIT else T.REPORT_NOTE_ADDED
    await deps.notifier.send_message(message.chat.id, template.format(id=view.id))
    if view.assignee_telegram_id:
        await deps.notifier.send_message(view.assignee_telegram_id, T.REPORT_EDITED_STAFF.format(
            id=view.id, what=action_label(action), text=clip(text)))
