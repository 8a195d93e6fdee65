"""Keyword rules from the taxonomy: category keywords, urgency words and request-kind cues.

Matching is on normalised text (see textnorm), by substring, with one Aho-Corasick automaton
(pyahocorasick), so one pass over a message finds every cue of every kind. Where one match
lies inside a longer one of the same kind ("吵" in "吵架"), only the longer counts: the longer
word is the more specific. Urgency also comes from the taxonomy's ``urgent_patterns``
(regular expressions such as 困…人 or 人…晕倒), compiled once into one alternation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .taxonomy import DEFAULT_REQUEST_KIND, Taxonomy
from .textnorm import normalize

# Negations right before an urgency word ("没有起火", "未见冒烟", "没有人被困") cancel it, and
# so do words of prevention ("防止老人摔倒"): the message is not about it happening now.
_NEGATIONS = ("没有", "没", "未", "无", "不是", "并非", "防止", "以防", "避免", "以免", "预防")
# Words allowed between a negation and the urgency word: "没有(人)被困", "没(有人)晕倒".
_NEGATION_FILLERS = ("有人", "人")
# When two request kinds score the same, the one needing faster action wins.
_KIND_PRIORITY = ("举报", "求助", "建议", "咨询", "投诉")

Match = tuple[int, int, str]


class PhraseMatcher:
    """All occurrences of a fixed set of phrases in a text (an Aho-Corasick automaton, in C:
    one pass over the text whatever the number of phrases)."""

    def __init__(self, phrases: Iterable[str]) -> None:
        import ahocorasick  # here, not at import: the bot builds one matcher, at start-up

        self._automaton = ahocorasick.Automaton()
        for p in {p for p in phrases if p}:
            self._automaton.add_word(p, (-len(p), p))
        self._ready = len(self._automaton) > 0  # an empty automaton cannot be built nor searched
        if self._ready:
            self._automaton.make_automaton()

    def __bool__(self) -> bool:
        return self._ready

    def find(self, text: str) -> list[Match]:
        """(start, end, phrase) for every match, by start, longest first at each position."""
        if not self._ready:
            return []
        # The automaton reports (last index, value) by end; sort by start, then longest.
        found = sorted([(end + 1 + neg, neg, p) for end, (neg, p) in self._automaton.iter(text)])
        return [(start, start - neg, p) for start, neg, p in found]


def maximal(found: list[Match]) -> list[Match]:
    """The matches not contained in a longer one."""
    if len(found) < 2:
        return found
    out = []
    for m in found:
        start, end = m[0], m[1]
        for o in found:
            if o[0] <= start and end <= o[1] and o[1] - o[0] > end - start:
                break
        else:
            out.append(m)
    return out


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - 4) : start]
    for filler in _NEGATION_FILLERS:
        if before.endswith(filler):
            before = before[: -len(filler)]
            break
    return any(before.endswith(n) for n in _NEGATIONS)


@dataclass(frozen=True)
class Cues:
    """What the cue words say about one message."""

    categories: dict[str, list[str]]  # category -> its distinct keywords found, longest first
    urgent_words: tuple[str, ...]
    request_kind: str
    kind_cues: tuple[tuple[str, str], ...] = ()  # (request kind, cue word) found, in text order


class CueRules:
    """The taxonomy's cue words, compiled for matching."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self._owners: dict[str, list[str]] = {}
        for spec in taxonomy.categories:
            for kw in spec.keywords:
                owners = self._owners.setdefault(normalize(kw), [])
                if spec.name not in owners:
                    owners.append(spec.name)
        self._urgent = {normalize(w) for w in taxonomy.urgent_words} - {""}
        self._kind_of: dict[str, list[str]] = {}
        for kind, cues in taxonomy.request_kinds.items():
            for cue in cues:
                self._kind_of.setdefault(normalize(cue), []).append(kind)
        self._matcher = PhraseMatcher([*self._owners, *self._urgent, *self._kind_of])
        self._kind_order = {k: i for i, k in enumerate(_KIND_PRIORITY)}
        patterns = list(taxonomy.urgent_patterns)  # written for normalised text; lower-casing would break \S
        # One alternation, one pass; a zero-width lookahead lets matches overlap.
        self._urgent_re = re.compile("(?=(" + "|".join(f"(?:{p})" for p in patterns) + "))") if patterns else None

    def scan(self, norm_text: str) -> Cues:
        found = self._matcher.find(norm_text)
        urgent = [m for m in found if m[2] in self._urgent]
        if self._urgent_re is not None:
            urgent.extend((m.start(1), m.end(1), m.group(1)) for m in self._urgent_re.finditer(norm_text) if m.group(1))
        if not found and not urgent:
            return Cues({}, (), DEFAULT_REQUEST_KIND)
        kinds = maximal([m for m in found if m[2] in self._kind_of])
        # Most messages have category keywords only: skip the steps that would find nothing.
        return Cues(
            self._categories(maximal([m for m in found if m[2] in self._owners])),
            self._urgent_words(norm_text, maximal(sorted(urgent))) if urgent else (),
            self._request_kind(kinds) if kinds else DEFAULT_REQUEST_KIND,
            tuple((kind, cue) for _, _, cue in kinds for kind in self._kind_of[cue]) if kinds else (),
        )

    def category_hits(self, norm_text: str) -> dict[str, list[str]]:
        return self.scan(norm_text).categories

    def urgent_hits(self, norm_text: str) -> list[str]:
        return list(self.scan(norm_text).urgent_words)

    def request_kind(self, norm_text: str) -> str:
        return self.scan(norm_text).request_kind

    @staticmethod
    def specificity(keywords: list[str]) -> float:
        """How strongly a category's keywords point at it: the longest keyword dominates,
        further distinct keywords add a little. About 1.0 for one four-character keyword."""
        if not keywords:
            return 0.0
        longest = max(map(len, keywords))
        return (min(longest, 6) + 0.5 * (len(keywords) - 1)) / 4.0

    def _categories(self, matches: list[Match]) -> dict[str, list[str]]:
        hits: dict[str, list[str]] = {}
        for _, _, kw in matches:
            for cat in self._owners[kw]:
                words = hits.setdefault(cat, [])
                if kw not in words:
                    words.append(kw)
        for words in hits.values():
            words.sort(key=len, reverse=True)
        return hits

    @staticmethod
    def _urgent_words(text: str, matches: list[Match]) -> tuple[str, ...]:
        out: list[str] = []
        for start, _, word in matches:
            if not _negated(text, start) and word not in out:
                out.append(word)
        return tuple(out)

    def _request_kind(self, matches: list[Match]) -> str:
        scores: dict[str, int] = {}
        for _, _, cue in matches:
            for kind in self._kind_of[cue]:
                scores[kind] = scores.get(kind, 0) + len(cue)
        if not scores:
            return DEFAULT_REQUEST_KIND
        return max(scores, key=lambda k: (scores[k], -self._kind_order.get(k, len(self._kind_order))))
