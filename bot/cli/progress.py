"""Progress bars for long commands (training, imports, exports, the bulletin, bench data).

Domain code knows nothing of bars: it takes an ``on_progress(done, total)`` callback and
calls it with counts that only grow and end at ``total``. A ``Bar`` is such a callback: it
draws a tqdm bar with the time left on stderr, and nothing at all when stderr is not a
terminal (a pipe, a log file, cron) or when the command was given ``--quiet``.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, Any

import click

Progress = Callable[[int, int], None]

quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar on stderr.")


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class Bar:
    """A callback ``bar(done, total)`` that draws a bar labelled ``desc``, counting ``unit``s.

    ``file``: where to draw (default stderr). ``disable``: None decides by itself (off when
    ``quiet`` or when ``file`` is not a terminal); True/False force it. Use it as a context
    manager, or call ``close()``, to finish the bar's line.
    """

    def __init__(self, desc: str, *, quiet: bool = False, unit: str = "it", file: IO[str] | None = None,
                 disable: bool | None = None) -> None:
        self.file = file if file is not None else sys.stderr
        self.disabled = (quiet or not _is_terminal(self.file)) if disable is None else disable
        self.desc, self.unit = desc, unit
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.disabled:
            return
        if self._bar is None:
            from tqdm import tqdm  # only when a bar is drawn

            self._bar = tqdm(total=total, desc=self.desc, unit=self.unit, file=self.file, leave=True)
        if self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
