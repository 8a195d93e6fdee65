"""Reads and writes of user_settings. Like the other repositories: add, flush, query; never commit."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import UserSetting


class UserSettings:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def languages(self, telegram_ids: Collection[int]) -> dict[int, tuple[str, bool]]:
        """telegram_id -> (language, chosen) for those who have a row."""
        if not telegram_ids:
            return {}
        q = select(UserSetting.telegram_id, UserSetting.language, UserSetting.chosen).where(
            UserSetting.telegram_id.in_(list(telegram_ids))
        )
        return {tid: (lang, bool(chosen)) for tid, lang, chosen in (await self.s.execute(q)).all()}

    async def all_languages(self, limit: int) -> dict[int, tuple[str, bool]]:
        """Every row (at most `limit`): telegram_id -> (language, chosen)."""
        q = select(UserSetting.telegram_id, UserSetting.language, UserSetting.chosen).limit(limit)
        return {tid: (lang, bool(chosen)) for tid, lang, chosen in (await self.s.execute(q)).all()}

    async def set_language(self, telegram_id: int, language: str, *, chosen: bool, now: datetime) -> None:
        """Insert or update in one statement: two updates of one person may race."""
        if self.s.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(UserSetting).values(telegram_id=telegram_id, language=language, chosen=chosen, updated_at=now)
        values = {"language": stmt.excluded.language, "chosen": stmt.excluded.chosen,
                  "updated_at": stmt.excluded.updated_at}
        where = None
        if not chosen:
            # A language taken from Telegram never overrides one chosen with /lang.
            where = UserSetting.chosen.is_(False)
        await self.s.execute(stmt.on_conflict_do_update(index_elements=["telegram_id"], set_=values, where=where))
