"""/lang: each person picks 中文 or English. The choice is stored (user_settings), and every
reply, notice, reminder and digest to them follows it; so does their command menu."""
from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n

from handlers.shared.callbacks import LangCb
from handlers.shared.deps import Deps
from handlers.shared.i18n import LANGUAGE_NAMES, T, speaking
from organisation.languages import SUPPORTED, parse_locale
from tickets.policy import Actor, Role

log = logging.getLogger(__name__)

# The command menus: (command, name of its description in handlers/texts.py). Everybody
# sees the residents' menu (what a resident can do, 点单 and 求助 included); staff get
# their own in their chat once the bot knows them.
COMMANDS = (
    ("my", "CMD_MY"),
    ("order", "CMD_ORDER"),
    ("orders", "CMD_ORDERS"),
    ("ticket", "CMD_TICKET"),
    ("grid", "CMD_GRID"),
    ("privacy", "CMD_PRIVACY"),
    ("menu", "CMD_MENU"),
    ("help", "CMD_HELP"),
    ("lang", "CMD_LANG"),
)
STAFF_COMMANDS = (
    ("tasks", "CMD_TASKS"),
    ("ticket", "CMD_TICKET"),
    ("orders", "CMD_ORDERS_STAFF"),
    ("help", "CMD_HELP"),
    ("lang", "CMD_LANG"),
)
CADRE_COMMANDS = (
    ("tasks", "CMD_TASKS"),
    ("overdue", "CMD_OVERDUE"),
    ("stats", "CMD_STATS"),
    ("ticket", "CMD_TICKET"),
    ("orders", "CMD_ORDERS_STAFF"),
    ("help", "CMD_HELP"),
    ("lang", "CMD_LANG"),
)


def build_router() -> Router:
    router = Router(name="language")
    router.message.register(on_lang, Command("lang", "language"))
    router.callback_query.register(on_pick, LangCb.filter())
    return router


def menu_for(actor: Actor | None) -> tuple[tuple[str, str], ...]:
    if actor is None or not actor.is_staff:
        return COMMANDS
    cadre = actor.has_role(Role.COMMUNITY_CADRE) or actor.has_role(Role.STREET_CADRE)
    return CADRE_COMMANDS if cadre else STAFF_COMMANDS


def bot_commands(menu: tuple[tuple[str, str], ...] = COMMANDS) -> list[BotCommand]:
    """A command menu in the current language."""
    return [BotCommand(command=command, description=getattr(T, name)) for command, name in menu]


async def publish_chat_menu(bot: Bot, chat_id: int, actor: Actor | None, locale: str | None = None) -> None:
    """This chat's own menu: staff commands for staff, in the person's language."""
    with speaking(locale):
        commands = bot_commands(menu_for(actor))
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as exc:  # the menu is a convenience
        log.warning("could not set the command menu for a chat: %s", exc)


async def publish_commands(bot: Bot, i18n: I18n) -> None:
    """The menu Telegram shows by client language: each supported language to its own
    clients, the default language to everybody else."""
    targets = [(i18n.default_locale, None), *((locale, locale.split("_")[0]) for locale in SUPPORTED)]
    for locale, language_code in targets:
        with speaking(locale, i18n):
            commands = bot_commands()
        await bot.set_my_commands(commands, language_code=language_code)


def language_buttons() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=name, callback_data=LangCb(locale=locale).pack())
        for locale, name in LANGUAGE_NAMES.items()
    ]])


async def on_lang(message: Message, command: CommandObject, deps: Deps, bot: Bot) -> None:
    arg = (command.args or "").strip()
    if not arg:
        await deps.notifier.send_message(message.chat.id, T.LANG_PICK, reply_markup=language_buttons())
        return
    locale = parse_locale(arg)
    if locale is None:
        await deps.notifier.send_message(message.chat.id, T.LANG_UNKNOWN.format(value=escape(arg[:20])))
        return
    await switch(deps, bot, message.from_user.id, message.chat.id, locale)


async def on_pick(query: CallbackQuery, callback_data: LangCb, deps: Deps, bot: Bot) -> None:
    if callback_data.locale not in SUPPORTED:  # forged or from an older version
        await query.answer(T.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    await switch(deps, bot, query.from_user.id, query.from_user.id, callback_data.locale)


async def switch(deps: Deps, bot: Bot, user_id: int, chat_id: int, locale: str) -> None:
    if deps.languages is not None:
        await deps.languages.choose(user_id, locale)
    with speaking(locale):  # confirmed in the language just chosen
        confirmation = T.LANG_SET
    await deps.notifier.send_message(chat_id, confirmation)
    # This chat's menu follows the choice, whatever language the client runs in.
    await publish_chat_menu(bot, chat_id, await deps.queries.actor(user_id), locale)
