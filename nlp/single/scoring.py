"""The category model's and the intent model's features of one message, counted once.

Both models see the same kind of features (nlp/features.py: word tokens and bigrams,
character 1..3-grams), each through its own vocabulary. One message is cut into features and
counted once; one dictionary lookup per distinct feature gives its index in both
vocabularies; the TF-IDF values of both vectors come out of one pass of numpy calls.

Every number is computed with the same float32 operations, in the same order, as
``FeatureSpace.transform`` followed by each model's dot product, so the decision values are
bit for bit the same (tests/unit/nlp/test_classify_golden.py holds the classifier to that).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from itertools import compress, repeat
from dataclasses import dataclass

import numpy as np

from ..features import FeatureSpace, char_text, key_text, word_features

_ONE = np.float32(1.0)
_add = np.add.reduce


@dataclass(frozen=True)
class Scores:
    """Both models' view of one message.

    ``ids``/``vals``: the category model's non-zero features (index, TF-IDF value), as
    ``FeatureSpace.transform`` gives them; ``decision``: its decision value per label
    (float32 values, without bias); ``intent_ids``/``intent_vals`` likewise for the intent
    model (empty arrays without one).
    """

    ids: np.ndarray
    vals: np.ndarray
    decision: list[float]
    intent_ids: np.ndarray
    intent_vals: np.ndarray


class PairedScorer:
    """Scores messages with a category model and, optionally, an intent model.

    ``shares(a, b)`` says whether two feature spaces cut messages alike (same word n-grams
    and character range): only then can their counting be shared. Tables are built on the
    first ``score`` or at ``prepare()``; read-only afterwards, so thread-safe once built.
    """

    def __init__(self, space: FeatureSpace, weights: np.ndarray, intent_space: FeatureSpace | None = None) -> None:
        if intent_space is not None and not self.shares(space, intent_space):
            raise ValueError("the two feature spaces cut messages differently")
        self._spaces = (space,) if intent_space is None else (space, intent_space)
        self._weights = weights
        # Word features and character n-grams -> a row number (from 1) in ``_rows``, which
        # holds each one's index in the joint vector (the category model's features, then the
        # intent model's; -1 where a model lacks it). One lookup per feature for both models:
        # on a short message the lookups in these large tables are most of the cost.
        self._words: dict[str, int] | None = None
        self._grams: dict[str, int] = {}
        self._rows = np.zeros((0, 2), np.int64)
        self._idf = np.zeros(0, np.float32)
        self._offset = space.size
        self._block_weights: tuple[float, ...] = ()

    @staticmethod
    def shares(a: FeatureSpace, b: FeatureSpace) -> bool:
        return (a.word_ngrams, a.char_lo, a.char_hi) == (b.word_ngrams, b.char_lo, b.char_hi)

    def prepare(self) -> PairedScorer:
        if self._words is None:
            rows: list[list[int]] = [[-1, -1]]  # row 0: unknown to both
            words: dict[str, int] = {}
            grams: dict[str, int] = {}
            start = 0
            for side, space in enumerate(self._spaces):
                named = [(words, w, i) for w, i in space.word_index.items()]
                named += [(grams, key_text(k), i) for i, k in enumerate(space.char_keys.tolist(), space.n_words)]
                for table, name, i in named:
                    row = table.get(name)
                    if row is None:
                        row = table[name] = len(rows)
                        rows.append([-1, -1])
                    rows[row][side] = start + i
                start += space.size
            self._rows = np.array(rows, dtype=np.int64)
            self._idf = np.concatenate([np.concatenate((s.word_idf, s.char_idf)) for s in self._spaces]).astype(np.float32)
            self._block_weights = tuple(w for s in self._spaces for w in (s.word_weight, s.char_weight))
            self._grams = grams
            self._words = words
        return self

    def score(self, tokens: Sequence[str], norm_text: str, chars: str | None = None) -> Scores:
        """Features and decision values of one segmented, normalised message; ``chars``:
        its ``char_text`` if already known."""
        words = self._words if self._words is not None else self.prepare()._words
        assert words is not None
        space = self._spaces[0]
        s = char_text(norm_text) if chars is None else chars
        grams = list(s)
        for n in range(max(space.char_lo, 2), space.char_hi + 1):
            grams.extend([s[i : i + n] for i in range(len(s) - n + 1)])
        if space.char_lo > 1:
            grams = grams[len(s) :]
        feats = word_features(tokens, space.word_ngrams)
        # Distinct features in the order they first occur, words then characters: the order
        # FeatureSpace.transform sums them in. Most short messages repeat none.
        w_keys = dict.fromkeys(feats)
        g_keys = dict.fromkeys(grams)
        repeated = len(w_keys) < len(feats) or len(g_keys) < len(grams)
        found = list(map(words.get, w_keys, repeat(0)))
        n_w = len(found)
        found += map(self._grams.get, g_keys, repeat(0))
        # Each model's known features (cat, then intent), in order, in one boolean pick.
        index = self._rows.take(np.fromiter(found, np.intp, len(found)), axis=0).T
        known = index >= 0
        ids = index[known]
        # Known (words, characters) of the category model, then of the intent model if any.
        # Each numpy call costs about as much as a dozen lookups here: as few as possible.
        if 0 < n_w < len(found):
            lengths = np.add.reduceat(known, [0, n_w], axis=1).ravel().tolist()
        else:
            n_all = _add(known, axis=1).tolist()
            lengths = [n_all[0], 0, n_all[1], 0] if n_w else [0, n_all[0], 0, n_all[1]]
        lengths = lengths[: 2 * len(self._spaces)]
        n_cat = lengths[0] + lengths[1]
        n_labels = self._weights.shape[1]
        if not len(ids):
            return Scores(_EMPTY_I, _EMPTY_F, [0.0] * n_labels, _EMPTY_I, _EMPTY_F)
        vals = self._idf.take(ids)  # log(1) + 1 = 1: a feature seen once has its IDF as value
        if repeated:
            tf = np.array(_counts(feats, w_keys) + _counts(grams, g_keys), dtype=np.float32)
            vals = (np.log(np.broadcast_to(tf, known.shape)[known]) + _ONE) * vals
        sq = vals * vals
        scales = []
        start = 0
        for length, weight in zip(lengths, self._block_weights):
            end = start + length
            norm = float(_add(sq[start:end])) if length else 0.0  # ndarray.sum(), without its wrapper
            # A block of norm 0 stays as it is (FeatureSpace.transform skips it; x 1 is exact).
            scales.append(weight / math.sqrt(norm) if norm else 1.0)
            start = end
        vals *= np.array(scales, dtype=np.float32).repeat(lengths)
        if n_cat:
            cat_ids = ids[:n_cat]
            cat_vals = vals[:n_cat]
            decision = (cat_vals @ self._weights.take(cat_ids, axis=0)).tolist()
        else:
            cat_ids, cat_vals, decision = _EMPTY_I, _EMPTY_F, [0.0] * n_labels
        return Scores(cat_ids, cat_vals, decision, ids[n_cat:] - self._offset, vals[n_cat:])


def _counts(items: list[str], distinct: dict[str, None]) -> list[int]:
    """How often each distinct item occurs in ``items``: list.count on a short message (no
    Counter to build), a Counter on a long one (list.count would be quadratic)."""
    if len(items) <= 64:
        return list(map(items.count, distinct))
    counts = Counter(items)
    return [counts[k] for k in distinct]


_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float32)
