"""jieba behind a small interface: one private tokenizer with the governance vocabulary.

Two backends cut the same way (precise mode, HMM on, jieba's dictionary and user words):
- ``rjieba``, a binding of the Rust port jieba-rs: 10-15x faster, the default when installed;
- ``jieba`` 0.42, the reference, used when rjieba cannot be imported (or when asked for).
On our messages and on public complaint titles they give identical tokens; in long texts they
differ only on runs of letters and digits joined by '.' or '-' ("gb50500-2013", "baidu.com"),
which rjieba keeps whole.

The tokenizer is built and its dictionary loaded on the first ``warm_up()`` or ``cut()``, never
at import. The app calls ``warm_up()`` once at start-up in a worker thread: loading takes
about a second and would otherwise stall the event loop on the first message.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .taxonomy import DATA_DIR
from .textnorm import is_word, normalize

DEFAULT_USERDICT = DATA_DIR / "userdict.txt"
BACKENDS = ("rjieba", "jieba")


def default_backend() -> str:
    """``rjieba`` when it can be imported, else ``jieba`` (looked up without importing either)."""
    return "rjieba" if importlib.util.find_spec("rjieba") is not None else "jieba"


def _cache_dir() -> str:
    """A per-user folder for jieba's prefix-dictionary cache.

    jieba writes the cache to a temp file and renames it into place, so several processes
    sharing the folder is safe; a per-user folder avoids a cache left by another user that
    this one cannot overwrite.
    """
    base = tempfile.gettempdir()
    try:
        owner = str(os.getuid())
    except AttributeError:  # Windows
        owner = os.environ.get("USERNAME", "user")
    path = os.path.join(base, f"gridbot-jieba-{owner}")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return base
    return path if os.access(path, os.W_OK) else base


def read_userdict(path: Path) -> list[tuple[str, int | None, str | None]]:
    """Parse a jieba user dictionary: ``word [freq] [tag]`` a line, blank lines ignored."""
    entries: list[tuple[str, int | None, str | None]] = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        parts = line.split()
        if not parts:
            continue
        word, freq, tag = parts[0], None, None
        rest = parts[1:]
        if rest and rest[0].isdigit():
            freq = int(rest.pop(0))
        if rest:
            tag = rest[0]
        entries.append((normalize(word), freq, tag))
    return entries


_spare = threading.Lock()
_spare_taken = False


def _rjieba_dictionary() -> Any:
    """A dictionary of its own for a segmenter. rjieba's import already builds one for its
    module-level functions (``rjieba.cut``), which gridbot never calls: the first segmenter
    takes that one, so a process holds one dictionary, not two (24 MB and 0.3 s at start-up)."""
    global _spare_taken
    import rjieba  # imported late, like jieba

    with _spare:
        spare = getattr(rjieba, "_DEFAULT_JIEBA", None)
        if not _spare_taken and spare is not None:
            _spare_taken = True
            return spare
    return rjieba.Jieba()


class Segmenter:
    """Precise-mode jieba (HMM on) with normalised output.

    ``cut`` lower-cases, turns full-width into half-width and traditional into simplified
    characters, and drops whitespace, punctuation and emoji tokens. ``backend`` is one of
    BACKENDS, or None for ``default_backend()``; an unknown name raises ValueError.
    ``cache_dir`` (jieba's prefix-dictionary cache) only matters to the jieba backend.
    """

    def __init__(
        self,
        userdict: Path | None = None,
        extra_words: Iterable[str] = (),
        *,
        use_userdict: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
        backend: str | None = None,
    ) -> None:
        self._backend = backend or default_backend()
        if self._backend not in BACKENDS:
            raise ValueError(f"unknown segmenter backend {backend!r}; expected one of {', '.join(BACKENDS)}")
        self._userdict = (Path(userdict) if userdict else DEFAULT_USERDICT) if use_userdict else None
        self._extra_words = tuple(w for w in (normalize(x).strip() for x in extra_words) if w)
        self._cache_dir = os.fspath(cache_dir) if cache_dir is not None else None
        self._tokenizer: Any = None
        self._cut: Any = None  # the backend's cut(text) -> iterable of tokens
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._tokenizer is not None

    @property
    def backend(self) -> str:
        return self._backend

    def warm_up(self) -> Segmenter:
        """Build the Tokenizer and load the dictionaries now (blocking, about a second)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    tok = self._build_rjieba() if self._backend == "rjieba" else self._build_jieba()
                    if self._userdict is not None:
                        for word, freq, tag in read_userdict(self._userdict):
                            tok.add_word(word, freq, tag)
                    for word in self._extra_words:
                        tok.add_word(word, None, None)
                    self._cut = self._cutter(tok)
                    self._tokenizer = tok
        return self

    def _cutter(self, tok: Any) -> Any:
        if self._backend == "rjieba":
            return tok.cut  # cut(text, hmm=True): a list, built in Rust
        return lambda text: tok.cut(text, HMM=True)

    @staticmethod
    def _build_rjieba() -> Any:
        return _rjieba_dictionary()

    def _build_jieba(self) -> Any:
        jieba_log = logging.getLogger("jieba")
        level = jieba_log.level
        import jieba  # imported late: importing the package is not free and nothing here needs it sooner

        # jieba gives its logger a stderr handler and DEBUG at import: every line then showed
        # twice (its handler and the root's) whatever the application chose. Undo both.
        for handler in list(jieba_log.handlers):
            jieba_log.removeHandler(handler)
        jieba_log.setLevel(level)

        tok = jieba.Tokenizer()
        tok.tmp_dir = self._cache_dir or _cache_dir()
        tok.initialize()
        return tok

    def add_words(self, words: Iterable[str]) -> None:
        """Add words at start-up (the tokenizer is shared state: not from request handlers)."""
        tok = self.warm_up()._tokenizer
        with self._lock:
            for w in words:
                w = normalize(w).strip()
                if w:
                    tok.add_word(w, None, None)

    @staticmethod
    def normalize(text: str) -> str:
        return normalize(text)

    def cut(self, text: str) -> list[str]:
        """Segment ``text`` into normalised word tokens."""
        return self.cut_normalized(normalize(text))

    def cut_normalized(self, text: str) -> list[str]:
        """Segment text that already went through ``normalize``."""
        if not text:
            return []
        cut = self._cut or self.warm_up()._cut
        # isalnum() settles almost every token in C; the regex only sees the rest.
        return [w for w in cut(text) if w.isalnum() or is_word(w)]
