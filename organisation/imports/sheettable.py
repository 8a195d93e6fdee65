"""Spreadsheet files as tables: a header matched to known columns, rows with their
spreadsheet row numbers, and problems that name the file, row and column."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from organisation.imports.errors import OrgFileError

MAX_ROWS = 20_000


def norm(header: Any) -> str:
    text = unicodedata.normalize("NFKC", str(header or "")).strip().lower()
    return re.sub(r"[\s_\-]+", "", text)


def aliases(columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {norm(alias): key for key, names in columns.items() for alias in names}


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps numbers as floats: 720101.0
    return unicodedata.normalize("NFKC", str(value)).strip()


class Table:
    """One sheet: its header mapped to our keys, and its rows with their numbers."""

    def __init__(self, where: str, header: list[Any], rows: Iterable[tuple[int, list[Any]]],
                 columns: dict[str, tuple[str, ...]]) -> None:
        self.where = where
        known = aliases(columns)
        self.index: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        for i, title in enumerate(header):
            key = known.get(norm(title))
            if key and key not in self.index:
                self.index[key] = i
                self.labels[key] = cell(title)
        self.columns = columns
        self.rows = [(n, [cell(v) for v in values]) for n, values in rows if any(cell(v) for v in values)]
        self.problems: list[str] = []

    def has(self, *keys: str) -> bool:
        return any(k in self.index for k in keys)

    def label(self, key: str) -> str:
        return self.labels.get(key) or self.columns[key][0]

    def get(self, values: list[str], key: str) -> str:
        i = self.index.get(key)
        return values[i] if i is not None and i < len(values) else ""

    def problem(self, row: int | None, key: str | None, message: str) -> None:
        where = self.where + (f": row {row}" if row else "") + (f", column {self.label(key)}" if key else "")
        self.problems.append(f"{where}: {message}")

    def require(self, *keys: str) -> bool:
        missing = [self.columns[k][0] for k in keys if k not in self.index]
        if missing:
            self.problem(1, None, f"missing column(s): {', '.join(missing)}")
        return not missing


def csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")  # Excel in China saves CSV as GBK
        except UnicodeDecodeError:
            raise OrgFileError(f"{path}: neither UTF-8 nor GBK text; save it as CSV UTF-8") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def bounded(rows: Iterable[tuple[int, list[Any]]]) -> Iterable[tuple[int, list[Any]]]:
    for n, row in rows:
        if n > MAX_ROWS + 1:
            raise OrgFileError(f"more than {MAX_ROWS} rows: split the file")
        yield n, row
