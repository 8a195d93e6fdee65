"""Build the public test set of bench/classify.py --public and bench/intent.py --real.

    python bench/public/build_teddy2020c.py SAMPLE.xlsx SPLIT.xlsx OUT.csv

SAMPLE.xlsx: the Teddy Cup 2020 C 附件2 sample (gold column 一级分类); SPLIT.xlsx: a team's
validation split of the full 附件2 (gold column 一级标签). Where to get both: README.md here.
Writes OUT.csv with columns text (留言主题, the title, whitespace removed), label (the contest's
first-level category), id (留言编号) and body (留言详情, whitespace folded): one row per distinct
title, so that no title is both trained on and measured; a title given two labels by the
contest data is dropped. Prints what it read, kept and dropped. Needs openpyxl.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

Row = tuple[str, str, str, str]  # (id, title, body, label)
LABEL_COLUMNS = ("一级分类", "一级标签")


def read_sheet(path: Path) -> Iterator[Row]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    rows = [r for r in book.worksheets[0].iter_rows(values_only=True) if any(x is not None for x in r)]
    head = [str(h).strip() for h in rows[0]]
    label = next(c for c in LABEL_COLUMNS if c in head)
    for values in rows[1:]:
        cell = dict(zip(head, values))
        yield (str(cell["留言编号"]).strip(), re.sub(r"\s+", "", str(cell["留言主题"])),
               re.sub(r"\s+", " ", str(cell["留言详情"] or "")).strip(), str(cell[label]).strip())


def build(sources: list[Path], out: Path) -> tuple[int, list[str]]:
    """Write ``out``; returns (rows kept, titles dropped for carrying two labels)."""
    by_title: dict[str, list[Row]] = {}
    for path in sources:
        for row in read_sheet(path):
            by_title.setdefault(row[1], []).append(row)
    kept = [rows[0] for rows in by_title.values() if len({r[3] for r in rows}) == 1]
    dropped = [title for title, rows in by_title.items() if len({r[3] for r in rows}) > 1]
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label", "id", "body"])
        for mid, title, body, label in sorted(kept, key=lambda r: int(r[0]) if r[0].isdigit() else 0):
            writer.writerow([title, label, mid, body])
    print(f"{len(by_title)} distinct titles, {len(kept)} kept: {dict(Counter(r[3] for r in kept))}")
    return len(kept), dropped


def main() -> None:
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    *sources, out = (Path(a) for a in sys.argv[1:])
    _, dropped = build(sources, out)
    for title in dropped:
        print("dropped (two labels):", title)


if __name__ == "__main__":
    main()
