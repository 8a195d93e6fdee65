"""What Telegram answers, as JSON: getMe, Chat objects, the Message a send* or edit* call
returns (kept, so an edit returns the whole edited message), getFile. Shared by the
offline session (delivery.offline) and the tests' HTTP Bot API server."""
from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable
from typing import Any

BOT_USERNAME = "gridbot_test_bot"

# sendChatAction starts with "send" but makes no message.
_NOT_MESSAGES = {"sendChatAction", "sendMediaGroup", "sendInvoice", "sendGift"}


def is_message_method(method: str) -> bool:
    """True for the API methods whose answer is a (new or edited) Message."""
    if method in _NOT_MESSAGES:
        return False
    return method.startswith(("send", "editMessage", "stopMessageLiveLocation")) or method in {
        "forwardMessage",
    }


def bot_user(bot_id: int, username: str = BOT_USERNAME) -> dict[str, Any]:
    """The getMe answer for a bot with this id."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": "Gridbot",
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def chat_json(chat_id: int | str) -> dict[str, Any]:
    """A Chat object for an id: positive ids are private chats, negative ones groups."""
    if isinstance(chat_id, str):
        if chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        else:  # "@channel": Chat.id must be an int, so derive a stable one
            return {
                "id": -1_000_000_000_000 - zlib.crc32(chat_id.encode()),
                "type": "channel",
                "title": chat_id,
                "username": chat_id.lstrip("@"),
            }
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


class MessageFactory:
    """Builds the Message JSON Telegram answers for send*/edit* calls.

    It keeps what it sent, so an edit returns the whole edited message and a pushed
    callback can carry the message its button sits on. Shared with the fake HTTP server.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last_id = 0
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}

    def next_message_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def now(self) -> int:
        return int(self._clock())

    def result(self, method: str, data: dict[str, Any], me: dict[str, Any]) -> dict[str, Any] | bool:
        """The answer for a message method (see is_message_method)."""
        if method.startswith(("editMessage", "stopMessage")):
            if data.get("inline_message_id"):
                return True  # Telegram answers True for inline messages
            return self._edit(method, data, me)
        message = {
            "message_id": self.next_message_id(),
            "date": self.now(),
            "chat": chat_json(data.get("chat_id", 0)),
            "from": me,
        }
        message.update(self._content(method, data))
        self.remember(message)
        return message

    def remember(self, message: dict[str, Any]) -> None:
        self.messages[(message["chat"]["id"], message["message_id"])] = message

    def find(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return self.messages.get((chat_id, message_id))

    def _edit(self, method: str, data: dict[str, Any], me: dict[str, Any]) -> dict[str, Any]:
        chat = chat_json(data.get("chat_id", 0))
        message_id = int(data.get("message_id") or 0)
        old = self.messages.get((chat["id"], message_id)) or {
            "message_id": message_id,
            "date": self.now(),
            "chat": chat,
            "from": me,
        }
        new = dict(old, edit_date=self.now())
        if method == "editMessageText":
            new["text"] = data.get("text", "")
        elif method == "editMessageCaption":
            new["caption"] = data.get("caption", "")
        elif method == "editMessageLiveLocation":
            new["location"] = _location(data)
        # Any edit without a keyboard removes the one the message had, as on Telegram.
        new.pop("reply_markup", None)
        if markup := _inline_markup(data):
            new["reply_markup"] = markup
        self.remember(new)
        return new

    def _content(self, method: str, data: dict[str, Any]) -> dict[str, Any]:
        n = self._last_id
        out: dict[str, Any] = {}
        for key in ("text", "caption"):
            if data.get(key):
                out[key] = data[key]
        if method == "sendPhoto":
            file_id = _file_id(data.get("photo"), f"photo-{n}")
            out["photo"] = [
                {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 90, "height": 90},
                {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 800, "height": 800},
            ]
        elif method == "sendDocument":
            file_id = _file_id(data.get("document"), f"document-{n}")
            out["document"] = {"file_id": file_id, "file_unique_id": f"u{file_id}"}
        elif method == "sendLocation":
            out["location"] = _location(data)
        elif method == "sendPoll":
            out["poll"] = _poll(data, n)
        if markup := _inline_markup(data):
            out["reply_markup"] = markup
        return out


def file_json(file_id: str) -> dict[str, Any]:
    """A getFile answer."""
    return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": 20, "file_path": f"files/{file_id}"}


def _file_id(value: Any, fallback: str) -> str:
    # An uploaded file ("attach://…") gets a made-up id; a file_id or URL is echoed back.
    if isinstance(value, str) and value and not value.startswith("attach://"):
        return value
    return fallback


def _location(data: dict[str, Any]) -> dict[str, float]:
    return {"latitude": float(data.get("latitude", 0)), "longitude": float(data.get("longitude", 0))}


def _inline_markup(data: dict[str, Any]) -> dict[str, Any] | None:
    markup = data.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    # Message.reply_markup can only be an inline keyboard; reply keyboards are not echoed.
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


def _poll(data: dict[str, Any], n: int) -> dict[str, Any]:
    options = data.get("options") or []
    if isinstance(options, str):
        options = json.loads(options)
    texts = [o["text"] if isinstance(o, dict) else str(o) for o in options]
    return {
        "id": f"poll-{n}",
        "question": data.get("question", ""),
        "options": [
            {"persistent_id": str(i), "text": t, "voter_count": 0} for i, t in enumerate(texts)
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": bool(data.get("is_anonymous", True)),
        "type": data.get("type") or "regular",
        "allows_multiple_answers": bool(data.get("allows_multiple_answers", False)),
        "allows_revoting": bool(data.get("allows_revoting", False)),
        "members_only": False,
    }
