"""The gridbot command line: organisation import/show, run without a token, demo."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from tests.conftest import EXAMPLE_ORG


@pytest.fixture
def runner(db_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray config.toml is picked up
    monkeypatch.setenv("GRIDBOT_DATABASE__URL", db_url)
    monkeypatch.delenv("GRIDBOT_TELEGRAM__TOKEN", raising=False)
    return CliRunner()


def test_importing_the_same_file_twice_changes_nothing(runner):
    first = runner.invoke(main, ["org", "import", str(EXAMPLE_ORG)])
    assert first.exit_code == 0, first.output
    assert "created" in first.output and "grid WT01" in first.output
    second = runner.invoke(main, ["org", "import", str(EXAMPLE_ORG)])
    assert second.exit_code == 0
    assert "nothing changed" in second.output


def test_org_show_json_lists_grids_links_and_staff(runner):
    runner.invoke(main, ["org", "import", str(EXAMPLE_ORG)])
    result = runner.invoke(main, ["org", "show", "--json"])
    data = json.loads(result.output)
    (street,) = data["streets"]
    grids = [g for c in street["communities"] for g in c["grids"]]
    assert len(street["communities"]) == 2 and len(grids) == 6
    wt01 = next(g for g in grids if g["code"] == "WT01")
    assert wt01["join_link"].endswith("?start=WT01")
    assert {(p["telegram_id"], p["role"], p["backup"]) for p in wt01["staff"]} == {
        (720101, "grid_member", False), (720102, "grid_member", True)}
    cadres = street["communities"][0]["staff"]
    assert cadres == [{"name": "钱书记", "telegram_id": 710001, "role": "community_cadre", "backup": False}]


def test_org_show_text_prints_the_tree(runner):
    runner.invoke(main, ["org", "import", str(EXAMPLE_ORG)])
    out = runner.invoke(main, ["org", "show"]).output
    assert "幸福街道 [XF]" in out and "    梧桐一网格（1-6号楼） [WT01]" in out and "join: https://t.me/" in out


def test_a_moved_grid_member_is_moved_not_duplicated(runner, tmp_path):
    runner.invoke(main, ["org", "import", str(EXAMPLE_ORG)])
    moved = EXAMPLE_ORG.read_text(encoding="utf-8").replace(
        'member = { telegram_id = 730301, name = "褚网格" }', 'member = { telegram_id = 730399, name = "卫网格" }')
    path = tmp_path / "org.toml"
    path.write_text(moved, encoding="utf-8")
    result = runner.invoke(main, ["org", "import", str(path)])
    assert "deactivated: 1" in result.output and "褚网格" in result.output
    data = json.loads(runner.invoke(main, ["org", "show", "--json"]).output)
    fl03 = next(g for c in data["streets"][0]["communities"] for g in c["grids"] if g["code"] == "FL03")
    assert [p["name"] for p in fl03["staff"]] == ["卫网格"]


def test_a_broken_org_file_names_the_problem(runner, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[street]]\ncode = "幸福"\nname = "x"\n', encoding="utf-8")
    result = runner.invoke(main, ["org", "import", str(path)])
    assert result.exit_code == 1
    assert "street.0.code" in result.output


def test_run_without_a_token_explains_how_to_set_one(runner):
    result = runner.invoke(main, ["run"])
    assert result.exit_code == 2
    assert "GRIDBOT_TELEGRAM__TOKEN" in result.output and "gridbot demo" in result.output


def test_demo_plays_the_whole_loop_offline(runner):
    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    for step in ("已受理", "[✅ 签收]", "已办结", "[已解决]", "[满意]", "已关闭"):
        assert step in out


def test_python_dash_m_bot_is_the_same_cli():
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "demo" in result.stdout and "org" in result.stdout
