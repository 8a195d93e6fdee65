"""People the bot cannot reach: they blocked it or deleted their account (403), or never
opened it ("chat not found", the usual case right after an org import). Flag them once;
hand a staff member's open tickets to the backup (else back to the cadre) so no resident
waits on someone who will never see the card; and say so, once, to whoever supervises
them. Writing to the bot again clears the flag."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from organisation.handover import hand_over
from storage.models import Resident, Staff, Unit
from storage.repositories import StaffRepo, Units
from tickets import routing
from tickets.policy import Role

UNREACHABLE_REASON = "无法通过机器人联系（未开通、已屏蔽或已注销）"


@dataclass(frozen=True)
class BlockedNotice:
    chat_id: int  # the supervisor to tell
    name: str  # who blocked the bot
    role: str
    unit_name: str


async def flag_blocked(
    session_factory: async_sessionmaker[AsyncSession], chat_id: int, now: datetime
) -> list[BlockedNotice]:
    """Set blocked_at on every row of this person not yet flagged; notices for their
    supervisors, only for rows flagged now (so a second 403 tells nobody again)."""
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Resident)
            .where(Resident.telegram_id == chat_id, Resident.blocked_at.is_(None))
            .values(blocked_at=now)
            .execution_options(synchronize_session=False)
        )
        flagged = (await session.execute(
            update(Staff)
            .where(Staff.telegram_id == chat_id, Staff.blocked_at.is_(None), Staff.active.is_(True))
            .values(blocked_at=now)
            .returning(Staff.id, Staff.name, Staff.role, Staff.unit_id)
            .execution_options(synchronize_session=False)
        )).all()
        notices: list[BlockedNotice] = []
        seen: set[tuple[int, int]] = set()
        for row in flagged:
            staff = await session.get(Staff, row.id)
            if staff is not None:
                # The hand-over's notices go through the outbox, in this transaction.
                await hand_over(session, staff, now, UNREACHABLE_REASON,
                                old_unit_kind=(await session.get(Unit, row.unit_id)).kind)
            unit = await session.get(Unit, row.unit_id)
            for boss in await _supervisors_of(session, Role(row.role), row.unit_id):
                if boss.telegram_id == chat_id or (boss.telegram_id, row.id) in seen:
                    continue
                seen.add((boss.telegram_id, row.id))
                notices.append(BlockedNotice(boss.telegram_id, row.name, row.role, unit.name if unit else ""))
        return notices


async def _supervisors_of(session: AsyncSession, role: Role, unit_id: int) -> list[Staff]:
    if role == Role.GRID_MEMBER:
        return await routing.supervisors(session, unit_id)
    if role == Role.COMMUNITY_CADRE:
        street = (await Units(session).ancestors(unit_id)).get("street")
        return list(await StaffRepo(session).in_unit(street.id, Role.STREET_CADRE)) if street else []
    return []


async def clear_blocked(session_factory: async_sessionmaker[AsyncSession], chat_id: int) -> None:
    """The person wrote to the bot again: they can be reached."""
    async with session_factory() as session, session.begin():
        for model in (Staff, Resident):
            await session.execute(
                update(model).where(model.telegram_id == chat_id, model.blocked_at.is_not(None))
                .values(blocked_at=None).execution_options(synchronize_session=False)
            )
