"""/stats, the monthly bulletin (scores, 五色 bands, charts, XLSX) and the ticket export on
tests.integration.figures.test_kpi's hand-made month, whose every count was worked out by hand."""
from __future__ import annotations

import asyncio
import csv
import io
import warnings
from datetime import timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from bot.cadre import Reports
from bot.cli.main import main
from bot.settings import Settings
from figures.kpi import Counts
from figures.periods import month_period
from figures.stats import CadreStats
from storage.models import Ticket
from tests.integration.figures.test_kpi import G1, G2, G3, NOW, grids, session_factory  # noqa: F401 - fixtures
from tests.support.progress import Calls
from tickets.errors import NotAllowed, NotFound

TZ = ZoneInfo("Asia/Shanghai")
NOVEMBER = month_period("2026-11", TZ)
STREET_CADRE, CADRE, FAR_CADRE, MEMBER = 700001, 710001, 710002, 720101


def stats(session_factory):
    return CadreStats(session_factory, clock=lambda: NOW)


def reports(session_factory, **settings):
    return Reports(session_factory, Settings(**settings), clock=lambda: NOW)


async def test_stats_cover_the_cadre_own_grids_by_grid_community_and_category(session_factory, grids):
    report = await stats(session_factory).report(CADRE, NOVEMBER)
    assert report.scope == "梧桐社区"
    by_name = dict(report.grids)
    assert list(by_name) == ["梧桐一网格（1-6号楼）", "梧桐二网格（7-12号楼）", "梧桐三网格（沿街商铺）"]
    assert [by_name[n] for n in list(by_name)] == [G1, G2, Counts()]  # a quiet grid still has its row
    assert report.communities == (("梧桐社区", G1 + G2),)
    assert dict(report.categories) == {"市容环境": G1, "噪音扰民": G2}
    assert report.total == G1 + G2
    assert report.total.rate("及时签收率") == pytest.approx(1 / 3)


async def test_stats_for_a_street_a_named_unit_and_refusals(session_factory, grids):
    street = await stats(session_factory).report(STREET_CADRE, NOVEMBER)
    assert dict(street.communities) == {"梧桐社区": G1 + G2, "枫林社区": G3}
    assert street.total == G1 + G2 + G3
    one = await stats(session_factory).report(STREET_CADRE, NOVEMBER, "WT02")
    assert [c for _, c in one.grids] == [G2] and one.scope == "梧桐二网格（7-12号楼）"
    with pytest.raises(NotFound):
        await stats(session_factory).report(CADRE, NOVEMBER, "枫林社区")  # not theirs
    with pytest.raises(NotAllowed):
        await stats(session_factory).report(MEMBER, NOVEMBER)


async def test_bulletin_scores_and_bands_worked_out_by_hand(session_factory, grids):
    # Every grid here has fewer than 5 judged tickets: by default all show 样本不足.
    (data,) = await reports(session_factory).bulletin_data(STREET_CADRE, NOVEMBER)
    assert all(g.score is None and g.band is None for g in data.grids)
    assert {g.name[:5] for g in data.short} == {"梧桐一网格", "梧桐二网格", "枫林一网格"}
    (data,) = await reports(session_factory, cadre={"min_samples": 1}).bulletin_data(STREET_CADRE, NOVEMBER)
    rows = {g.name[:5]: g for g in data.grids}
    # WT01: (20·1/3 + 30·1/2 + 20·3/4 + 20·2/3 + 10·(1 - 1/3)) / 100 = 56.67, less 2 for its overdue ticket.
    assert rows["梧桐一网格"].score == pytest.approx(54.7)
    # WT02: 及时签收率 has nothing to divide by: (30·1/2 + 20·1 + 20·1 + 10·1) / 80 = 81.25, less 2.
    assert rows["梧桐二网格"].score == pytest.approx(79.2, abs=0.06)
    # FL01: only 及时签收率 1/1 (the cancelled ticket is not judged). WT03, FL02, FL03: quiet, no score.
    assert rows["枫林一网格"].score == 100.0
    assert [g.name[:5] for g in data.grids[:3]] == ["枫林一网格", "梧桐二网格", "梧桐一网格"]
    assert [(g.band.name if g.band else None) for g in data.grids] == ["红", "黄", "灰", None, None, None]
    assert data.total == G1 + G2 + G3
    # Bands come from config.
    bands = [{"name": "绿", "label": "好", "min": 50, "color": "#00aa00"}, {"name": "红", "label": "差", "min": 0}]
    (data,) = await reports(session_factory, cadre={"bands": bands, "min_samples": 1}).bulletin_data(
        STREET_CADRE, NOVEMBER)
    assert [(g.band.name if g.band else None) for g in data.grids][:3] == ["绿", "绿", "绿"]


