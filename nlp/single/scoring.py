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
from dataclasses import dataclass

import numpy as np

from ..features import FeatureSpace, char_text, key_text, word_features

_NONE = (-1, -1)
_ONE = np.float32(1.0)


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
        self._words: dict[str, tuple[int, int]] | None = None
        self._grams: dict[str, tuple[int, int]] = {}
        self._idf = np.zeros(0, np.float32)
        self._offset = space.size  # intent indices follow the category model's in the joint idf
        self._block_weights: tuple[float, ...] = ()

    @staticmethod
    def shares(a: FeatureSpace, b: FeatureSpace) -> bool:
        return (a.word_ngrams, a.char_lo, a.char_hi) == (b.word_ngrams, b.char_lo, b.char_hi)

    def prepare(self) -> PairedScorer:
        if self._words is None:
            words: dict[str, tuple[int, int]] = {}
            grams: dict[str, tuple[int, int]] = {}
            for side, space in enumerate(self._spaces):
                for w, i in space.word_index.items():
                    pair = words.get(w, _NONE)
                    words[w] = (i, pair[1]) if side == 0 else (pair[0], i)
                for i, k in enumerate(space.char_keys.tolist(), start=space.n_words):
                    g = key_text(k)
                    pair = grams.get(g, _NONE)
                    grams[g] = (i, pair[1]) if side == 0 else (pair[0], i)
            self._grams = grams
            self._idf = np.concatenate([np.concatenate((s.word_idf, s.char_idf)) for s in self._spaces]).astype(np.float32)
            self._block_weights = tuple(w for s in self._spaces for w in (s.word_weight, s.char_weight))
            self._words = words
        return self

    def score(self, tokens: Sequence[str], norm_text: str) -> Scores:
        """Features and decision values of one segmented, normalised message."""
        words = self._words if self._words is not None else self.prepare()._words
        assert words is not None
        space = self._spaces[0]
        s = char_text(norm_text)
        grams = list(s)
        for n in range(max(space.char_lo, 2), space.char_hi + 1):
            grams.extend([s[i : i + n] for i in range(len(s) - n + 1)])
        if space.char_lo > 1:
            grams = grams[len(s):]
        # Known features in the order they first occur, words then characters, per model:
        # the order FeatureSpace.transform sums them in.
        cat_ids: list[int] = []
        cat_tf: list[int] = []
        int_ids: list[int] = []
        int_tf: list[int] = []
        bounds = []
        for table, counts in ((words, Counter(word_features(tokens, space.word_ngrams))), (self._grams, Counter(grams))):
            get = table.get
            for feature, n in counts.items():
                a, b = get(feature, _NONE)
                if a >= 0:
                    cat_ids.append(a)
                    cat_tf.append(n)
                if b >= 0:
                    int_ids.append(b)
                    int_tf.append(n)
            bounds.append((len(cat_ids), len(int_ids)))
        n_cat = len(cat_ids)
        # (start, end) of the four blocks in the joint vector: category words, category
        # characters, intent words, intent characters.
        (cw, ci), (cc, ic) = bounds
        blocks = ((0, cw), (cw, cc), (cc, cc + ci), (cc + ci, cc + ic))[: 2 * len(self._spaces)]
        if not cat_ids and not int_ids:
            return Scores(_EMPTY_I, _EMPTY_F, [0.0] * self._weights.shape[1], _EMPTY_I, _EMPTY_F)
        offset = self._offset
        ids = np.array(cat_ids + [i + offset for i in int_ids], dtype=np.int64)
        vals = (np.log(np.array(cat_tf + int_tf, dtype=np.float32)) + _ONE) * self._idf[ids]
        sq = vals * vals
        for (start, end), weight in zip(blocks, self._block_weights):
            if end > start:
                norm = float(sq[start:end].sum())
                if norm:
                    vals[start:end] *= np.float32(weight / math.sqrt(norm))
        if n_cat:
            cat_vals = vals[:n_cat]
            decision = (cat_vals @ self._weights[ids[:n_cat]]).tolist()
        else:
            cat_vals = _EMPTY_F
            decision = [0.0] * self._weights.shape[1]
        return Scores(ids[:n_cat], cat_vals, decision, ids[n_cat:] - offset, vals[n_cat:])


_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float32)
