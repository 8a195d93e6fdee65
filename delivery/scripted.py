"""Play a conversation through a Dispatcher with a RecordingSession: people write and
press buttons, and we read what the bot sent to whom. Used by `gridbot demo` and tests."""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update

from delivery.offline import RecordingSession, Request


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str = "居民"


def buttons(request: Request) -> list[tuple[str, str]]:
    markup = request.data.get("reply_markup") or {}
    return [
        (b.get("text", ""), b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


_UPDATE_IDS = itertools.count(1)
_MESSAGE_IDS = itertools.count(10_000)


class Conversation:
    def __init__(self, dp: Dispatcher, bot: Bot, session: RecordingSession,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.dp = dp
        self.clock = clock  # the updates' dates: a test's clock, or the demo's real one
        self.bot = bot
        self.session = session
        # Shared by every conversation of the process: two on one database (a restart in a
        # test) must not look like Telegram replaying the first one's updates.
        self._update_ids = _UPDATE_IDS
        self._message_ids = _MESSAGE_IDS
        self._callback_ids = itertools.count(1)
        self.last_update: dict[str, Any] = {}

    # -- building updates ------------------------------------------------------------
    @staticmethod
    def _user(p: Person) -> dict[str, Any]:
        return {"id": p.id, "is_bot": False, "first_name": p.name, "language_code": "zh-hans"}

    def _message(self, p: Person, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(self.clock().timestamp()),
            "chat": {"id": p.id, "type": "private", "first_name": p.name},
            "from": self._user(p),
            **content,
        }

    async def feed(self, update: dict[str, Any]) -> list[Request]:
        before = len(self.session.requests)
        update = {"update_id": next(self._update_ids), **update}
        self.last_update = update
        self.session.observe(update)  # as Telegram learns that this person started the bot
        await self.dp.feed_update(self.bot, Update.model_validate(update, context={"bot": self.bot}))
        return self.session.requests[before:]

    async def replay(self, update: dict[str, Any] | None = None) -> list[Request]:
        """Telegram sends an update again, update_id and all (the last one by default)."""
        return await self.feed(dict(update or self.last_update))

    # -- what people do ----------------------------------------------------------------
    async def say(self, p: Person, text: str, *, message_id: int | None = None) -> list[Request]:
        msg = self._message(p, text=text)
        if message_id is not None:
            msg["message_id"] = message_id
        if text.startswith("/"):
            command = text.split()[0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self.feed({"message": msg})

    async def photo(self, p: Person, file_id: str, caption: str = "", album: str | None = None) -> list[Request]:
        """A photo; with `album`, one photo of an album (Telegram's media_group_id)."""
        sizes = [{"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 1280, "height": 960}]
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        if album:
            content["media_group_id"] = album
        return await self.feed({"message": self._message(p, **content)})

    async def location(self, p: Person, latitude: float, longitude: float) -> list[Request]:
        return await self.feed({"message": self._message(p, location={"latitude": latitude, "longitude": longitude})})

    async def sticker(self, p: Person) -> list[Request]:
        sticker = {"file_id": "stk", "file_unique_id": "ustk", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False}
        return await self.feed({"message": self._message(p, sticker=sticker)})

    async def voice(self, p: Person) -> list[Request]:
        voice = {"file_id": "vc", "file_unique_id": "uvc", "duration": 4}
        return await self.feed({"message": self._message(p, voice=voice)})

    def _message_with(self, p: Person, data: str) -> dict[str, Any] | None:
        """The newest message sent to p carrying a button with this data (else the newest)."""
        sent = [r for r in self.session.sent(chat_id=p.id)
                if isinstance(r.result, dict) and "message_id" in r.result]
        for request in reversed(sent):
            if any(d == data for _, d in buttons(request)):
                return request.result
        return sent[-1].result if sent else None

    async def press_data(self, p: Person, data: str, message_id: int | None = None) -> list[Request]:
        """Press a button with this callback data; on message_id, else on the newest message
        sent to p that carries it (else the newest message sent to p)."""
        if message_id is None:
            found = self._message_with(p, data)
            message_id = found["message_id"] if found else 1
        query = {
            "id": str(next(self._callback_ids)),
            "from": self._user(p),
            "chat_instance": "ci",
            "data": data,
            "message": self.session.factory.find(p.id, message_id) or {
                "message_id": message_id,
                "date": int(self.clock().timestamp()),
                "chat": {"id": p.id, "type": "private", "first_name": p.name},
                "text": "…",
            },
        }
        return await self.feed({"callback_query": query})

    async def press(self, p: Person, label: str) -> list[Request]:
        """Press the newest button with this label that the bot sent to this person."""
        for request in reversed(self.session.sent(chat_id=p.id)):
            for text, data in buttons(request):
                if label in text:
                    message_id = request.result.get("message_id") if isinstance(request.result, dict) else None
                    return await self.press_data(p, data, message_id)
        raise LookupError(f"no button {label!r} was sent to {p.name}")

    # -- reading ---------------------------------------------------------------------------
    def texts_to(self, p: Person, requests: list[Request] | None = None) -> list[str]:
        pool = requests if requests is not None else self.session.sent(chat_id=p.id)
        return [r.text or "" for r in pool if r.chat_id == p.id and r.text]

    @staticmethod
    def alerts(requests: list[Request]) -> list[str]:
        return [r.data.get("text", "") for r in requests if r.method == "answerCallbackQuery" and r.data.get("text")]
