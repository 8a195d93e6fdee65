"""Telegram's HTML, as TDLib parses it: the visible text (measured in UTF-16 code units)
and its entities, or the exact reason Telegram gives for refusing it.

Source: the Bot API's "Formatting options" (https://core.telegram.org/bots/api#html-style)
and TDLib's parse_html (td/telegram/MessageEntity.cpp) for the error wording. Pure Python.
"""
from __future__ import annotations

from dataclasses import dataclass


class EntityParseError(ValueError):
    """TDLib's reason for refusing HTML, e.g. 'Unsupported start tag "br" at byte offset 0'."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram text limit and entity offset."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Entity:
    """A formatting entity parsed from HTML: type (b, i, a, code...), offsets in UTF-16 units."""

    type: str
    offset: int
    length: int
    argument: str = ""


_TAGS = frozenset(
    "a b strong i em s strike del u ins tg-spoiler tg-emoji span pre code blockquote".split()
)
_CANONICAL = {"strong": "b", "em": "i", "strike": "s", "del": "s", "ins": "u", "span": "tg-spoiler"}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE = " \t\n\r\f\v"


def _entity_at(text: str, i: int) -> tuple[str, int] | None:
    """The character an entity at text[i] == '&' stands for and the index after it, or None."""
    j = i + 1
    if j < len(text) and text[j] == "#":
        j += 1
        hexadecimal = j < len(text) and text[j] in "xX"
        if hexadecimal:
            j += 1
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        start = j
        while j < len(text) and text[j] in digits:
            j += 1
        if j == start:
            return None
        code = int(text[start:j], 16 if hexadecimal else 10)
        if code == 0 or code > 0x10FFFF:
            return None
        if 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
    else:
        start = j
        while j < len(text) and text[j].isascii() and text[j].isalpha():
            j += 1
        name = text[start:j]
        if name not in _NAMED:
            return None
        code = ord(_NAMED[name])
    if j < len(text) and text[j] == ";":
        j += 1
    return chr(code), j


def parse_html(text: str) -> tuple[str, tuple[Entity, ...]]:
    """Parse Telegram-HTML into (visible text, entities), or raise EntityParseError.

    Supported, as in the Bot API docs: b/strong, i/em, u/ins, s/strike/del,
    span class="tg-spoiler", tg-spoiler, a href, code, pre, blockquote, tg-emoji; entities
    &lt; &gt; &amp; &quot; and numeric ones. Byte offsets in messages count UTF-8 bytes of
    the raw text, as TDLib does.
    """
    out: list[str] = []
    entities: list[Entity] = []
    open_tags: list[tuple[str, str, int]] = []  # (tag, argument, utf16 start)
    utf16 = 0
    n = len(text)
    i = 0

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    while i < n:
        c = text[i]
        if c == "&":
            decoded = _entity_at(text, i)
            if decoded is not None:
                out.append(decoded[0])
                utf16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
        if c != "<":
            out.append(c)
            utf16 += 2 if c > "\uffff" else 1  # a surrogate pair beyond the BMP (utf16_len, per character)
            i += 1
            continue
        begin = i
        i += 1
        if i >= n or text[i] != "/":  # a start tag
            while i < n and text[i] not in _SPACE and text[i] != ">":
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}')
            argument = ""
            while i < n and text[i] != ">":
                while i < n and text[i] in _SPACE:
                    i += 1
                if i < n and text[i] == ">":
                    break
                name_start = i
                while i < n and text[i] not in _SPACE and text[i] != "=":
                    i += 1
                name = text[name_start:i]
                if not name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(begin)}'
                    )
                while i < n and text[i] in _SPACE:
                    i += 1
                if i >= n or text[i] != "=":
                    raise EntityParseError(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {byte_offset(begin)}"
                    )
                i += 1
                while i < n and text[i] in _SPACE:
                    i += 1
                if i >= n:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}')
                if text[i] in "'\"":
                    quote = text[i]
                    i += 1
                    value_chars: list[str] = []
                    while i < n and text[i] != quote:
                        if text[i] == "&" and (decoded := _entity_at(text, i)) is not None:
                            value_chars.append(decoded[0])
                            i = decoded[1]
                            continue
                        value_chars.append(text[i])
                        i += 1
                    if i < n:
                        i += 1
                    value = "".join(value_chars)
                else:
                    token_start = i
                    while i < n and (text[i].isascii() and text[i].isalnum() or text[i] in ".-"):
                        i += 1
                    value = text[token_start:i].lower()
                    if i < n and text[i] not in _SPACE and text[i] != ">":
                        raise EntityParseError(f"Unexpected end of name token at byte offset {byte_offset(i)}")
                if i >= n:
                    raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[len("language-"):]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-"):]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
                elif tag == "blockquote" and name == "expandable":
                    argument = "expandable"
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
                )
            open_tags.append((tag, argument, utf16))
            i += 1  # past '>'
        else:  # an end tag
            if not open_tags:
                raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            i += 1
            while i < n and text[i] not in _SPACE and text[i] != ">":
                i += 1
            end_name = text[begin + 2 : i]
            while i < n and text[i] in _SPACE:
                i += 1
            if i >= n or text[i] != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            tag, argument, start = open_tags.pop()
            if end_name and end_name != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {byte_offset(begin)}, expected "</{tag}>", '
                    f'found "</{end_name}>"'
                )
            if utf16 > start:
                entities.append(Entity(_CANONICAL.get(tag, tag), start, utf16 - start, argument))
            i += 1
    if open_tags:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    return "".join(out), tuple(sorted(entities, key=lambda e: (e.offset, -e.length)))


MESSAGE_LIMIT = 4096  # Telegram's limit on a message's visible text, in UTF-16 code units


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """A long text as messages Telegram accepts, cut at line boundaries.

    Measured on the raw text in UTF-16 code units, which is never less than what Telegram
    counts (tags and entities are invisible), so every part fits. A single line longer than
    the limit is cut inside the line. Shape: one part for a text that fits; never an empty
    part.
    """
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while utf16_len(line) > limit:  # a line alone too long: cut it
            cut = limit
            while utf16_len(line[:cut]) > limit:
                cut -= 1
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if current and utf16_len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [p for p in parts if p.strip()]
