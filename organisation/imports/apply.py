"""The organisation (街道 → 社区 → 网格 → 微网格, departments, staff): apply a file, show it.

Applying is idempotent: units are matched by code, staff by (Telegram id, unit, role).
A person the file lists in another unit of the same role is moved (their row follows
them), not duplicated; one no longer listed is deactivated, not deleted, so tickets
keep their history. Either way their open tickets are handed over (organisation.handover).
Units the file does not mention are left as they are.

The file formats live in organisation.imports.spec (TOML) and organisation.imports.sheet (CSV, XLSX).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from organisation.handover import HandedOver, hand_over
from organisation.imports import spec as S
from organisation.imports.spec import (
    OrgSpec,
    Person,
)
from organisation.invites import join_link
from storage.models import Staff, Unit
from storage.repositories import StaffRepo, Units
from tickets.policy import Role


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    handed_over: list[HandedOver] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated or self.moved)

    def summary(self) -> dict[str, Any]:
        return {"created": len(self.created), "updated": len(self.updated), "moved": self.moved,
                "deactivated": self.deactivated, "handed_over": len(self.handed_over),
                "returned": sum(1 for h in self.handed_over if h.returned)}


# (unit id, role, is_backup or None for any): a group of staff the file speaks for.
Slot = tuple[int, str, bool | None]
Key = tuple[int, int, str]  # (telegram id, unit id, role)


@dataclass
class _Plan:
    slots: set[Slot] = field(default_factory=set)
    wanted: dict[Key, tuple[Person, bool]] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)  # unit id -> kind
    codes: dict[int, str] = field(default_factory=dict)  # unit id -> code
    progress: Callable[[], None] = lambda: None  # one more step done

    def want(self, unit: Unit, role: Role, people: list[tuple[Person, bool]], slot_backup: bool | None) -> None:
        self.slots.add((unit.id, role.value, slot_backup))
        for person, backup in people:
            self.wanted[(person.telegram_id, unit.id, role.value)] = (person, backup)

    def covers(self, row: Staff) -> bool:
        return (row.unit_id, row.role, None) in self.slots or (row.unit_id, row.role, row.is_backup) in self.slots


async def apply_org(session: AsyncSession, spec: OrgSpec, *, now: datetime | None = None,
                    reason: str = "", on_progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """`reason`: the note on tickets handed over (shown in their history). `on_progress(done,
    total)`: called after each unit, after the staff and after each hand-over of a leaver's
    tickets; `total` grows once the leavers are known, `done` ends at the final `total`."""
    now = now or datetime.now(timezone.utc)
    report = ImportReport()
    total = _unit_count(spec) + 1
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    plan = _Plan(progress=step)
    m = spec.manages
    for street in spec.street:
        s = await _unit(session, report, plan, street, "street", None)
        if S.STREET_CADRES in m:
            plan.want(s, Role.STREET_CADRE, [(p, False) for p in street.cadres], None)
        for dept in street.department:
            d = await _unit(session, report, plan, dept, "department", s.id)
            if S.DEPARTMENT_CONTACTS in m:
                plan.want(d, Role.DEPARTMENT, [(p, False) for p in dept.contacts], None)
        for community in street.community:
            c = await _unit(session, report, plan, community, "community", s.id)
            if S.COMMUNITY_CADRES in m:
                plan.want(c, Role.COMMUNITY_CADRE, [(p, False) for p in community.cadres], None)
            for grid in community.grid:
                g = await _unit(session, report, plan, grid, "grid", c.id)
                if S.GRID_MEMBERS in m:
                    plan.want(g, Role.GRID_MEMBER, [(grid.member, False)] if grid.member else [], False)
                if S.GRID_BACKUPS in m:
                    plan.want(g, Role.GRID_MEMBER, [(grid.backup, True)] if grid.backup else [], True)
                for micro in grid.micro:
                    u = await _unit(session, report, plan, micro, "micro_grid", g.id)
                    if S.MICRO_MEMBERS in m:
                        plan.want(u, Role.GRID_MEMBER, [(micro.member, False)] if micro.member else [], None)
    await session.flush()
    leavers = await _apply_staff(session, report, plan)
    await session.flush()
    total += len(leavers)
    step()
    for row, old_kind, new_unit in leavers:
        report.handed_over += await hand_over(session, row, now, reason, old_unit_kind=old_kind, keep_unit_id=new_unit)
        step()
    await session.flush()
    return report


def _unit_count(spec: OrgSpec) -> int:
    return sum(1 + len(street.department) + sum(1 + sum(1 + len(grid.micro) for grid in community.grid)
                                                for community in street.community)
               for street in spec.street)


async def _unit(session: AsyncSession, report: ImportReport, plan: _Plan, spec: Any, kind: str,
                parent_id: int | None) -> Unit:
    unit = await Units(session).by_code(spec.code)
    if unit is None and spec.derived_code:
        unit = (await session.execute(select(Unit).where(
            Unit.kind == kind, Unit.name == spec.name,
            Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id,
        ).order_by(Unit.id).limit(1))).scalar_one_or_none()
    boundary = getattr(spec, "boundary", None)
    if unit is None:
        unit = Unit(code=spec.code, name=spec.name, kind=kind, parent_id=parent_id, active=True, boundary=boundary)
        session.add(unit)
        await session.flush()
        report.created.append(f"{kind} {spec.code}")
    else:
        before = (unit.name, unit.kind, unit.parent_id, unit.active, unit.boundary)
        unit.name, unit.kind, unit.parent_id, unit.active = spec.name, kind, parent_id, True
        if boundary is not None:  # no boundary in the file: keep the one stored
            unit.boundary = boundary
        if (unit.name, unit.kind, unit.parent_id, unit.active, unit.boundary) != before:
            report.updated.append(f"{kind} {spec.code}")
    plan.kinds[unit.id] = kind
    plan.codes[unit.id] = unit.code
    plan.progress()
    return unit


def _label(role: str, name: str, code: str) -> str:
    return f"{role} {name} @ {code}"


async def _apply_staff(session: AsyncSession, report: ImportReport, plan: _Plan) -> list[tuple[Staff, str, int | None]]:
    """Create, update, move and deactivate; returns (row, old unit kind, new unit or None)
    for everyone whose open tickets must be handed over."""
    unit_ids = {slot[0] for slot in plan.slots}
    rows = (await session.execute(select(Staff).where(Staff.unit_id.in_(unit_ids)))).scalars().all() if unit_ids else []
    by_key = {(r.telegram_id, r.unit_id, r.role): r for r in rows}
    leaving = [r for r in rows if r.active and plan.covers(r) and (r.telegram_id, r.unit_id, r.role) not in plan.wanted]
    handovers: list[tuple[Staff, str, int | None]] = []
    for key, (person, backup) in plan.wanted.items():
        tg, unit_id, role = key
        code = plan.codes[unit_id]
        row = by_key.get(key)
        mover = next((r for r in leaving if r.telegram_id == tg and r.role == role), None)
        if row is None and mover is not None:
            # The same person and role elsewhere: their row follows them.
            leaving.remove(mover)
            old = plan.codes.get(mover.unit_id, str(mover.unit_id))
            handovers.append((mover, plan.kinds.get(mover.unit_id, "grid"), unit_id))
            mover.unit_id = unit_id
            _update(mover, person, backup)
            report.moved.append(f"{role} {person.name}: {old} → {code}")
            continue
        if row is None:
            session.add(Staff(telegram_id=tg, name=person.name, role=role, unit_id=unit_id, is_backup=backup,
                              categories=person.categories, active=True))
            report.created.append(_label(role, person.name, code))
            continue
        if mover is not None and not row.active:
            # They held this place before (an inactive row): take it up again, leave the other.
            leaving.remove(mover)
            mover.active = False
            handovers.append((mover, plan.kinds.get(mover.unit_id, "grid"), unit_id))
            report.moved.append(f"{role} {person.name}: {plan.codes.get(mover.unit_id, mover.unit_id)} → {code}")
            _update(row, person, backup)
            continue
        if _update(row, person, backup):
            report.updated.append(_label(role, person.name, code))
    for row in leaving:
        row.active = False
        report.deactivated.append(_label(row.role, row.name, plan.codes.get(row.unit_id, str(row.unit_id))))
        handovers.append((row, plan.kinds.get(row.unit_id, "grid"), None))
    return handovers


def _update(row: Staff, person: Person, backup: bool) -> bool:
    values = (person.name, backup, person.categories, True)
    if (row.name, row.is_backup, row.categories, row.active) == values:
        return False
    row.name, row.is_backup, row.categories, row.active = values
    return True


async def org_tree(session: AsyncSession, bot_username: str | None) -> list[dict[str, Any]]:
    """The organisation as nested dicts, for `gridbot org show` (text and --json)."""
    units = Units(session)
    staff = StaffRepo(session)

    async def people(unit: Unit, role: Role) -> list[dict[str, Any]]:
        return [
            {"name": p.name, "telegram_id": p.telegram_id, "role": role.value, "backup": p.is_backup}
            for p in await staff.in_unit(unit.id, role)
        ]

    def place(unit: Unit, kind: str) -> dict[str, Any]:
        return {"code": unit.code, "name": unit.name, "kind": kind}

    tree = []
    for street in await units.of_kind("street"):
        s = {**place(street, "street"), "staff": await people(street, Role.STREET_CADRE), "communities": [],
             "departments": [{**place(d, "department"), "staff": await people(d, Role.DEPARTMENT)}
                             for d in await units.children(street.id, "department")]}
        for community in await units.children(street.id, "community"):
            c = {**place(community, "community"), "staff": await people(community, Role.COMMUNITY_CADRE), "grids": []}
            for grid in await units.children(community.id, "grid"):
                c["grids"].append({
                    **place(grid, "grid"),
                    "join_link": join_link(bot_username, grid.code),
                    "boundary": grid.boundary is not None,
                    "staff": await people(grid, Role.GRID_MEMBER),
                    "micro_grids": [
                        {**place(m, "micro_grid"), "join_link": join_link(bot_username, m.code),
                         "boundary": m.boundary is not None, "staff": await people(m, Role.GRID_MEMBER)}
                        for m in await units.children(grid.id, "micro_grid")
                    ],
                })
            s["communities"].append(c)
        tree.append(s)
    return tree
