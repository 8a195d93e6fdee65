"""The organisation from a spreadsheet, in the shape cadres keep it: one row per grid.

Columns (Chinese or English headers; order free; case, spaces and _ ignored):

| column | also | required |
|---|---|---|
| 街道 | street | yes |
| 街道编码 | street_code | no: made from the name |
| 社区 | community | yes |
| 社区编码 | community_code | no: made from the names |
| 网格编码 | grid_code | yes |
| 网格名称 | grid_name | yes |
| 网格员, 网格员TG | member, member_tg | together |
| 备岗, 备岗TG | backup, backup_tg | together |
| 社区干部, 社区干部TG | community_cadres, community_cadres_tg | several: 、 , ; between |
| 街道干部, 街道干部TG | street_cadres, street_cadres_tg | several |

A workbook may add a sheet 部门 (departments: 街道, 街道编码, 部门编码, 部门名称, 联系人,
联系人TG; one row per department or per contact) and a sheet 微网格 (网格编码, 微网格编码,
微网格名称, 微网格员, 微网格员TG). A CSV file holds grids, or departments (told by its
header). A missing staff column leaves those staff as they are; an empty cell under a
present column means nobody.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from organisation.imports import spec as S
from organisation.imports.errors import OrgFileError
from organisation.imports.sheettable import Table, aliases, bounded, csv_rows, norm

SUFFIXES = (".csv", ".xlsx", ".xlsm")
MAX_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS = 30

GRID_COLUMNS = {
    "street": ("街道", "街道名称", "street", "street_name"),
    "street_code": ("街道编码", "街道代码", "street_code"),
    "community": ("社区", "社区名称", "community", "community_name"),
    "community_code": ("社区编码", "社区代码", "community_code"),
    "grid_code": ("网格编码", "网格编号", "网格代码", "grid_code"),
    "grid_name": ("网格名称", "网格", "grid_name", "grid"),
    "member": ("网格员", "网格员姓名", "member", "grid_member"),
    "member_tg": ("网格员tg", "网格员telegram", "member_tg", "member_telegram_id"),
    "backup": ("备岗", "备岗网格员", "备岗姓名", "backup"),
    "backup_tg": ("备岗tg", "备岗telegram", "backup_tg", "backup_telegram_id"),
    "community_cadres": ("社区干部", "community_cadres", "community_cadre"),
    "community_cadres_tg": ("社区干部tg", "community_cadres_tg", "community_cadre_tg"),
    "street_cadres": ("街道干部", "street_cadres", "street_cadre"),
    "street_cadres_tg": ("街道干部tg", "street_cadres_tg", "street_cadre_tg"),
}
DEPARTMENT_COLUMNS = {
    "street": GRID_COLUMNS["street"],
    "street_code": GRID_COLUMNS["street_code"],
    "code": ("部门编码", "部门代码", "department_code", "dept_code"),
    "name": ("部门名称", "部门", "department", "department_name", "dept_name"),
    "contact": ("联系人", "部门联络人", "contact", "contacts"),
    "contact_tg": ("联系人tg", "contact_tg", "contacts_tg"),
}
MICRO_COLUMNS = {
    "grid_code": GRID_COLUMNS["grid_code"],
    "code": ("微网格编码", "微网格编号", "micro_code", "micro_grid_code"),
    "name": ("微网格名称", "微网格", "micro_name", "micro_grid_name"),
    "member": ("微网格员", "micro_member"),
    "member_tg": ("微网格员tg", "micro_member_tg"),
}
SHEET_NAMES = {"grids": ("网格", "grids", "grid"), "departments": ("部门", "departments"),
               "micro": ("微网格", "micro_grids", "micro")}
_SPLIT = re.compile(r"[、,，;；/\n]+")


def derived_code(prefix: str, *names: str) -> str:
    """A stable code for a unit the sheet names but does not code."""
    return f"{prefix}-" + hashlib.sha1("/".join(names).encode("utf-8")).hexdigest()[:10]


# -- cells ---------------------------------------------------------------------------------


def _code(t: Table, n: int, values: list[str], key: str) -> str | None:
    code = t.get(values, key)
    if not code:
        t.problem(n, key, "empty")
        return None
    if not re.fullmatch(S.CODE_PATTERN[1:-1], code):
        t.problem(n, key, f"{code!r}: use 1-64 of A-Z a-z 0-9 _ - (it goes into the QR link)")
        return None
    try:
        return S.check_code(code)
    except ValueError as exc:
        t.problem(n, key, str(exc))
        return None


def _name(t: Table, n: int, values: list[str], key: str, limit: int = 200) -> str | None:
    name = t.get(values, key)
    if not name:
        t.problem(n, key, "empty")
        return None
    if len(name) > limit:
        t.problem(n, key, f"longer than {limit} characters")
        return None
    return name


def _telegram_id(t: Table, n: int, key: str, raw: str) -> int | None:
    if not re.fullmatch(r"\d{1,16}", raw) or not 0 < int(raw) < S.MAX_TELEGRAM_ID:
        t.problem(n, key, f"{raw!r} is not a Telegram user id (a number; the person sends /start to @userinfobot)")
        return None
    return int(raw)


def _people(t: Table, n: int, values: list[str], name_key: str, tg_key: str, many: bool = False) -> list[S.Person] | None:
    names_raw, ids_raw = t.get(values, name_key), t.get(values, tg_key)
    names = [x.strip() for x in _SPLIT.split(names_raw) if x.strip()] if many else ([names_raw] if names_raw else [])
    ids = [x.strip() for x in _SPLIT.split(ids_raw) if x.strip()] if many else ([ids_raw] if ids_raw else [])
    if len(names) != len(ids):
        if not ids:
            t.problem(n, tg_key, f"empty, but {t.label(name_key)} is {names_raw!r}")
        elif not names:
            t.problem(n, name_key, f"empty, but {t.label(tg_key)} is {ids_raw!r}")
        else:
            t.problem(n, tg_key, f"{len(names)} name(s) but {len(ids)} id(s)")
        return None
    people = []
    for name, raw in zip(names, ids):
        tg = _telegram_id(t, n, tg_key, raw)
        if len(name) > 100:
            t.problem(n, name_key, "a name is longer than 100 characters")
            return None
        if tg is None:
            return None
        people.append(S.Person(telegram_id=tg, name=name))
    return people


# -- sheets ---------------------------------------------------------------------------


def _street(streets: dict[str, dict], t: Table, n: int, values: list[str]) -> dict | None:
    name = _name(t, n, values, "street")
    if name is None:
        return None
    code = _code(t, n, values, "street_code") if t.get(values, "street_code") else derived_code("st", name)
    if code is None:
        return None
    street = streets.setdefault(code, {"code": code, "name": name, "row": n, "derived_code": not t.get(values, "street_code"),
                                       "cadres": {}, "community": {}, "department": {}})
    if street["name"] != name:
        t.problem(n, "street", f"street {code} is {street['name']!r} on row {street['row']}, {name!r} here")
        return None
    return street


def _read_grids(t: Table, streets: dict[str, dict], manages: set[str]) -> dict[str, dict]:
    grids: dict[str, dict] = {}
    if not t.require("street", "community", "grid_code", "grid_name"):
        return grids
    staff_columns = (("member", "member_tg", S.GRID_MEMBERS), ("backup", "backup_tg", S.GRID_BACKUPS),
                     ("community_cadres", "community_cadres_tg", S.COMMUNITY_CADRES),
                     ("street_cadres", "street_cadres_tg", S.STREET_CADRES))
    for name_key, tg_key, kind in staff_columns:
        if t.has(name_key, tg_key):
            manages.add(kind)
    for n, values in t.rows:
        street = _street(streets, t, n, values)
        community_name = _name(t, n, values, "community")
        code, grid_name = _code(t, n, values, "grid_code"), _name(t, n, values, "grid_name")
        if None in (street, community_name, code, grid_name):
            continue
        c_code = (_code(t, n, values, "community_code") if t.get(values, "community_code")
                  else derived_code("cm", street["name"], community_name))
        if c_code is None:
            continue
        community = street["community"].setdefault(c_code, {"code": c_code, "name": community_name, "row": n,
                                                            "derived_code": not t.get(values, "community_code"),
                                                            "cadres": {}, "grid": []})
        if community["name"] != community_name:
            t.problem(n, "community", f"community {c_code} is {community['name']!r} on row {community['row']}, "
                                      f"{community_name!r} here")
            continue
        if code in grids:
            t.problem(n, "grid_code", f"grid {code} is already on row {grids[code]['row']}")
            continue
        grid = {"code": code, "name": grid_name, "row": n, "micro": []}
        for key, tg_key in (("member", "member_tg"), ("backup", "backup_tg")):
            if t.has(key, tg_key):
                people = _people(t, n, values, key, tg_key)
                if people:
                    grid[key] = people[0].model_dump()
        for key, tg_key, owner in (("community_cadres", "community_cadres_tg", community),
                                   ("street_cadres", "street_cadres_tg", street)):
            if t.has(key, tg_key):
                for p in _people(t, n, values, key, tg_key, many=True) or []:
                    owner["cadres"][p.telegram_id] = p.model_dump()
        grids[code] = grid
        community["grid"].append(grid)
    return grids


def _read_departments(t: Table, streets: dict[str, dict], manages: set[str]) -> None:
    if not t.require("street", "code", "name"):
        return
    if t.has("contact", "contact_tg"):
        manages.add(S.DEPARTMENT_CONTACTS)
    for n, values in t.rows:
        street = _street(streets, t, n, values)
        code, name = _code(t, n, values, "code"), _name(t, n, values, "name")
        if None in (street, code, name):
            continue
        dept = street["department"].setdefault(code, {"code": code, "name": name, "row": n, "contacts": {}})
        if dept["name"] != name:
            t.problem(n, "name", f"department {code} is {dept['name']!r} on row {dept['row']}, {name!r} here")
            continue
        for p in _people(t, n, values, "contact", "contact_tg", many=True) or []:
            dept["contacts"][p.telegram_id] = p.model_dump()


def _read_micro(t: Table, grids: dict[str, dict], manages: set[str]) -> None:
    if not t.require("grid_code", "code", "name"):
        return
    if t.has("member", "member_tg"):
        manages.add(S.MICRO_MEMBERS)
    seen: dict[str, int] = {}
    for n, values in t.rows:
        parent, code, name = _code(t, n, values, "grid_code"), _code(t, n, values, "code"), _name(t, n, values, "name")
        if None in (parent, code, name):
            continue
        if parent not in grids:
            t.problem(n, "grid_code", f"no grid {parent} in the grid sheet")
            continue
        if code in seen:
            t.problem(n, "code", f"micro-grid {code} is already on row {seen[code]}")
            continue
        seen[code] = n
        micro: dict[str, Any] = {"code": code, "name": name}
        if t.has("member", "member_tg"):
            people = _people(t, n, values, "member", "member_tg")
            if people:
                micro["member"] = people[0].model_dump()
        grids[parent]["micro"].append(micro)


# -- files ------------------------------------------------------------------------------


def _tables_from_csv(path: Path) -> list[tuple[str, Table]]:
    rows = csv_rows(path)
    if not rows:
        raise OrgFileError(f"{path}: the file is empty")
    header, body = rows[0], list(enumerate(rows[1:], start=2))
    heads = {norm(h) for h in header}
    if heads & set(aliases({"c": DEPARTMENT_COLUMNS["code"]})) and not heads & set(aliases({"g": GRID_COLUMNS["grid_code"]})):
        return [("departments", Table(str(path), header, body, DEPARTMENT_COLUMNS))]
    return [("grids", Table(str(path), header, body, GRID_COLUMNS))]


def _tables_from_xlsx(path: Path) -> list[tuple[str, Table]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise OrgFileError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        found: list[tuple[str, Table]] = []
        names = {norm(n): n for n in book.sheetnames}
        columns = {"grids": GRID_COLUMNS, "departments": DEPARTMENT_COLUMNS, "micro": MICRO_COLUMNS}
        for kind, candidates in SHEET_NAMES.items():
            sheet_name = next((names[norm(c)] for c in candidates if norm(c) in names), None)
            if sheet_name is None and kind == "grids":
                sheet_name = book.sheetnames[0]  # a workbook with one unnamed sheet of grids
            if sheet_name is None:
                continue
            rows = book[sheet_name].iter_rows(values_only=True)
            header = list(next(rows, None) or [])
            body = ((n, list(r)) for n, r in enumerate(rows, start=2))
            found.append((kind, Table(f"{path} [{sheet_name}]", header, bounded(body), columns[kind])))
        return found
    finally:
        book.close()


def parse_sheet(path: Path) -> S.OrgSpec:
    if not path.is_file():
        raise OrgFileError(f"{path}: file not found")
    if path.stat().st_size > MAX_BYTES:
        raise OrgFileError(f"{path}: larger than {MAX_BYTES // 2**20} MB")
    tables = _tables_from_csv(path) if path.suffix.lower() == ".csv" else _tables_from_xlsx(path)
    streets: dict[str, dict] = {}
    grids: dict[str, dict] = {}
    manages: set[str] = set()
    by_kind = dict(tables)
    if "grids" in by_kind:
        grids = _read_grids(by_kind["grids"], streets, manages)
    if "departments" in by_kind:
        _read_departments(by_kind["departments"], streets, manages)
    if "micro" in by_kind:
        _read_micro(by_kind["micro"], grids, manages)
    problems = [p for _, t in tables for p in t.problems]
    if not problems and not streets:
        problems.append(f"{path}: no rows")
    if problems:
        more = len(problems) - MAX_PROBLEMS
        text = "\n".join(problems[:MAX_PROBLEMS]) + (f"\n... and {more} more" if more > 0 else "")
        raise OrgFileError(text)
    return _spec(path, streets, manages)


def _spec(path: Path, streets: dict[str, dict], manages: set[str]) -> S.OrgSpec:
    data = {
        "street": [
            {"code": s["code"], "name": s["name"], "derived_code": s["derived_code"], "cadres": list(s["cadres"].values()),
             "department": [{"code": d["code"], "name": d["name"], "contacts": list(d["contacts"].values())}
                            for d in s["department"].values()],
             "community": [{"code": c["code"], "name": c["name"], "derived_code": c["derived_code"],
                            "cadres": list(c["cadres"].values()),
                            "grid": [{k: v for k, v in g.items() if k != "row"} for g in c["grid"]]}
                           for c in s["community"].values()]}
            for s in streets.values()
        ],
        "manages": frozenset(manages),
    }
    try:
        return S.OrgSpec.model_validate(data)
    except S.ValidationError as exc:
        raise OrgFileError(S.validation_message(path, exc)) from None
