"""Long commands show a bar with the time left on stderr when it is a terminal, print no
bar into a pipe, and none with --quiet; stdout stays the command's own output."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from bot.cli import progress
from bot.cli.main import main
from tests.conftest import EXAMPLE_ORG

ETA = re.compile(r"\d+/\d+ \[\d\d:\d\d<")  # tqdm's count and [elapsed<remaining


@pytest.fixture
def runner(db_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRIDBOT_DATABASE__URL", db_url)
    return CliRunner()


@pytest.fixture
def terminal(monkeypatch):
    """stderr taken for a terminal, as when a person runs the command."""
    monkeypatch.setattr(progress, "_is_terminal", lambda stream: True)


def test_org_import_into_a_pipe_prints_no_bar(runner):
    result = runner.invoke(main, ["org", "import", str(EXAMPLE_ORG)])
    assert result.exit_code == 0, result.output
    assert "importing" not in result.stderr and not ETA.search(result.stderr)


def test_org_import_on_a_terminal_shows_a_bar_and_quiet_hides_it(runner, terminal):
    shown = runner.invoke(main, ["org", "import", str(EXAMPLE_ORG)])
    assert shown.exit_code == 0, shown.output
    assert "importing" in shown.stderr and ETA.search(shown.stderr)
    assert "importing" not in shown.stdout and "created" in shown.stdout
    again = runner.invoke(main, ["org", "import", "--quiet", str(EXAMPLE_ORG)])
    assert again.exit_code == 0 and "importing" not in again.stderr


def test_nlp_train_on_a_terminal_shows_a_bar_and_quiet_hides_it(runner, terminal, tmp_path):
    words = {"水果": ["苹果", "香蕉", "葡萄", "西瓜"], "车辆": ["汽车", "卡车", "火车", "地铁"]}
    lines = ["text,label"] + [f"{frame.format(w)},{label}" for label, ws in words.items() for w in ws
                              for frame in ("我很喜欢{}", "昨天看到了{}", "{}真不错")]
    data = tmp_path / "train.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shown = runner.invoke(main, ["nlp", "train", "--data", str(data), "--out", str(tmp_path / "m")])
    assert shown.exit_code == 0, shown.output
    assert "training" in shown.stderr and ETA.search(shown.stderr)
    assert "trained on 24 messages" in shown.stdout
    quiet = runner.invoke(main, ["nlp", "train", "--quiet", "--data", str(data), "--out", str(tmp_path / "m2")])
    assert quiet.exit_code == 0 and "training" not in quiet.stderr
