"""The command line speaks for itself: libraries' routine (Alembic's migration steps,
jieba's dictionary loading, the scheduler's job runs) stays out of sight unless -v is
given, and jieba's lines are never doubled (issue 16, item 12)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


# The segmenter's fallback when rjieba is not installed: jieba, whose loading logs lines.
WITHOUT_RJIEBA = "import sys; sys.modules['rjieba'] = None; from bot.cli.main import main; main()"


def gridbot(tmp_path, *args: str, jieba: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "GRIDBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"}
    env.pop("GRIDBOT_TELEGRAM__TOKEN", None)
    start = ["-c", WITHOUT_RJIEBA] if jieba else ["-m", "bot"]
    return subprocess.run([sys.executable, *start, *args], capture_output=True, text=True,
                          timeout=300, env=env, cwd=tmp_path, check=False)


def test_db_upgrade_prints_no_alembic_info_unless_verbose(tmp_path):
    quiet = gridbot(tmp_path, "db", "upgrade")
    assert quiet.returncode == 0, quiet.stderr
    assert "alembic" not in quiet.stderr and "Running upgrade" not in quiet.stderr
    (tmp_path / "cli.sqlite3").unlink()
    verbose = gridbot(tmp_path, "-v", "db", "upgrade")
    assert "Running upgrade" in verbose.stderr


@pytest.mark.parametrize("jieba", [False, True], ids=["rjieba", "jieba"])
def test_the_demo_transcript_is_clean(tmp_path, jieba):
    result = gridbot(tmp_path, "demo", jieba=jieba)
    assert result.returncode == 0, result.stderr
    for noise in ("INFO", "DEBUG", "alembic", "Building prefix dict", "Loading model"):
        assert noise not in result.stdout and noise not in result.stderr, noise


def test_jieba_lines_show_once_with_verbose(tmp_path):
    result = gridbot(tmp_path, "-v", "demo", jieba=True)
    lines = [line.split(" ", 2)[-1] for line in result.stderr.splitlines() if "Loading model" in line
             or "Prefix dict" in line]
    assert lines and len(lines) == len(set(lines))
