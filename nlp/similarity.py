"""How much two short texts say the same thing: cosine of their word sets.

Words come from the jieba segmenter with function words dropped (the classifier's stop
list), so "3号楼楼道堆满杂物" and "3号楼楼道里堆了很多杂物" share 3, 号楼, 楼道, 杂物.
Pure: no database, no aiogram.
"""
from __future__ import annotations

import math
from collections.abc import Set

from .explanation import STOP_WORDS
from .segmenter import Segmenter


def word_set(segmenter: Segmenter, text: str) -> frozenset[str]:
    return frozenset(w for w in segmenter.cut(text) if w not in STOP_WORDS)


def cosine(a: Set[str], b: Set[str]) -> float:
    """|A ∩ B| / sqrt(|A| |B|): 1 for the same words, 0 for none shared or an empty side."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))
