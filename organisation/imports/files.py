"""Reading an organisation file of any kind: TOML (organisation.imports.spec) or a spreadsheet
(organisation.imports.sheet), chosen by extension, with an optional GeoJSON side file."""
from __future__ import annotations

from pathlib import Path

from organisation.imports import sheet as orgsheet
from organisation.imports.errors import OrgFileError
from organisation.imports.spec import OrgSpec, parse_toml, with_boundaries


def parse_org_file(path: Path, boundaries: Path | None = None, crs: str | None = None) -> OrgSpec:
    """TOML, CSV or XLSX, by the file's extension; `boundaries`: a GeoJSON side file."""
    suffix = Path(path).suffix.lower()
    if suffix == ".toml":
        spec = parse_toml(path)
    elif suffix in orgsheet.SUFFIXES:
        spec = orgsheet.parse_sheet(Path(path))
    else:
        raise OrgFileError(f"{path}: unknown format {suffix or '(no extension)'}: use .toml, .csv or .xlsx")
    if boundaries is not None:
        spec = with_boundaries(spec, Path(boundaries), crs or "wgs84")
    return spec
