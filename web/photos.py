"""Ticket photos for the browser: fetched through the Bot API by file id (getFile, then the
file), once, and kept on disk under a hash of the id."""
from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class PhotoCache:
    def __init__(self, bot: Any, folder: Path) -> None:
        self.bot = bot  # aiogram Bot (the notifier's)
        self.folder = Path(folder)
        self._locks: dict[str, asyncio.Lock] = {}

    def path(self, file_id: str) -> Path:
        return self.folder / (hashlib.sha256(file_id.encode()).hexdigest() + ".jpg")

    async def get(self, file_id: str) -> Path | None:
        """The photo's file on disk, or None when Telegram cannot give it now."""
        path = self.path(file_id)
        if path.is_file():
            return path
        lock = self._locks.setdefault(file_id, asyncio.Lock())
        async with lock:
            if path.is_file():
                return path
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                file = await self.bot.get_file(file_id)
                partial = path.with_suffix(".part")
                await self.bot.download_file(file.file_path, destination=partial)
                partial.replace(path)
            except Exception:  # noqa: BLE001 - a missing photo must not break the page
                log.warning("could not fetch a ticket photo through the Bot API", exc_info=True)
                return None
            finally:
                self._locks.pop(file_id, None)
        return path
