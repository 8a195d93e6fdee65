"""Turning a message into a sparse TF-IDF vector, in plain Python and numpy.

Two blocks, each L2-normalised and then weighted:
- words: jieba tokens and token bigrams (what a word-level model sees);
- chars: character 1..3-grams of the message, which survive typos, unknown words and
  segmentation mistakes that short colloquial messages are full of.
Digit runs are folded to ``0`` so "5栋2单元" and "12栋3单元" look alike.

The same code builds the training matrix and vectorises at inference, so the two never drift.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .textnorm import fold_digits, word_chars


def word_features(tokens: Sequence[str], ngrams: int = 2) -> list[str]:
    toks = [fold_digits(t) for t in tokens]
    feats = list(toks)
    if ngrams >= 2 and len(toks) > 1:
        feats.extend([a + " " + b for a, b in zip(toks, toks[1:])])
    return feats


def char_features(norm_text: str, lo: int = 1, hi: int = 3) -> list[str]:
    # Punctuation, spaces and emoji are dropped and the rest joined: Chinese has no spaces,
    # and "电梯 坏了" should give the same grams as "电梯坏了".
    s = fold_digits(word_chars(norm_text))
    feats: list[str] = []
    n_chars = len(s)
    for n in range(lo, hi + 1):
        if n == 1:
            feats.extend(s)
        else:
            feats.extend([s[i : i + n] for i in range(n_chars - n + 1)])
    return feats


@dataclass
class Block:
    """One vocabulary with its IDF weights (sklearn's smooth IDF, sublinear TF)."""

    index: dict[str, int]
    idf: np.ndarray  # float32, one per feature

    @classmethod
    def fit(cls, docs: Sequence[Sequence[str]], min_df: int = 1) -> Block:
        df: dict[str, int] = {}
        for feats in docs:
            for f in set(feats):
                df[f] = df.get(f, 0) + 1
        names = sorted(f for f, c in df.items() if c >= min_df)
        n = len(docs)
        idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in names], dtype=np.float32)
        return cls({f: i for i, f in enumerate(names)}, idf)

    @property
    def names(self) -> list[str]:
        out = [""] * len(self.index)
        for f, i in self.index.items():
            out[i] = f
        return out

    def __len__(self) -> int:
        return len(self.index)

    def transform(self, feats: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        index = self.index
        counts: dict[int, int] = {}
        for f in feats:
            j = index.get(f)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return _EMPTY_I, _EMPTY_F
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        vals = (np.log(tf) + 1.0) * self.idf[idx]
        vals /= np.sqrt(np.dot(vals, vals))
        return idx, vals


_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float32)


@dataclass
class FeatureSpace:
    words: Block
    chars: Block
    word_ngrams: int = 2
    char_lo: int = 1
    char_hi: int = 3
    word_weight: float = 1.0
    char_weight: float = 1.0

    @property
    def size(self) -> int:
        return len(self.words) + len(self.chars)

    @classmethod
    def fit(
        cls,
        docs: Sequence[tuple[Sequence[str], str]],
        *,
        word_ngrams: int = 2,
        char_range: tuple[int, int] = (1, 3),
        word_weight: float = 1.0,
        char_weight: float = 1.0,
        min_df: int = 1,
    ) -> FeatureSpace:
        lo, hi = char_range
        words = Block.fit([word_features(t, word_ngrams) for t, _ in docs], min_df)
        chars = Block.fit([char_features(s, lo, hi) for _, s in docs], min_df)
        return cls(words, chars, word_ngrams, lo, hi, word_weight, char_weight)

    def transform(self, tokens: Sequence[str], norm_text: str) -> tuple[np.ndarray, np.ndarray]:
        """Indices and values of the non-zero features of one message."""
        wi, wv = self.words.transform(word_features(tokens, self.word_ngrams))
        ci, cv = self.chars.transform(char_features(norm_text, self.char_lo, self.char_hi))
        if self.word_weight != 1.0:
            wv = wv * self.word_weight
        if self.char_weight != 1.0:
            cv = cv * self.char_weight
        return np.concatenate((wi, ci + len(self.words))), np.concatenate((wv, cv))

    def matrix(self, docs: Sequence[tuple[Sequence[str], str]]):  # -> scipy.sparse.csr_matrix
        """The training matrix (scipy is only needed when training)."""
        from scipy.sparse import csr_matrix

        indptr = [0]
        all_idx: list[np.ndarray] = []
        all_val: list[np.ndarray] = []
        for tokens, norm in docs:
            idx, vals = self.transform(tokens, norm)
            all_idx.append(idx)
            all_val.append(vals)
            indptr.append(indptr[-1] + len(idx))
        idx = np.concatenate(all_idx) if all_idx else _EMPTY_I
        val = np.concatenate(all_val) if all_val else _EMPTY_F
        return csr_matrix((val, idx, np.array(indptr)), shape=(len(docs), self.size))
