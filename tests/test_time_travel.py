"""Time is a parameter: the suite's time-dependent parts pass with the test clock a year
ahead (Monday 2027-11-22 09:00 in Shanghai instead of 2026-11-23), so no test leans on
today's date, a fixed year or the real clock.

Runs them in a child pytest with --clock-start; skipped inside that child.
"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_CLOCK_START

ROOT = Path(__file__).resolve().parents[1]
# Deadlines, reminders, digests, figures and service dates: everything that reads the clock.
TIME_DEPENDENT = [
    "tests/e2e/residents/test_core_loop.py",
    "tests/e2e/residents/test_languages.py",
    "tests/e2e/cadres/test_cadre_tools.py",
    "tests/e2e/services",
    "tests/integration/supervision",
    "tests/integration/figures",
    "tests/integration/organisation/test_reimport.py",
    "tests/unit/supervision",
]


@pytest.mark.skipif(os.environ.get("GRIDBOT_TEST_CLOCK_START") is not None, reason="already travelling")
def test_the_time_dependent_tests_pass_a_year_ahead():
    ahead = DEFAULT_CLOCK_START + timedelta(weeks=52)  # a Monday again, at 09:00 local
    assert ahead.weekday() == DEFAULT_CLOCK_START.weekday()
    env = {**os.environ, "GRIDBOT_TEST_CLOCK_START": ahead.isoformat()}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *TIME_DEPENDENT],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    tail = "\n".join(run.stdout.splitlines()[-30:])
    assert run.returncode == 0, f"a year ahead ({ahead:%Y-%m-%d}):\n{tail}\n{run.stderr[-2000:]}"
    assert " passed" in tail
