"""Telegram's harmless refusals, swallowed in one place for every handler and job.

A press answered late (after a restart, or a slow moment) gets "query is too old"; a
double tap edits a card to what it already shows ("message is not modified"); a card the
user deleted cannot be edited ("message to edit not found"). None of these means the
work failed: the workflow has already moved and committed. Raising would skip the notices
that follow and show the user a false apology, so these calls answer as if they worked.

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

# Substrings of Telegram's descriptions (core.telegram.org, as the Bot API words them).
HARMLESS = {
    AnswerCallbackQuery: ("query is too old", "query id is invalid"),
    EditMessageText: ("message is not modified", "message to edit not found"),
    EditMessageReplyMarkup: ("message is not modified", "message to edit not found"),
    EditMessageCaption: ("message is not modified", "message to edit not found"),
}


def is_harmless(method: TelegramMethod[Any], exc: TelegramBadRequest) -> bool:
    """True when this refusal of this call changes nothing the user would notice."""
    reasons = HARMLESS.get(type(method), ())
    text = (exc.message or "").lower()
    return any(reason in text for reason in reasons)


class HarmlessRefusals(BaseRequestMiddleware):
    """Answers a harmless refusal with success (True), logged at DEBUG; every other error
    goes through unchanged."""

    def __init__(self) -> None:
        self.swallowed = 0  # how many, for tests and the log

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Any:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            if not is_harmless(method, exc):
                raise
            self.swallowed += 1
            log.debug("%s: %s (harmless, ignored)", method.__api_method__, exc.message)
            # The chain carries the call's result (what make_request returns), not a Response.
            return True


def install(bot: Bot) -> Bot:
    """Adds the middleware to the bot's session once; returns the bot."""
    if not any(isinstance(m, HarmlessRefusals) for m in bot.session.middleware):
        bot.session.middleware(HarmlessRefusals())
    return bot
