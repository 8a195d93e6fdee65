"""Who is pressing: built from the database on every update, so a deactivated
staff member loses access at once."""
from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import Residents, StaffRepo
from tickets.policy import Actor, Role, StaffRole


async def load_actor(
    session: AsyncSession, telegram_id: int, *, name: str = "", admins: Collection[int] = ()
) -> Actor:
    resident = await Residents(session).by_telegram_id(telegram_id)
    rows = await StaffRepo(session).roles_of(telegram_id)
    roles = tuple(
        StaffRole(staff_id=r.id, role=Role(r.role), unit_id=r.unit_id, is_backup=r.is_backup)
        for r in rows
    )
    display = rows[0].name if rows else (resident.name if resident else name)
    return Actor(
        telegram_id=telegram_id,
        name=display or name,
        resident_id=resident.id if resident else None,
        roles=roles,
        is_admin=telegram_id in admins or any(r.role == Role.ADMIN for r in roles),
    )
