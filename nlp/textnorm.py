"""Text normalisation shared by the segmenter, the features and the keyword rules.

One canonical form everywhere: NFKC (full-width letters, digits and punctuation become
half-width), lower case, the common traditional characters mapped to simplified ones,
zero-width characters removed. Keywords and user-dictionary words go through the same
function, so a rule written in simplified Chinese still matches a message typed in
traditional characters or with a full-width keyboard.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from .taxonomy import DATA_DIR

T2S_PATH = DATA_DIR / "t2s.txt"

# Invisible characters that break keyword matches when pasted from other apps.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_WORD_CHAR = re.compile(r"[^\W_]")  # a letter, digit or CJK character (not punctuation/emoji)
_DIGITS = re.compile(r"\d+")


@functools.cache
def _translation_table() -> dict[int, int | None]:
    table: dict[int, int | None] = dict(_INVISIBLE)
    for line in T2S_PATH.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        for pair in line.split():
            if len(pair) == 2:
                table[ord(pair[0])] = ord(pair[1])
    return table


@functools.cache
def _mapped() -> re.Pattern[str]:
    """Any character that the translation table maps (traditional, invisible)."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_translation_table())) + "]")


@functools.cache
def _full_width() -> dict[int, str]:
    """The full-width forms of ASCII (，？！：１ＡＢ...) and the ideographic space, each mapped to
    its NFKC form, its ASCII twin. Chinese keyboards type them: half of all messages hold one."""
    return {c: unicodedata.normalize("NFKC", chr(c)) for c in (*range(0xFF01, 0xFF5F), 0x3000)}


def normalize(text: str) -> str:
    """Canonical form of ``text`` (see the module docstring)."""
    if not text:
        return ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (broken emoji from some clients) cannot be encoded
        text = text.encode("utf-8", "replace").decode("utf-8")
    if not unicodedata.is_normalized("NFKC", text):  # the quick check is much cheaper than normalising
        # Mostly a full-width comma: map those characters to their NFKC forms first (which
        # leaves the NFKC of the whole unchanged), and normalise only if something else remains.
        text = text.translate(_full_width())
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    # Most messages hold no character to map: one regex scan is cheaper than translate.
    return text.translate(_translation_table()) if _mapped().search(text) else text


def is_word(token: str) -> bool:
    """True when the token holds a letter, digit or CJK character (not only punctuation/emoji)."""
    return _WORD_CHAR.search(token) is not None


def fold_digits(text: str) -> str:
    """Collapse every run of digits to ``0``: "5栋2单元" and "12栋3单元" share their features."""
    return _DIGITS.sub("0", text)


_NON_WORD = re.compile(r"[\W_]+")


def word_chars(text: str) -> str:
    """Only the letters, digits and CJK characters of ``text``, joined."""
    return _NON_WORD.sub("", text)
