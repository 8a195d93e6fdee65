"""Which language each person reads: the one chosen with /lang, else their Telegram
client's, else the bot's default (zh_CN).

What Telegram says is remembered too (only when it differs from the default, so most
people cost no write): a notice someone else's action sends to a person, or a reminder
from the scheduler, then reaches them in the language they read the bot in, even if they
never typed /lang. Pure workflow: no aiogram.
"""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import nullcontext
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import updates
from storage.user_settings import UserSettings

DEFAULT_LOCALE = "zh_CN"
SUPPORTED = ("zh_CN", "en")
# What people (and settings.language) may call a language; keys are lower case.
ALIASES = {
    "zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "zh-hans": "zh_CN", "cn": "zh_CN", "chinese": "zh_CN",
    "中文": "zh_CN", "汉语": "zh_CN", "简体中文": "zh_CN",
    "en": "en", "en_us": "en", "en-us": "en", "en_gb": "en", "en-gb": "en", "english": "en", "英文": "en", "英语": "en",
}
MAX_CACHED = 50_000  # people remembered at once; beyond it the cache starts over rather than grow
# Rows are kept only for people whose language is not the default, so the table is small:
# up to this many, it is read whole (one query per ttl) and someone without a row is known
# to read the default, with no query for each person's first message.
WHOLE_TABLE = 5_000


def parse_locale(value: str | None) -> str | None:
    """A supported locale from what a person or the config wrote ("zh", "English", "中文"), or None."""
    return ALIASES.get((value or "").strip().lower())


def from_telegram(code: str | None, default: str = DEFAULT_LOCALE) -> str | None:
    """Telegram's language_code ("zh-hans", "en-GB", "ru") as a supported locale; None if absent.
    Chinese and every language without a catalog get the default: the bot's first language."""
    if not code:
        return None
    return "en" if code.strip().lower().startswith("en") else default


class LanguagePrefs:
    """Locales by Telegram id, cached for `ttl` seconds (another process's /lang shows up
    after that; this process's at once). One instance per process: the Dispatcher and the
    scheduler share it."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        default: str = DEFAULT_LOCALE,
        write_lock: Any = None,
        ttl: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.sf = session_factory
        self.default = default if default in SUPPORTED else DEFAULT_LOCALE
        self.write_lock = write_lock  # SQLite's one writer: queue with the workflow's writes
        self.ttl = ttl
        self.monotonic = monotonic
        self.clock = clock  # when a choice was made, as stored
        self._cache: dict[int, tuple[str, bool, float]] = {}
        self._whole_until = -1.0  # until then the whole table is in the cache (WHOLE_TABLE)
        self._whole = True  # False once the table was found too big to read whole
        # Called with the Telegram id after this process wrote a choice: tells the other
        # instances to forget theirs (bot.coordination.CacheSync).
        self.on_change: Callable[[int], Awaitable[None]] | None = None

    # -- the cache -----------------------------------------------------------------------
    def _get(self, telegram_id: int) -> tuple[str, bool] | None:
        hit = self._cache.get(telegram_id)
        now = self.monotonic()
        if hit is None or hit[2] < now:
            if self._whole_until >= now:  # everyone with a row is cached: no row, the default
                return self.default, False
            return None
        return hit[0], hit[1]

    def _put(self, telegram_id: int, locale: str, chosen: bool) -> None:
        now = self.monotonic()
        if len(self._cache) >= MAX_CACHED and telegram_id not in self._cache:
            self._cache = {k: v for k, v in self._cache.items() if v[2] >= now}
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
        self._cache[telegram_id] = (locale, chosen, now + self.ttl)

    def forget(self, telegram_id: int | None = None) -> None:
        """Drop one person (or everyone) from the cache."""
        self._whole_until = -1.0  # an outside change: ask the database again
        if telegram_id is None:
            self._cache.clear()
        else:
            self._cache.pop(telegram_id, None)

    # -- the database --------------------------------------------------------------------
    async def _load(self, telegram_ids: Iterable[int]) -> dict[int, tuple[str, bool]]:
        ids = list(telegram_ids)
        async with self.sf() as session:
            if self._whole:
                now = self.monotonic()
                rows = await UserSettings(session).all_languages(WHOLE_TABLE + 1)
                if len(rows) <= WHOLE_TABLE:
                    for tid, (locale, chosen) in rows.items():
                        if locale in SUPPORTED:
                            self._put(tid, locale, chosen)
                    self._whole_until = now + self.ttl
                    return {tid: self._get(tid) or (self.default, False) for tid in ids}
                self._whole = False  # too many to read whole: one query per look-up, as asked
            rows = await UserSettings(session).languages(ids)
        found = {}
        for tid in ids:
            locale, chosen = rows.get(tid, (self.default, False))
            if locale not in SUPPORTED:  # a catalog was withdrawn: fall back rather than fail
                locale, chosen = self.default, False
            self._put(tid, locale, chosen)
            found[tid] = (locale, chosen)
        return found

    async def _write(self, telegram_id: int, locale: str, chosen: bool) -> None:
        async with self.write_lock or nullcontext():
            async with self.sf() as session, session.begin():
                updates.unrecorded(session)  # noted on the way in, not a command's effect
                await UserSettings(session).set_language(
                    telegram_id, locale, chosen=chosen, now=self.clock())
        self._put(telegram_id, locale, chosen)
        if self.on_change is not None:
            await self.on_change(telegram_id)

    # -- what callers ask ----------------------------------------------------------------
    async def locale_for(self, telegram_id: int, language_code: str | None) -> str:
        """The locale to answer this person in, given the language_code of their update."""
        seen = from_telegram(language_code, self.default)
        current = self._get(telegram_id) or (await self._load([telegram_id]))[telegram_id]
        locale, chosen = current
        if chosen or seen is None or seen == locale:
            return locale
        await self._write(telegram_id, seen, chosen=False)
        return seen

    async def of(self, telegram_ids: Iterable[int]) -> dict[int, str]:
        """Each recipient's locale: one query for all those not cached."""
        out: dict[int, str] = {}
        missing = []
        for tid in dict.fromkeys(telegram_ids):
            hit = self._get(tid)
            if hit is None:
                missing.append(tid)
            else:
                out[tid] = hit[0]
        if missing:
            out.update({tid: locale for tid, (locale, _) in (await self._load(missing)).items()})
        return out

    async def choose(self, telegram_id: int, locale: str) -> None:
        """/lang: stored as a choice, which Telegram's language no longer overrides."""
        if locale not in SUPPORTED:
            raise ValueError(f"unsupported locale {locale!r}")
        await self._write(telegram_id, locale, chosen=True)
