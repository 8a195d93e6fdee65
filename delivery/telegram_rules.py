"""What real Telegram refuses, in one place: limits, HTML entity parsing and error texts.

Pure Python (no aiogram): shared by the in-process ``delivery.offline.RecordingSession`` (also
used by ``gridbot demo``) and the test HTTP server ``tests.support.bot_api_server.FakeBotApi``,
so that a call either fake accepts is one Telegram would accept too.

Sources: the Telegram Bot API documentation (https://core.telegram.org/bots/api: sendMessage,
"Formatting options", InlineKeyboardButton, answerCallbackQuery, getUpdates) and, for the
exact wording of the HTML parse errors, TDLib's ``parse_html`` (td/telegram/MessageEntity.cpp),
which the Bot API server runs. Error descriptions are the ``description`` field Telegram puts
in ``{"ok": false, "error_code": ..., "description": ...}``; aiogram turns 400 into
``TelegramBadRequest``, 403 into ``TelegramForbiddenError``, 409 into ``TelegramConflictError``.

Deliberately like Telegram, not like the docs: a bare ``&`` that does not start an entity
(``AT&T``) and a bare ``>`` are accepted as text, as TDLib does; a bare ``<`` is refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from delivery.telegram_html import Entity, EntityParseError, parse_html, utf16_len  # noqa: F401 - part of the rules

# -- limits (Bot API docs) -------------------------------------------------------------------
MAX_TEXT_LENGTH = 4096  # sendMessage/editMessageText text, UTF-16 code units after parsing
MAX_CAPTION_LENGTH = 1024  # media captions, UTF-16 code units after parsing
MAX_CALLBACK_DATA_BYTES = 64  # InlineKeyboardButton.callback_data, 1-64 bytes of UTF-8
MAX_INLINE_BUTTONS = 100  # buttons in one inline keyboard
CALLBACK_ANSWER_SECONDS = 15.0  # a callback query must be answered within this after the press

# -- error descriptions, exactly as Telegram words them -----------------------------------------
MESSAGE_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
TEXT_EMPTY = "Bad Request: message text is empty"
CANT_PARSE_ENTITIES = "Bad Request: can't parse entities: "  # + TDLib's reason
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
REPLY_MARKUP_TOO_LONG = "Bad Request: reply markup is too long"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
CANT_BE_EDITED = "Bad Request: message can't be edited"
NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
NO_CAPTION_TO_EDIT = "Bad Request: there is no caption in the message to edit"
CHAT_NOT_FOUND = "Bad Request: chat not found"
BOT_BLOCKED = "Forbidden: bot was blocked by the user"
USER_DEACTIVATED = "Forbidden: user is deactivated"
QUERY_TOO_OLD = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)


class Refusal(Exception):
    """Telegram's answer to a call it refuses: HTTP status (= error_code) and description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends back."""
        return {"ok": False, "error_code": self.status, "description": self.description}


def formatted(text: str, parse_mode: str | None) -> tuple[str, tuple[Entity, ...]]:
    """(visible text, entities) of a text as Telegram would show it; Refusal on bad HTML.

    Only HTML is parsed; Markdown modes and plain text count as written. Telegram also
    drops leading and trailing whitespace, which counts towards "message text is empty".
    """
    if parse_mode and parse_mode.lower() == "html":
        try:
            visible, entities = parse_html(text)
        except EntityParseError as reason:
            raise Refusal(400, CANT_PARSE_ENTITIES + str(reason)) from None
    else:
        visible, entities = text, ()
    return visible, entities


def check_text(text: Any, parse_mode: str | None, *, caption: bool = False) -> tuple[str, tuple[Entity, ...]]:
    """Validate a message text (or caption): parse it, then check emptiness and length.

    Returns (visible text, entities); raises Refusal with the exact Telegram description.
    A caption may be empty (absent); a text may not.
    """
    raw = "" if text is None else str(text)
    visible, entities = formatted(raw, parse_mode)
    if caption:
        if utf16_len(visible.strip()) > MAX_CAPTION_LENGTH:
            raise Refusal(400, CAPTION_TOO_LONG)
        return visible, entities
    if not visible.strip():
        raise Refusal(400, TEXT_EMPTY)
    if utf16_len(visible.strip()) > MAX_TEXT_LENGTH:
        raise Refusal(400, MESSAGE_TOO_LONG)
    return visible, entities


def _as_markup(markup: Any) -> Any:
    if isinstance(markup, str):
        try:
            return json.loads(markup)
        except ValueError:
            return None
    return markup