def _cmap(path: str | None = None):
    from fontTools.ttLib import TTFont

    from documents.fonts import cjk_font_path

    with TTFont(path or str(cjk_font_path()), fontNumber=0, lazy=True) as font:
        return font.getBestCmap()


async def test_bulletin_charts_draw_every_label_in_a_font_that_has_its_glyphs(session_factory, grids):
    from matplotlib.font_manager import findfont
    from matplotlib.text import Text

    from documents.charts import bulletin_charts, bulletin_figures, style

    (data,) = await reports(session_factory).bulletin_data(STREET_CADRE, NOVEMBER)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib's "Glyph ... missing from font(s)" is a warning
        with style():
            figures = bulletin_figures(data, TZ)
            drawn: dict[str, str] = {}  # label -> the font file it was drawn in
            for _, fig in figures:
                fig.canvas.draw()
                for text in fig.findobj(Text):
                    if text.get_text():
                        drawn[text.get_text()] = findfont(text.get_fontproperties())
        files = await asyncio.to_thread(bulletin_charts, data, TZ)
    # The family name may resolve to the shipped Noto Sans CJK SC or to the system's copy of it
    # (Debian's fonts-noto-cjk): either is right if it holds every glyph drawn in it.
    cmaps = {path: _cmap(path) for path in set(drawn.values())}
    missing = {ch for label, path in drawn.items() for ch in label if not ch.isspace() and ord(ch) not in cmaps[path]}
    assert not missing
    assert any("网格综合排名" in t for t in drawn) and any("梧桐二网格" in t for t in drawn)
    assert [name for name, _ in files] == ["categories-2026-11.png", "kpis-2026-11.png", "ranking-2026-11.png"]
    assert all(body.startswith(b"\x89PNG") and len(body) > 5000 for _, body in files)
    # The check has teeth: matplotlib's default font has no 网.
    from fontTools.ttLib import TTFont

    with TTFont(findfont("DejaVu Sans"), lazy=True) as default:
        assert ord("网") not in default.getBestCmap()


async def test_bulletin_workbook_has_the_ranking_and_categories(session_factory, grids):
    (bundle,) = await reports(session_factory, cadre={"min_samples": 1}).bulletin(STREET_CADRE, NOVEMBER)
    name, body = bundle.files[-1]
    assert name == "bulletin-2026-11.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(body))
    ranking = list(wb["网格排名"].iter_rows(values_only=True))
    assert ranking[0][:6] == ("名次", "网格", "社区", "得分", "五色", "等级")
    assert ranking[1][:6] == (1, "枫林一网格（枫林苑A区）", "枫林社区", 100, "红", "优秀")
    assert ranking[2][:6] == (2, "梧桐二网格（7-12号楼）", "梧桐社区", pytest.approx(79.2, abs=0.06), "黄", "合格")
    assert ranking[2][6] is None and ranking[2][7] == pytest.approx(0.5)  # 及时签收率 —, 按期办结率 50%
    (bundle,) = await reports(session_factory).bulletin(STREET_CADRE, NOVEMBER)
    short = list(openpyxl.load_workbook(io.BytesIO(bundle.files[-1][1]))["网格排名"].iter_rows(values_only=True))
    assert {row[1][:5] for row in short if row[4] == "样本不足"} == {"梧桐一网格", "梧桐二网格", "枫林一网格"}
    assert ranking[-1][1] == "合计"
    categories = {row[0]: row for row in wb["类别"].iter_rows(min_row=2, values_only=True)}
    assert set(categories) == {"市容环境", "噪音扰民", "停车交通"}


async def test_export_rows_open_in_a_spreadsheet_with_local_times_and_no_formulas(session_factory, grids):
    async with session_factory() as s, s.begin():
        await s.execute(update(Ticket).where(Ticket.id == 1).values(text="=HYPERLINK(\"http://x\")"))
    r = reports(session_factory)
    count, body = await r.export(CADRE, NOVEMBER)
    assert count == 3  # 1, 2 and 4 were reported in November in 梧桐社区's grids (3 and 7 in October)
    wb = openpyxl.load_workbook(io.BytesIO(body))
    rows = list(wb.active.iter_rows(values_only=True))
    head = rows[0]
    first = dict(zip(head, rows[1]))
    assert first["工单号"] == 1 and first["状态"] == "已关闭" and first["类别"] == "市容环境"
    assert first["网格"] == "梧桐一网格（1-6号楼）" and first["社区"] == "梧桐社区"
    assert first["上报时间"].strftime("%Y-%m-%d %H:%M") == "2026-11-02 09:00"  # Shanghai time, as reported
    assert (first["是否解决"], first["满意度"]) == ("已解决", "满意")
    assert first["内容"] == "=HYPERLINK(\"http://x\")"
    assert wb.active["V2"].data_type == "s"  # text, not a formula
    count, body = await r.export(None, NOVEMBER, "csv")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(lines) == 1 + count and lines[1][-1].startswith("'=")


