"""The organisation file (街道 → 社区 → 网格 with staff): parse it, apply it, show it.

Applying is idempotent: units are matched by code, staff by (Telegram id, unit, role).
Staff of a unit in the file who are no longer listed are deactivated, not deleted,
so their tickets keep their history.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Staff, Unit
from storage.repositories import StaffRepo, Units
from tickets.policy import Role


class Person(BaseModel):
    telegram_id: int = Field(gt=0)
    name: str = Field(min_length=1, max_length=100)
    categories: list[str] | None = None


# Codes travel in deep links (/start <code>): Telegram allows A-Z a-z 0-9 _ - there.
CODE = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")


class GridSpec(BaseModel):
    code: str = CODE
    name: str = Field(min_length=1, max_length=200)
    member: Person | None = None
    backup: Person | None = None


class CommunitySpec(BaseModel):
    code: str = CODE
    name: str = Field(min_length=1, max_length=200)
    cadres: list[Person] = []
    grid: list[GridSpec] = []


class StreetSpec(BaseModel):
    code: str = CODE
    name: str = Field(min_length=1, max_length=200)
    cadres: list[Person] = []
    community: list[CommunitySpec] = []


class OrgSpec(BaseModel):
    street: list[StreetSpec]

    @field_validator("street")
    @classmethod
    def _unique_codes(cls, streets: list[StreetSpec]) -> list[StreetSpec]:
        seen: set[str] = set()
        for code in _codes(streets):
            if code in seen:
                raise ValueError(f"unit code {code!r} appears twice")
            seen.add(code)
        return streets


def _codes(streets: list[StreetSpec]):
    for s in streets:
        yield s.code
        for c in s.community:
            yield c.code
            for g in c.grid:
                yield g.code


class OrgFileError(Exception):
    pass


def parse_org_file(path: Path) -> OrgSpec:
    try:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise OrgFileError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise OrgFileError(f"{path}: not valid TOML: {exc}") from None
    try:
        return OrgSpec.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: {len(exc.errors())} problem(s)"]
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            lines.append(f"  {where}: {err['msg']}")
        raise OrgFileError("\n".join(lines)) from None


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)


async def apply_org(session: AsyncSession, spec: OrgSpec) -> ImportReport:
    report = ImportReport()
    for street in spec.street:
        s = await _unit(session, report, street.code, street.name, "street", None)
        await _staff(session, report, s, Role.STREET_CADRE, [(p, False) for p in street.cadres])
        for community in street.community:
            c = await _unit(session, report, community.code, community.name, "community", s.id)
            await _staff(session, report, c, Role.COMMUNITY_CADRE, [(p, False) for p in community.cadres])
            for grid in community.grid:
                g = await _unit(session, report, grid.code, grid.name, "grid", c.id)
                people = [(p, backup) for p, backup in ((grid.member, False), (grid.backup, True)) if p]
                await _staff(session, report, g, Role.GRID_MEMBER, people)
    await session.flush()
    return report


async def _unit(session, report, code, name, kind, parent_id) -> Unit:
    units = Units(session)
    unit = await units.by_code(code)
    if unit is None:
        unit = Unit(code=code, name=name, kind=kind, parent_id=parent_id, active=True)
        session.add(unit)
        await session.flush()
        report.created.append(f"{kind} {code}")
    elif (unit.name, unit.kind, unit.parent_id, unit.active) != (name, kind, parent_id, True):
        unit.name, unit.kind, unit.parent_id, unit.active = name, kind, parent_id, True
        report.updated.append(f"{kind} {code}")
    return unit


async def _staff(session, report, unit: Unit, role: Role, people: list[tuple[Person, bool]]) -> None:
    repo = StaffRepo(session)
    wanted = set()
    for person, backup in people:
        wanted.add(person.telegram_id)
        row = await repo.find(person.telegram_id, unit.id, role)
        values = (person.name, backup, person.categories, True)
        if row is None:
            session.add(Staff(telegram_id=person.telegram_id, name=person.name, role=role,
                              unit_id=unit.id, is_backup=backup, categories=person.categories, active=True))
            report.created.append(f"{role} {person.name} @ {unit.code}")
        elif (row.name, row.is_backup, row.categories, row.active) != values:
            row.name, row.is_backup, row.categories, row.active = values
            report.updated.append(f"{role} {person.name} @ {unit.code}")
    for row in await repo.in_unit(unit.id, role):
        if row.telegram_id not in wanted:
            row.active = False
            report.deactivated.append(f"{role} {row.name} @ {unit.code}")
    await session.flush()


async def org_tree(session: AsyncSession, bot_username: str | None) -> list[dict[str, Any]]:
    """The organisation as nested dicts, for `gridbot org show` (text and --json)."""
    units = Units(session)
    staff = StaffRepo(session)

    async def people(unit: Unit, role: Role) -> list[dict[str, Any]]:
        return [
            {"name": p.name, "telegram_id": p.telegram_id, "role": role.value, "backup": p.is_backup}
            for p in await staff.in_unit(unit.id, role)
        ]

    tree = []
    for street in await units.of_kind("street"):
        s = {"code": street.code, "name": street.name, "kind": "street",
             "staff": await people(street, Role.STREET_CADRE), "communities": []}
        for community in await units.children(street.id, "community"):
            c = {"code": community.code, "name": community.name, "kind": "community",
                 "staff": await people(community, Role.COMMUNITY_CADRE), "grids": []}
            for grid in await units.children(community.id, "grid"):
                c["grids"].append({
                    "code": grid.code, "name": grid.name, "kind": "grid",
                    "join_link": join_link(bot_username, grid.code),
                    "staff": await people(grid, Role.GRID_MEMBER),
                })
            s["communities"].append(c)
        tree.append(s)
    return tree


def join_link(bot_username: str | None, grid_code: str) -> str:
    return f"https://t.me/{bot_username or '<bot_username>'}?start={grid_code}"