def check_reply_markup(markup: Any) -> None:
    """Validate an inline keyboard: at most 100 buttons, callback_data 1-64 bytes of UTF-8.

    Reply keyboards and other markups pass. Raises Refusal.
    """
    markup = _as_markup(markup)
    if not isinstance(markup, Mapping) or "inline_keyboard" not in markup:
        return
    buttons = [b for row in markup.get("inline_keyboard") or [] for b in row or []]
    if len(buttons) > MAX_INLINE_BUTTONS:
        raise Refusal(400, REPLY_MARKUP_TOO_LONG)
    for button in buttons:
        if isinstance(button, Mapping) and "callback_data" in button:
            data = button["callback_data"]
            size = len(str(data).encode("utf-8")) if data is not None else 0
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise Refusal(400, BUTTON_DATA_INVALID)


def markup_key(markup: Any) -> str | None:
    """A canonical form of an inline keyboard to compare two of them; None for no keyboard."""
    markup = _as_markup(markup)
    if not isinstance(markup, Mapping) or not markup.get("inline_keyboard"):
        return None
    return json.dumps(markup["inline_keyboard"], sort_keys=True, ensure_ascii=False)


# -- clocks ---------------------------------------------------------------------------------
Clock = Callable[[], "float | datetime"]


class ManualClock:
    """A clock in seconds that only moves when a test moves it: ``clock.advance(16)``."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def seconds(clock: Clock) -> float:
    """Read a clock that answers seconds (float) or an aware/naive datetime, as seconds."""
    value = clock()
    return value.timestamp() if isinstance(value, datetime) else float(value)


# -- the stateful part: who can be reached, what was sent, which presses are pending -------------
_TEXT_METHODS = {"sendMessage", "editMessageText"}
_EDITS = {"editMessageText", "editMessageCaption", "editMessageReplyMarkup"}


def _chat_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


# Messages that carry a caption (one may be added by an edit even when sent without).
_CAPTIONED = frozenset({"sendPhoto", "sendDocument", "sendVideo", "sendAudio", "sendAnimation", "sendVoice"})


@dataclass
class _Sent:
    kind: str  # "text", "caption" or "media" (nothing editable as text)
    content: tuple[str, tuple[Entity, ...]]
    markup: str | None


@dataclass
class _Press:
    user_id: int
    at: float
    answered: bool = False


@dataclass
class TelegramRules:
    """Telegram's per-bot state and the checks that depend on it.

    - reachability: a user (positive chat id) the bot may write to is one who wrote to it
      (``observe`` an update from them) or was declared with ``reach``; others get
      400 "chat not found". ``block``/``deactivate`` make a user answer 403.
    - edits must name a message the bot sent in that chat and change something.
    - a callback query may be answered once, within 15 s (``clock`` seconds) of the press.

    ``strict=False`` keeps only the stateless checks (text, HTML, keyboards).
    """

    clock: Clock = time.monotonic
    strict: bool = True
    reachable: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    deactivated: set[int] = field(default_factory=set)
    _sent: dict[tuple[int, int], _Sent] = field(default_factory=dict)
    _presses: dict[str, _Press] = field(default_factory=dict)

    # -- what tests and updates declare --------------------------------------------------
    def reach(self, *user_ids: int) -> None:
        """Declare users who have started the bot (so it may write to them)."""
        self.reachable.update(int(u) for u in user_ids)

    def block(self, user_id: int) -> None:
        """The user blocked the bot: every call to their chat is 403 until they write again."""
        self.blocked.add(int(user_id))

    def unblock(self, user_id: int) -> None:
        self.blocked.discard(int(user_id))

    def deactivate(self, user_id: int) -> None:
        """The user deleted their account: every call to their chat is 403, for good."""
        self.deactivated.add(int(user_id))

    def press(self, query_id: str, user_id: int) -> None:
        """A button was pressed now: callback query `query_id` awaits its answer."""
        self._presses[str(query_id)] = _Press(int(user_id), seconds(self.clock))

    def observe(self, update: Mapping[str, Any]) -> None:
        """Learn from an update delivered to the bot: its sender can now be written to
        (writing to a bot unblocks it), and a callback query starts its 15 s."""
        for key in ("message", "edited_message", "callback_query", "my_chat_member", "inline_query"):
            item = update.get(key)
            if not isinstance(item, Mapping):
                continue
            sender = item.get("from") or {}
            if isinstance(sender, Mapping) and isinstance(sender.get("id"), int):
                self.reach(sender["id"])
                if key != "my_chat_member":
                    self.unblock(sender["id"])
            chat = item.get("chat") or {}
            if key == "message" and isinstance(chat, Mapping) and "message_id" in item:
                chat_id = _chat_id(chat.get("id"))
                if chat_id is not None:
                    self.foreign(chat_id, int(item["message_id"]))
            if key == "callback_query" and "id" in item:
                self.press(str(item["id"]), int(sender.get("id", 0)))

    # -- checks ------------------------------------------------------------------------------
    def check(self, method: str, params: Mapping[str, Any]) -> None:
        """Raise Refusal if Telegram would refuse this call; call before answering it."""
        chat_id = _chat_id(params.get("chat_id"))
        if self.strict and chat_id is not None:
            self._check_chat(chat_id)
        if method == "answerCallbackQuery" and self.strict:
            self._check_answer(str(params.get("callback_query_id", "")))
        inline = bool(params.get("inline_message_id"))
        parse_mode = params.get("parse_mode")
        new_content: tuple[str, tuple[Entity, ...]] | None = None
        if method in _TEXT_METHODS:
            new_content = check_text(params.get("text"), parse_mode)
        elif "caption" in params and (method.startswith("send") or method == "editMessageCaption"):
            new_content = check_text(params.get("caption"), parse_mode, caption=True)
        if "reply_markup" in params:
            check_reply_markup(params["reply_markup"])
        if method in _EDITS and self.strict and not inline and chat_id is not None:
            self._check_edit(method, chat_id, params, new_content)

    def _check_chat(self, chat_id: int) -> None:
        if chat_id in self.deactivated:
            raise Refusal(403, USER_DEACTIVATED)
        if chat_id in self.blocked:
            raise Refusal(403, BOT_BLOCKED)
        if chat_id > 0 and chat_id not in self.reachable:
            raise Refusal(400, CHAT_NOT_FOUND)

    def _check_answer(self, query_id: str) -> None:
        press = self._presses.get(query_id)
        if press is None or press.answered or seconds(self.clock) - press.at > CALLBACK_ANSWER_SECONDS:
            raise Refusal(400, QUERY_TOO_OLD)

    def _check_edit(
        self,
        method: str,
        chat_id: int,
        params: Mapping[str, Any],
        new_content: tuple[str, tuple[Entity, ...]] | None,
    ) -> None:
        message_id = _chat_id(params.get("message_id"))
        old = self._sent.get((chat_id, message_id or 0))
        if old is None:
            raise Refusal(400, EDIT_NOT_FOUND)
        if old.kind == "foreign":
            raise Refusal(400, CANT_BE_EDITED)
        if method == "editMessageText" and old.kind != "text":
            raise Refusal(400, NO_TEXT_TO_EDIT)
        if method == "editMessageCaption" and old.kind != "caption":
            raise Refusal(400, NO_CAPTION_TO_EDIT)
        markup = markup_key(params.get("reply_markup"))
        if method == "editMessageReplyMarkup":
            unchanged = markup == old.markup
        else:
            unchanged = new_content == old.content and markup == old.markup
        if unchanged:
            raise Refusal(400, NOT_MODIFIED)

    # -- bookkeeping after an accepted call ---------------------------------------------------
    def accepted(self, method: str, params: Mapping[str, Any], result: Any) -> None:
        """Record what an accepted call changed (sent/edited messages, answered queries)."""
        if method == "answerCallbackQuery":
            press = self._presses.get(str(params.get("callback_query_id", "")))
            if press is not None:
                press.answered = True
            return
        if not isinstance(result, Mapping) or "message_id" not in result:
            return
        chat_id = _chat_id((result.get("chat") or {}).get("id"))
        if chat_id is None:
            return
        key = (chat_id, int(result["message_id"]))
        parse_mode = params.get("parse_mode")
        markup = markup_key(params.get("reply_markup"))
        if method in _EDITS:
            old = self._sent.get(key)
            if old is None:
                return
            if method == "editMessageText":
                old.content = formatted(str(params.get("text", "")), parse_mode)
            elif method == "editMessageCaption":
                old.content = formatted(str(params.get("caption", "")), parse_mode)
            old.markup = markup
            return
        if method == "sendMessage":
            kind, content = "text", formatted(str(params.get("text", "")), parse_mode)
        elif method in _CAPTIONED:
            kind, content = "caption", formatted(str(params.get("caption") or ""), parse_mode)
        else:  # a location, a poll, a contact: neither text nor caption to edit
            kind, content = "media", ("", ())
        self._sent[key] = _Sent(kind, content, markup)

    def foreign(self, chat_id: int, message_id: int) -> None:
        """A message someone else sent in that chat (the bot may not edit it)."""
        self._sent.setdefault((int(chat_id), int(message_id)), _Sent("foreign", ("", ()), None))

    def knows(self, chat_id: int, message_id: int) -> bool:
        return (int(chat_id), int(message_id)) in self._sent

