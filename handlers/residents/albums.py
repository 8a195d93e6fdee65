"""An album is one report: Telegram delivers five photos sent together as five messages
sharing a media_group_id, only one of them with the caption. They are gathered for a
moment after the last one arrives, then submitted once, with every photo and one
acknowledgement (or one "请用文字描述" if no photo carried a caption).

One collector per Dispatcher (bot.app puts it in the Dispatcher's data as `albums`).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiogram.types import Message

from storage import updates

log = logging.getLogger(__name__)

QUIET_SECONDS = 1.2  # Telegram delivers an album's messages within a fraction of a second


@dataclass
class Album:
    first: Message
    photos: list[str] = field(default_factory=list)
    caption: str = ""
    task: asyncio.Task | None = None


class AlbumCollector:
    def __init__(self, quiet: float = QUIET_SECONDS) -> None:
        self.quiet = quiet
        self._open: dict[tuple[int, str], Album] = {}

    def add(self, message: Message, flush: Callable[[Message, tuple[str, ...], str], Awaitable[None]]) -> None:
        """Keep this photo; `flush(first_message, photos, caption)` runs once, after the
        album has been quiet for a moment."""
        # Submitted after a pause, in a task of its own: a crash meanwhile must leave the
        # photos' updates to be handled again, not recorded as done.
        updates.leave_unrecorded()
        key = (message.chat.id, message.media_group_id or "")
        album = self._open.get(key)
        if album is None:
            album = self._open[key] = Album(first=message)
        if message.photo:
            album.photos.append(message.photo[-1].file_id)
        if message.caption and not album.caption:
            album.caption = message.caption.strip()
        if album.task is not None:
            album.task.cancel()  # another photo came: wait again
        album.task = asyncio.ensure_future(self._later(key, flush))

    async def _later(self, key: tuple[int, str],
                     flush: Callable[[Message, tuple[str, ...], str], Awaitable[None]]) -> None:
        await asyncio.sleep(self.quiet)
        album = self._open.pop(key, None)
        if album is None:
            return
        try:
            await flush(album.first, tuple(album.photos), album.caption)
        except Exception:  # noqa: BLE001 - logged; one album must not stop the bot
            log.exception("album report failed")

    async def drain(self) -> None:
        """Wait for albums in progress (tests, shutdown)."""
        while self._open:
            tasks = [a.task for a in self._open.values() if a.task is not None]
            await asyncio.gather(*tasks, return_exceptions=True)
