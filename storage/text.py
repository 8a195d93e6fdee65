"""Text hygiene at the door: what a reader accepts must be what every writer can write.

PostgreSQL refuses a NUL byte in text; XLSX (XML 1.0) refuses control characters such as
\\x0b pasted from Word; a chart label with them renders as boxes. So text from residents,
organisation files and the command line is cleaned once, where it comes in:

* Unicode NFC (one form for the same characters, so a search and a duplicate check agree);
* control characters removed, except newline and tab (Unicode category Cc and the
  surrogates; format characters like the zero-width joiner in emoji are kept);
* a NUL is refused outright with BadText: it is never typed, so it means a broken paste or
  an attack, and silently dropping it could change what was meant.
"""
from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class BadText(ValueError):
    """The text holds a NUL: ask the person to type it again."""


def clean_text(text: str) -> str:
    """NFC, without control characters other than \\n and \\t; raises BadText on NUL.

    Shape: str -> str, the same or shorter; never adds characters.
    """
    if "\x00" in text:
        raise BadText("NUL in text")
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def writable(text: str) -> str:
    """For writers (XLSX, CSV, charts): like clean_text, but drops a NUL instead of raising,
    since a writer must not fail on a row a reader once accepted."""
    return clean_text(text.replace("\x00", ""))
