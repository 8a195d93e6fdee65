"""Reading labelled messages from CSV: UTF-8 (with or without BOM), a ``text,label`` header.

Forgiving where it costs nothing (BOM, blank lines, extra columns, header case and spaces,
quoted commas and newlines inside a text) and clear where it must refuse.
"""

from __future__ import annotations

import csv
from pathlib import Path


class DatasetError(ValueError):
    """The file cannot be read as labelled messages; the message says why, for people."""


def read_labelled_csv(path: Path | str, *, text_column: str = "text", label_column: str = "label") -> list[tuple[str, str]]:
    """(text, label) pairs from ``path``; rows with an empty text or label are skipped."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise DatasetError(f"{path}: the file is empty (expected a header '{text_column},{label_column}')")
            names = [h.strip().lstrip("\ufeff").lower() for h in header]
            missing = [c for c in (text_column, label_column) if c not in names]
            if missing:
                raise DatasetError(
                    f"{path}: missing column(s) {', '.join(missing)}; the header must name "
                    f"'{text_column}' and '{label_column}' (found: {', '.join(h for h in header if h) or 'nothing'})"
                )
            ti, li = names.index(text_column), names.index(label_column)
            rows: list[tuple[str, str]] = []
            for record in reader:
                if len(record) <= max(ti, li):
                    continue  # a blank or short line
                text, label = record[ti].strip(), record[li].strip()
                if text and label:
                    rows.append((text, label))
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise DatasetError(f"{path}: malformed CSV: {exc}") from exc
    return rows
