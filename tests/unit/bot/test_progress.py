"""The progress bar of long commands: drawn (with the time left) only on a terminal, never
with --quiet, never into a pipe or a log file."""
from __future__ import annotations

import io
import re
import time

from bot.cli.progress import Bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def feed(bar: Bar, total: int = 10, pause: float = 0.0) -> None:
    with bar:
        for done in range(1, total + 1):
            time.sleep(pause)
            bar(done, total)


def test_nothing_is_drawn_when_stderr_is_not_a_terminal():
    out = io.StringIO()
    feed(Bar("training", file=out))
    assert out.getvalue() == ""


def test_nothing_is_drawn_with_quiet_even_on_a_terminal():
    out = Terminal()
    feed(Bar("training", quiet=True, file=out))
    assert out.getvalue() == ""


def test_on_a_terminal_a_bar_shows_the_count_and_the_time_left():
    out = io.StringIO()
    feed(Bar("training", unit="step", file=out, disable=False), pause=0.03)
    text = out.getvalue()
    assert text.startswith("\rtraining:") and "10/10" in text
    # tqdm's [elapsed<remaining]: an estimate of the time left while the work is under way
    assert re.search(r" [1-9]/10 \[\d\d:\d\d<\d\d:\d\d", text), text


def test_a_terminal_is_recognised_and_the_total_may_grow():
    out = Terminal()
    with Bar("importing", file=out) as bar:
        bar(1, 5)
        bar(5, 7)  # the leavers' hand-overs become known after the units
        bar(7, 7)
    assert "7/7" in out.getvalue()
