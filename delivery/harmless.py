"""Telegram's harmless refusals, swallowed in one place for every handler and job.

A press answered late (after a restart, or a slow moment) gets "query is too old"; a
double tap edits a card to what it already shows ("message is not modified"); a card the
user deleted cannot be edited ("message to edit not found"). None of these means the
work failed: the workflow has already moved and committed. Raising would skip the notices
that follow and show the user a false apology, so these calls answer as if they worked.

An edit aimed at the wrong kind of message is made again as the other kind: a card sent
as a photo has a caption, not a text, and the reverse. Whoever edits a card cannot always
know how it went out (a press on a photo card, a card redrawn from the outbox after the
ticket gained photos), and a refused edit would leave the card lying about the ticket.

Installed on the Bot's session (bot.app.create_bot, delivery.offline.make_offline_bot),
so every answerCallbackQuery and edit goes through it, wherever it is called from.
"""
from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    TelegramMethod,
)

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024  # characters of a caption (Telegram's limit)
NO_TEXT = "there is no text in the message to edit"
NO_CAPTION = "there is no caption in the message to edit"

# Substrings of Telegram's descriptions (core.telegram.org, as the Bot API words them).
HARMLESS = {
    AnswerCallbackQuery: ("query is too old", "query id is invalid"),
    EditMessageText: ("message is not modified", "message to edit not found"),
    EditMessageReplyMarkup: ("message is not modified", "message to edit not found"),
    EditMessageCaption: ("message is not modified", "message to edit not found"),
}


def other_kind(method: TelegramMethod[Any], exc: TelegramBadRequest) -> TelegramMethod[Any] | None:
    """The same edit for the other kind of message, when Telegram said it met the wrong kind;
    else None. A text too long for a caption keeps the card's buttons up to date at least."""
    text = (exc.message or "").lower()
    if isinstance(method, EditMessageText) and NO_TEXT in text:
        if len(method.text) > CAPTION_LIMIT:
            return EditMessageReplyMarkup(chat_id=method.chat_id, message_id=method.message_id,
                                          inline_message_id=method.inline_message_id,
                                          reply_markup=method.reply_markup)
        return EditMessageCaption(chat_id=method.chat_id, message_id=method.message_id,
                                  inline_message_id=method.inline_message_id, caption=method.text,
                                  parse_mode=method.parse_mode, reply_markup=method.reply_markup)
    if isinstance(method, EditMessageCaption) and NO_CAPTION in text and method.caption:
        return EditMessageText(chat_id=method.chat_id, message_id=method.message_id,
                               inline_message_id=method.inline_message_id, text=method.caption,
                               parse_mode=method.parse_mode, reply_markup=method.reply_markup)
    return None


def is_harmless(method: TelegramMethod[Any], exc: TelegramBadRequest) -> bool:
    """True when this refusal of this call changes nothing the user would notice."""
    reasons = HARMLESS.get(type(method), ())
    text = (exc.message or "").lower()
    return any(reason in text for reason in reasons)


class HarmlessRefusals(BaseRequestMiddleware):
    """Answers a harmless refusal with success (True), logged at DEBUG; makes an edit that met
    the wrong kind of message again as the other kind; every other error goes through unchanged."""

    def __init__(self) -> None:
        self.swallowed = 0  # how many, for tests and the log

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Any:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            other = other_kind(method, exc)
            if other is None:
                return self._swallow(method, exc)
            log.debug("%s: %s; made as %s", method.__api_method__, exc.message, other.__api_method__)
            try:
                return await make_request(bot, other)
            except TelegramBadRequest as again:
                return self._swallow(other, again)

    def _swallow(self, method: TelegramMethod[Any], exc: TelegramBadRequest) -> Any:
        if not is_harmless(method, exc):
            raise exc
        self.swallowed += 1
        log.debug("%s: %s (harmless, ignored)", method.__api_method__, exc.message)
        # The chain carries the call's result (what make_request returns), not a Response.
        return True


def install(bot: Bot) -> Bot:
    """Adds the middleware to the bot's session once; returns the bot."""
    if not any(isinstance(m, HarmlessRefusals) for m in bot.session.middleware):
        bot.session.middleware(HarmlessRefusals())
    return bot
