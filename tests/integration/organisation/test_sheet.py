"""The organisation from CSV and XLSX (the shape cadres keep in Excel), and from GeoJSON
boundaries: what is imported, and errors that name the file, row and column."""
from __future__ import annotations

import json

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.cli.orgtasks import import_org, show_org
from organisation.imports.errors import OrgFileError
from storage.models import Staff, Unit
from tests.conftest import EXAMPLE_ORG

HEADER_ZH = ["街道", "社区", "网格编码", "网格名称", "网格员", "网格员TG", "备岗", "备岗TG", "社区干部", "社区干部TG"]
ROWS = [
    ["幸福街道", "梧桐社区", "WT01", "梧桐一网格", "孙网格", "720101", "李备岗", "720102", "钱书记", "710001"],
    ["幸福街道", "梧桐社区", "WT02", "梧桐二网格", "周网格", "720201", "", "", "钱书记", "710001"],
    ["幸福街道", "枫林社区", "FL01", "枫林一网格", "王网格", "730101", "", "", "郑主任、冯副主任", "710002、710003"],
]


def write_csv(path, header, rows, encoding="utf-8-sig"):
    lines = [",".join(header)] + [",".join(r) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def grids_of(tree):
    return {g["code"]: g for s in tree for c in s["communities"] for g in c["grids"]}


async def test_a_csv_with_chinese_headers_builds_the_tree_and_reimports_as_a_no_op(settings, tmp_path):
    path = write_csv(tmp_path / "网格.csv", HEADER_ZH, ROWS)
    report = await import_org(settings, path)
    assert "grid WT01" in report.created and not report.deactivated
    tree = await show_org(settings)
    assert [s["name"] for s in tree] == ["幸福街道"]
    assert [c["name"] for c in tree[0]["communities"]] == ["梧桐社区", "枫林社区"]
    wt01 = grids_of(tree)["WT01"]
    assert {(p["name"], p["backup"]) for p in wt01["staff"]} == {("孙网格", False), ("李备岗", True)}
    assert {p["name"] for p in tree[0]["communities"][1]["staff"]} == {"郑主任", "冯副主任"}
    assert not (await import_org(settings, path)).changed


async def test_english_headers_gbk_encoding_and_tabs_work_too(settings, tmp_path):
    header = ["Street", "Community", "grid_code", "Grid Name", "member", "member_tg"]
    rows = [["幸福街道", "梧桐社区", "WT01", "梧桐一网格", "孙网格", "720101"]]
    path = tmp_path / "grids.csv"
    path.write_bytes(("\t".join(header) + "\n" + "\t".join(rows[0]) + "\n").encode("gb18030"))
    await import_org(settings, path)
    assert [p["name"] for p in grids_of(await show_org(settings))["WT01"]["staff"]] == ["孙网格"]


BAD_ROWS = [
    (["幸福街道", "梧桐社区", "WT09", "九网格", "吴网格", "abc"], "row 3, column 网格员TG", "not a Telegram user id"),
    (["幸福街道", "梧桐社区", "", "九网格", "吴网格", "720901"], "row 3, column 网格编码", "empty"),
    (["幸福街道", "梧桐社区", "WT 09", "九网格", "吴网格", "720901"], "row 3, column 网格编码", "A-Z"),
    (["幸福街道", "梧桐社区", "WT01", "九网格", "吴网格", "720901"], "row 3, column 网格编码", "already on row 2"),
    (["幸福街道", "梧桐社区", "WT09", "九网格", "吴网格", ""], "row 3, column 网格员TG", "empty, but 网格员 is '吴网格'"),
    (["幸福街道", "梧桐社区", "WT09", "九网格", "", "720901"], "row 3, column 网格员", "empty, but 网格员TG"),
    (["", "梧桐社区", "WT09", "九网格", "", ""], "row 3, column 街道", "empty"),
    (["幸福街道", "梧桐社区", "inv_x", "九网格", "", ""], "row 3, column 网格编码", "invitations"),
]


async def test_csv_errors_name_the_file_row_and_column(settings, tmp_path):
    for row, where, words in BAD_ROWS:
        path = write_csv(tmp_path / "org.csv", HEADER_ZH[:6], [ROWS[0][:6], row])
        with pytest.raises(OrgFileError) as exc:
            await import_org(settings, path)
        message = str(exc.value)
        assert f"{path}: {where}: " in message and words in message, (row, message)
    async with _session(settings) as s:
        assert (await s.execute(select(Unit))).first() is None, "nothing is imported from a bad file"


async def test_a_missing_column_and_an_unknown_format_are_named(settings, tmp_path):
    path = write_csv(tmp_path / "org.csv", ["街道", "社区", "网格名称"], [["幸福街道", "梧桐社区", "一网格"]])
    with pytest.raises(OrgFileError, match=r"org.csv: row 1: missing column\(s\): 网格编码"):
        await import_org(settings, path)
    other = tmp_path / "org.json"
    other.write_text("{}")
    with pytest.raises(OrgFileError, match="unknown format .json"):
        await import_org(settings, other)


def workbook(path, grids, departments=None, micro=None):
    book = Workbook()
    sheet = book.active
    sheet.title = "网格"
    for row in grids:
        sheet.append(row)
    for title, rows in (("部门", departments), ("微网格", micro)):
        if rows:
            extra = book.create_sheet(title)
            for row in rows:
                extra.append(row)
    book.save(path)
    return path


async def test_an_xlsx_workbook_brings_departments_and_micro_grids(settings, tmp_path):
    grid_rows = [HEADER_ZH[:8], *[[720101 if v == "720101" else v for v in r[:8]] for r in ROWS]]
    path = workbook(
        tmp_path / "org.xlsx", grid_rows,
        departments=[["街道", "部门编码", "部门名称", "联系人", "联系人TG"],
                     ["幸福街道", "XF-CG", "城管", "城管老张", 740001],
                     ["幸福街道", "XF-CG", "城管", "城管小李", 740005],
                     ["幸福街道", "XF-PCS", "派出所", "", ""]],
        micro=[["网格编码", "微网格编码", "微网格名称", "微网格员", "微网格员TG"],
               ["WT01", "WT01-3", "3号楼", "楼长老钱", 720111]],
    )
    await import_org(settings, path)
    tree = await show_org(settings)
    depts = {d["code"]: d for d in tree[0]["departments"]}
    assert {p["name"] for p in depts["XF-CG"]["staff"]} == {"城管老张", "城管小李"} and depts["XF-PCS"]["staff"] == []
    (micro,) = grids_of(tree)["WT01"]["micro_grids"]
    assert micro["code"] == "WT01-3" and micro["staff"][0]["telegram_id"] == 720111
    assert grids_of(tree)["WT01"]["staff"][0]["telegram_id"] == 720101  # a number cell, read as an id


async def test_xlsx_errors_name_the_sheet_too(settings, tmp_path):
    path = workbook(tmp_path / "org.xlsx", [HEADER_ZH[:6], ROWS[0][:6]],
                    micro=[["网格编码", "微网格编码", "微网格名称"], ["WT77", "WT77-1", "1号楼"]])
    with pytest.raises(OrgFileError) as exc:
        await import_org(settings, path)
    assert f"{path} [微网格]: row 2, column 网格编码: no grid WT77" in str(exc.value)


async def test_a_sheet_without_backup_columns_leaves_backups_alone_and_matches_units_by_name(settings, tmp_path):
    await import_org(settings, EXAMPLE_ORG)
    # No codes for street and community, no 备岗 columns: an office's bare member list.
    path = write_csv(tmp_path / "members.csv", HEADER_ZH[:6],
                     [["幸福街道", "梧桐社区", "WT01", "梧桐一网格（1-6号楼）", "孙网格", "720101"]])
    report = await import_org(settings, path)
    assert not report.deactivated and not any(c.startswith(("street", "community")) for c in report.created)
    async with _session(settings) as s:
        backup = (await s.execute(select(Staff).where(Staff.telegram_id == 720102))).scalars().all()
        assert all(b.active for b in backup)
        assert len((await s.execute(select(Unit).where(Unit.kind == "street"))).scalars().all()) == 1


async def test_boundaries_from_a_geojson_side_file(settings, tmp_path):
    square = [[120.0, 30.0], [120.01, 30.0], [120.01, 30.01], [120.0, 30.01], [120.0, 30.0]]
    geojson = tmp_path / "grids.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"网格编码": "WT01"}, "geometry": {"type": "Polygon", "coordinates": [square]}},
    ]}), encoding="utf-8")
    await import_org(settings, EXAMPLE_ORG, geojson)
    assert grids_of(await show_org(settings))["WT01"]["boundary"] is True
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "WT01"}, "geometry": {"type": "Polygon", "coordinates": [square]}},
        {"type": "Feature", "properties": {"code": "ZZ99"}, "geometry": {"type": "Polygon", "coordinates": [square]}},
    ]}), encoding="utf-8")
    with pytest.raises(OrgFileError, match=r"grids.geojson: feature 1 \(code 'ZZ99'\): no grid"):
        await import_org(settings, EXAMPLE_ORG, geojson)


def _session(settings):
    from contextlib import asynccontextmanager

    from bot.cli.orgtasks import sessions

    @asynccontextmanager
    async def opened():
        async with sessions(settings) as sf, sf() as s:
            yield s

    return opened()
