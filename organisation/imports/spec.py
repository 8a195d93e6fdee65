"""What an organisation file says: 街道 → 社区 → 网格 → 微网格, departments, staff and
grid boundaries. Read from TOML here (organisation.imports.sheet reads CSV and XLSX into the same
shape); applied by organisation.imports.apply.

A file speaks for the kinds of staff it lists (`manages`): TOML lists them all, a
spreadsheet only those it has columns for, so a sheet without a 备岗 column leaves the
backups alone instead of deactivating them.
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from organisation import geo
from organisation.imports.errors import OrgFileError
from organisation.invites import INVITE_PREFIX

# Codes travel in deep links (/start <code>): Telegram allows A-Z a-z 0-9 _ - there.
CODE_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
CODE = Field(pattern=CODE_PATTERN)
MAX_TELEGRAM_ID = 2**53  # Telegram's ids fit in 52 bits

# The kinds of staff a file can speak for.
STREET_CADRES = "street_cadres"
COMMUNITY_CADRES = "community_cadres"
GRID_MEMBERS = "grid_members"
GRID_BACKUPS = "grid_backups"
MICRO_MEMBERS = "micro_members"
DEPARTMENT_CONTACTS = "department_contacts"
ALL_STAFF = frozenset({STREET_CADRES, COMMUNITY_CADRES, GRID_MEMBERS, GRID_BACKUPS, MICRO_MEMBERS, DEPARTMENT_CONTACTS})


def check_code(code: str) -> str:
    if code.lower().startswith(INVITE_PREFIX):
        raise ValueError(f"codes may not start with {INVITE_PREFIX!r}: it marks staff invitations")
    return code


class Person(BaseModel):
    telegram_id: int = Field(gt=0, lt=MAX_TELEGRAM_ID)
    name: str = Field(min_length=1, max_length=100)
    categories: list[str] | None = None


class _Unit(BaseModel):
    code: str = CODE
    name: str = Field(min_length=1, max_length=200)
    # The code was made from the name (a sheet without a code column): an existing unit
    # of the same kind, parent and name is the one meant, whatever its code.
    derived_code: bool = False

    @field_validator("code")
    @classmethod
    def _not_an_invite(cls, code: str) -> str:
        return check_code(code)

    @field_validator("name")
    @classmethod
    def _strip(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("a name may not be blank")
        return name.strip()


class _Bounded(_Unit):
    # A GeoJSON Polygon/MultiPolygon, or a bare ring [[lon, lat], ...]; None: leave as is.
    boundary: Any = None

    @field_validator("boundary")
    @classmethod
    def _geometry(cls, value: Any) -> dict[str, Any] | None:
        return None if value is None else geo.normalise(value, "boundary")


class MicroSpec(_Bounded):
    member: Person | None = None


class GridSpec(_Bounded):
    member: Person | None = None
    backup: Person | None = None
    micro: list[MicroSpec] = []


class DepartmentSpec(_Unit):
    contacts: list[Person] = []


class CommunitySpec(_Unit):
    cadres: list[Person] = []
    grid: list[GridSpec] = []


class StreetSpec(_Unit):
    cadres: list[Person] = []
    community: list[CommunitySpec] = []
    department: list[DepartmentSpec] = []


class OrgSpec(BaseModel):
    street: list[StreetSpec]
    # A GeoJSON FeatureCollection beside the file, with each feature's properties.code.
    boundaries: str | None = None
    crs: Literal["wgs84", "gcj02", "WGS84", "GCJ02"] = "wgs84"
    manages: frozenset[str] = ALL_STAFF

    @field_validator("street")
    @classmethod
    def _unique_codes(cls, streets: list[StreetSpec]) -> list[StreetSpec]:
        seen: set[str] = set()
        for code, _ in walk_units(streets):
            if code in seen:
                raise ValueError(f"unit code {code!r} appears twice")
            seen.add(code)
        return streets

    @model_validator(mode="after")
    def _known_staff_kinds(self) -> OrgSpec:
        unknown = set(self.manages) - ALL_STAFF
        if unknown:
            raise ValueError(f"unknown staff kinds: {sorted(unknown)}")
        return self


def walk_units(streets: list[StreetSpec]):
    """(code, unit spec) for every unit, parents before children."""
    for s in streets:
        yield s.code, s
        for d in s.department:
            yield d.code, d
        for c in s.community:
            yield c.code, c
            for g in c.grid:
                yield g.code, g
                for m in g.micro:
                    yield m.code, m


def validation_message(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: {len(exc.errors())} problem(s)"]
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def parse_toml(path: Path) -> OrgSpec:
    try:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise OrgFileError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise OrgFileError(f"{path}: not valid TOML: {exc}") from None
    data.pop("manages", None)  # a TOML file speaks for everyone it could list
    try:
        spec = OrgSpec.model_validate(data)
    except ValidationError as exc:
        raise OrgFileError(validation_message(path, exc)) from None
    if spec.crs.lower() != "wgs84":
        spec = _convert(spec, spec.crs)  # inline boundaries are in the file's crs too
    if spec.boundaries:
        spec = with_boundaries(spec, Path(path).parent / spec.boundaries, spec.crs)
    return spec


def _convert(spec: OrgSpec, crs: str) -> OrgSpec:
    for _, unit in walk_units(spec.street):
        if isinstance(unit, _Bounded) and unit.boundary is not None:
            unit.boundary = geo.to_wgs84(unit.boundary, crs)
    return spec


# Property names that may carry the grid's code in a GeoJSON feature.
CODE_PROPERTIES = ("code", "grid_code", "网格编码", "微网格编码", "编码")


def with_boundaries(spec: OrgSpec, path: Path, crs: str = "wgs84") -> OrgSpec:
    """Put each feature's geometry on the grid or micro-grid named by its code."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise OrgFileError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OrgFileError(f"{path}: not valid GeoJSON: {exc}") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise OrgFileError(f"{path}: expected a GeoJSON FeatureCollection with \"features\"")
    units = {code: u for code, u in walk_units(spec.street) if isinstance(u, _Bounded)}
    seen: dict[str, int] = {}
    for i, feature in enumerate(features):
        where = f"{path}: feature {i}"
        props = feature.get("properties") if isinstance(feature, dict) else None
        code = next((str(props[k]).strip() for k in CODE_PROPERTIES if isinstance(props, dict) and props.get(k)), None)
        if code is None:
            raise OrgFileError(f"{where}: properties.code is missing (the grid's code)")
        if code not in units:
            raise OrgFileError(f"{where} (code {code!r}): no grid or micro-grid with this code in the organisation file")
        if code in seen:
            raise OrgFileError(f"{where} (code {code!r}): the same code as feature {seen[code]}")
        seen[code] = i
        try:
            units[code].boundary = geo.to_wgs84(geo.normalise(feature.get("geometry"), "geometry"), crs)
        except geo.GeometryError as exc:
            raise OrgFileError(f"{where} (code {code!r}): {exc}") from None
    return spec