async def test_cli_export_and_bulletin_write_their_files(session_factory, grids, tmp_path, monkeypatch):
    url = session_factory.kw["bind"].url.render_as_string(hide_password=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRIDBOT_DATABASE__URL", url)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    result = await asyncio.to_thread(run, "export", "tickets", "--from", "2026-11-01", "--to", "2026-11-30",
                                     "--format", "xlsx", "--out", "nov.xlsx")
    assert result.exit_code == 0 and "tickets written to nov.xlsx" in result.output
    assert openpyxl.load_workbook(tmp_path / "nov.xlsx").active.max_row == 1 + 5
    result = await asyncio.to_thread(run, "bulletin", "--month", "2026-11", "--out", "out", "--unit", "XF-WT")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "梧桐社区-bulletin-2026-11.xlsx", "梧桐社区-categories-2026-11.png", "梧桐社区-kpis-2026-11.png",
        "梧桐社区-ranking-2026-11.png"]
    result = await asyncio.to_thread(run, "export", "tickets", "--from", "2026-11-30", "--to", "2026-11-01")
    assert result.exit_code != 0 and "before the first" in result.output


def test_periods_cover_whole_local_days():
    from datetime import datetime, timezone

    from figures.periods import PeriodError, parse_period

    now = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)  # Wednesday 11:00 in Shanghai
    week, rest = parse_period("本周 梧桐社区", now, TZ)
    assert rest == "梧桐社区"
    assert week.start == datetime(2026, 11, 22, 16, 0, tzinfo=timezone.utc) and week.end - week.start == timedelta(days=7)
    last, _ = parse_period("上月", now, TZ)
    assert (last.key, last.start.astimezone(TZ).day, last.end.astimezone(TZ).month) == ("2026-10", 1, 11)
    span, _ = parse_period("2026-11-01 2026-11-15", now, TZ)
    assert span.end.astimezone(TZ) == datetime(2026, 11, 16, tzinfo=TZ)
    assert parse_period("", now, TZ)[0].key == "2026-11"
    for bad in ("2026-02-30 2026-03-01", "2026-11-02 2026-11-01", "2026-11-01", "2025-01-01 2026-06-01"):
        with pytest.raises(PeriodError):
            parse_period(bad, now, TZ)


async def test_cli_stats_prints_the_figures_of_slash_stats(session_factory, grids, tmp_path, monkeypatch):
    import json
    from dataclasses import asdict

    from bot.cli.stats import as_text

    url = session_factory.kw["bind"].url.render_as_string(hide_password=False)
    monkeypatch.setenv("GRIDBOT_DATABASE__URL", url)
    monkeypatch.setattr("tickets.reports.utcnow", lambda: NOW)  # the CLI's clock: the hand-made month's
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["stats", *args], catch_exceptions=False)

    result = await asyncio.to_thread(run, "--from", "2026-11-01", "--to", "2026-11-30", "--unit", "XF-WT", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["scope"] == "梧桐社区" and out["min_samples"] == 5
    assert out["grids"]["梧桐一网格（1-6号楼）"]["counts"] == asdict(G1)
    assert out["total"]["kpis"]["及时签收率"] == pytest.approx((G1 + G2).rate("及时签收率"))
    assert out["grids"]["梧桐一网格（1-6号楼）"]["samples_enough"] is False
    # The text is the chat's /stats, without HTML: same report, same rendering.
    chat = await stats(session_factory).report(CADRE, NOVEMBER)
    result = await asyncio.to_thread(run, "--from", "2026-11-01", "--to", "2026-11-30", "--unit", "XF-WT")
    assert result.output.strip() == as_text(chat, TZ).strip()
    assert "<b>" not in result.output and "样本不足" in result.output
    result = await asyncio.to_thread(run, "--unit", "NOPE")
    assert result.exit_code != 0 and "no unit" in result.output
    result = await asyncio.to_thread(run, "--from", "2026-11-01")
    assert result.exit_code != 0


async def test_export_and_bulletin_report_progress_up_to_the_total(session_factory, grids):
    r = reports(session_factory)
    for fmt in ("xlsx", "csv"):
        calls = Calls()
        count, _ = await r.export(None, NOVEMBER, fmt, calls)
        calls.assert_monotonic_to_total()
        assert calls[-1] == (count, count)
    calls = Calls()
    bundles = await r.bulletin(STREET_CADRE, NOVEMBER, on_progress=calls)
    calls.assert_monotonic_to_total()
    assert calls[-1] == (2 * len(bundles), 2 * len(bundles))  # each unit's figures, then each unit's files
