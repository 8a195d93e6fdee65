"""What every dialog step shares: a one-tap 取消 under each prompt (and /cancel), and the
note step that takes text, a photo, a photo with a caption, or several photos.

Its router comes early, before any dialog's own handlers: 取消 must work in every step,
whatever that step expects."""
from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from handlers.shared.delivery import deliver
from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from handlers.shared.refusals import refusal
from tickets.errors import WorkflowError

# Keys a dialog step keeps in the FSM data; cleared when a dialog ends either way.
DIALOG_KEYS = ("ticket_id", "order_id", "reply_under", "note_photos", "note_caption", "note_group")
PHOTO_LIMIT = 10  # what one Telegram album holds

_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


class DialogCb(CallbackData, prefix="dlg"):
    action: str  # x: cancel | ok: finish a note with the photos so far


def chat_lock(chat_id: int) -> asyncio.Lock:
    """One chat's updates that must see each other's effects, one at a time: the photos of
    an album (separate updates, possibly handled at once; else a photo is lost), and a
    resident's reports (a text sent twice at once would open two tickets). Per process: two
    copies that reach two instances of a multi-instance deployment are not held back."""
    lock = _locks.get(chat_id)
    if lock is None:
        lock = asyncio.Lock()
        _locks[chat_id] = lock
    return lock


def cancel_markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """These rows, then 取消: the keyboard under every dialog prompt."""
    cancel = [InlineKeyboardButton(text=T.BTN_DIALOG_CANCEL, callback_data=DialogCb(action="x").pack())]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, cancel])


def finish_markup() -> InlineKeyboardMarkup:
    done = [InlineKeyboardButton(text=T.BTN_NOTE_DONE, callback_data=DialogCb(action="ok").pack())]
    return cancel_markup(done)


async def leave(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data(**{k: None for k in DIALOG_KEYS})


def build_router() -> Router:
    router = Router(name="dialogs")
    router.message.register(on_cancel, Command("cancel"))
    router.callback_query.register(on_cancel_button, DialogCb.filter(F.action == "x"))
    return router


async def on_cancel(message: Message, deps: Deps, state: FSMContext) -> None:
    if await state.get_state() is None:  # nothing stored, nothing written
        await deps.notifier.send_message(message.chat.id, T.NOTHING_TO_CANCEL)
        return
    await leave(state)
    await deps.notifier.send_message(message.chat.id, T.INPUT_CANCELLED)


async def on_cancel_button(query: CallbackQuery, deps: Deps, state: FSMContext) -> None:
    if await state.get_state() is None:  # an old prompt, or a forged press: nothing to do
        await query.answer(T.NOTHING_TO_CANCEL, show_alert=True)
        return
    await leave(state)
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await deps.notifier.send_message(query.from_user.id, T.INPUT_CANCELLED)


# -- the note step: text, photos, or both ------------------------------------------------

async def add_photo(message: Message, state: FSMContext) -> tuple[int, bool]:
    """Keeps the photo (and its caption as the note); (photos so far, whether to answer:
    once per album, not once per photo)."""
    data = await state.get_data()
    photos = list(data.get("note_photos") or [])
    if message.photo and len(photos) < PHOTO_LIMIT:
        photos.append(message.photo[-1].file_id)
    caption = (message.caption or "").strip() or data.get("note_caption")
    group = message.media_group_id
    answer = group is None or group != data.get("note_group")
    await state.update_data(note_photos=photos, note_caption=caption, note_group=group)
    return len(photos), answer


async def take_note(state: FSMContext, text: str | None, limit: int) -> tuple[str, tuple[str, ...]]:
    """The note (typed text, else a caption) and every photo collected, leaving the dialog."""
    data = await state.get_data()
    parts = [p for p in ((data.get("note_caption") or "").strip(), (text or "").strip()) if p]
    note = "\n".join(dict.fromkeys(parts)) or T.NOTE_SEE_PHOTOS
    photos = tuple(data.get("note_photos") or ())
    await leave(state)
    return note[:limit], photos


async def take_reason(message: Message, deps: Deps, state: FSMContext) -> tuple[str, int, dict] | None:
    """The reason typed at a reason step, the step's ticket and data, leaving the step. None
    when there is nothing to act on: no words (asked again, 取消 under it; the step stays)
    or no ticket kept (the button expired)."""
    reason = (message.text or "").strip()
    if not reason or reason.startswith("/"):
        await deps.notifier.send_message(message.chat.id, T.NOTE_EMPTY, reply_markup=cancel_markup())
        return None
    data = await state.get_data()
    await leave(state)
    if not data.get("ticket_id"):
        await deps.notifier.send_message(message.chat.id, T.BUTTON_EXPIRED)
        return None
    return reason, data["ticket_id"], data


async def relay_typed(message: Message, deps: Deps, state: FSMContext,
                      send: Callable[[int, int, str], Awaitable[Any]], sent: str) -> None:
    """A relay dialog's typed message (联系反映人 either way): the dialog ends, the workflow
    (`send(telegram_id, ticket_id, text)`, which checks again who may write) queues it, the
    writer reads `sent` (a text with {id}) and the notices go out. A refusal is said instead."""
    ticket_id = (await state.get_data()).get("ticket_id")
    await leave(state)
    if not ticket_id:
        return
    try:
        outcome = await send(message.from_user.id, int(ticket_id), message.text or "")
    except WorkflowError as exc:
        await deps.notifier.send_message(message.chat.id, refusal(exc))
        return
    await deps.notifier.send_message(message.chat.id, sent.format(id=outcome.ticket.id))
    await deliver(deps, outcome.notices)


async def text_only(message: Message, deps: Deps) -> None:
    """Anything but text in a relay dialog: say so, with 取消 at hand."""
    await deps.notifier.send_message(message.chat.id, T.RELAY_TEXT_ONLY, reply_markup=cancel_markup())

