"""/export (the cadre's tickets as XLSX) and /bulletin (一月一通报: charts and XLSX)."""
from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from figures.periods import (
    PeriodError,
    describe,
    last_month,
    month_period,
    parse_period,
)
from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from handlers.views.cadre_cards import bulletin_caption
from tickets.errors import NotAllowed


def build_router() -> Router:
    router = Router(name="publishing")
    router.message.register(on_export, Command("export"))
    router.message.register(on_bulletin, Command("bulletin"))
    return router


def _file_key(key: str) -> str:
    return key.replace("/", "_")


async def on_export(message: Message, command: CommandObject, deps: Deps) -> None:
    chat_id, reports = message.chat.id, deps.cadre.reports
    try:
        period, rest = parse_period(command.args or "", reports.clock(), deps.tz)
        if rest:
            raise PeriodError(rest)  # /export takes a period only
    except PeriodError:
        await deps.notifier.send_message(chat_id, T.EXPORT_USAGE)
        return
    try:
        count, body = await reports.export(message.from_user.id, period)
    except NotAllowed:
        await deps.notifier.send_message(chat_id, T.CADRES_ONLY)
        return
    when = describe(period, deps.tz)
    if not count:
        await deps.notifier.send_message(chat_id, T.EXPORT_EMPTY.format(period=when))
        return
    await deps.notifier.send_document(
        chat_id, BufferedInputFile(body, filename=f"tickets-{_file_key(period.key)}.xlsx"),
        caption=T.EXPORT_CAPTION.format(period=when, n=count))


async def on_bulletin(message: Message, command: CommandObject, deps: Deps) -> None:
    chat_id, reports = message.chat.id, deps.cadre.reports
    arg = (command.args or "").strip()
    try:
        period = month_period(arg, deps.tz) if arg else last_month(reports.clock(), deps.tz)
    except PeriodError:
        await deps.notifier.send_message(chat_id, T.BULLETIN_USAGE)
        return
    try:
        found = await reports.bulletin_data(message.from_user.id, period)
    except NotAllowed:
        await deps.notifier.send_message(chat_id, T.CADRES_ONLY)
        return
    await deps.notifier.send_message(chat_id, T.BULLETIN_WORKING)  # the charts take a second or two
    for data in found:
        await send_bundle(deps.notifier, chat_id, await reports.render(data), bulletin_caption(data, deps.tz))


async def send_bundle(notifier, chat_id: int, bundle, caption: str):
    """The charts as photos (the caption on the first), then the XLSX as a document. Stops at
    the first part the chat cannot receive (blocked, or never opened the bot): the rest
    would be refused the same way."""
    results = []
    for i, (name, body) in enumerate(bundle.files):
        upload = BufferedInputFile(body, filename=name)
        if name.endswith(".png"):
            results.append(await notifier.send_photo(chat_id, upload, caption=caption if i == 0 else None))
        else:
            results.append(await notifier.send_document(chat_id, upload))
        if results[-1].blocked:
            break
    return results
