"""The category model's and the intent model's view of one message, with three numpy calls.

A short message has a few dozen features, and a numpy call on arrays that small costs more
than the arithmetic it does: the float32 path of ``FeatureSpace.transform`` followed by each
model's dot product took some twenty-five of them. Here one table row per feature holds
everything both models need of it, premultiplied: its IDF times each category weight, its
IDF squared (for the norms), and the same for the intent model (IDF squared, IDF times the
report - chat weight). The message's features are looked up once (one dictionary for words,
one for character n-grams), their rows gathered, and summed per block (words, characters):
every decision value and every norm is a block sum times the block's scale.

The arithmetic is float64 where the batch path's is float32, so the numbers agree to about
1e-7 rather than bit for bit; every answer on the recorded corpus is the same
(tests/unit/nlp/test_classify_golden.py).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from itertools import repeat
from operator import add

import numpy as np

from ..features import FeatureSpace, char_text, word_features

MAX_TF = 64  # repeated features' weights are tabled up to this count, computed beyond


class Scores:
    """Both models' view of one message (see ``PairedScorer.score``).

    ``decision``: the category model's decision value per label, without bias; ``seen``:
    whether that model knows any of the message's features; ``intent``: the intent model's
    decision value (report - chat, bias included), None without an intent model; ``rows``:
    the message's features, as rows of ``PairedScorer.texts``, words first.
    """

    __slots__ = ("decision", "seen", "intent", "rows", "_gathered", "_n_words", "_scales", "_scorer")

    def __init__(self, scorer: PairedScorer, decision: list[float], intent: float | None, rows: list[int],
                 gathered: np.ndarray | None, n_words: int, scales: tuple[float, float, float, float]) -> None:
        self.decision = decision
        self.seen = scales[0] > 0 or scales[1] > 0
        self.intent = intent
        self.rows = rows
        self._gathered = gathered
        self._n_words = n_words
        self._scales = scales
        self._scorer = scorer

    def _scaled(self, column: int, word_scale: float, char_scale: float) -> list[float]:
        """One column of the message's rows, each times its block's scale."""
        if self._gathered is None:
            return []
        # Two slice fills and one product in numpy cost less than a Python product per row.
        scale = np.empty(len(self.rows))
        scale[: self._n_words] = word_scale
        scale[self._n_words :] = char_scale
        return (self._gathered[:, column] * scale).tolist()

    def intent_contributions(self) -> list[float]:
        """Each feature's contribution to the intent decision, in the order of ``rows``."""
        return self._scaled(self._scorer.intent_column, self._scales[2], self._scales[3])

    def strongest(self, label: int, limit: int | None = None) -> list[tuple[tuple[str, ...] | str, float]]:
        """The features pushing the category model toward ``label`` (value x weight > 0) that
        may explain it, strongest first, with what each stands for; ties as the batch path
        breaks them (contribution rounded to 5 decimals, then feature index). The first
        ``limit`` of them only, if given."""
        explains, texts = self._scorer.explains, self._scorer.texts
        found = [
            (-round(c * 100000.0), r, c)
            for r, c in zip(self.rows, self._scaled(label, self._scales[0], self._scales[1]))
            if c > 0 and explains[r]
        ]
        found.sort()
        return [(texts[r], c) for _, r, c in found[:limit]]


class PairedScorer:
    """Scores one message with a category model and, optionally, an intent model.

    ``shares(a, b)`` says whether two feature spaces cut messages alike (same word n-grams
    and character range): only then can one table serve both. Tables are built on the first
    ``score`` or at ``prepare()``; read-only afterwards, so thread-safe once built.
    """

    def __init__(
        self,
        space: FeatureSpace,
        weights: np.ndarray,
        intent_space: FeatureSpace | None = None,
        intent_weights: np.ndarray | None = None,
        intent_bias: float = 0.0,
    ) -> None:
        """``weights``: the category model's (features x labels); ``intent_weights``: the
        intent model's report - chat weight per feature, and ``intent_bias`` likewise."""
        if intent_space is not None and not self.shares(space, intent_space):
            raise ValueError("the two feature spaces cut messages differently")
        if (intent_space is None) != (intent_weights is None):
            raise ValueError("an intent space needs its weights, and only then")
        self._space = space
        self._weights = weights
        self._intent = (intent_space, intent_weights) if intent_space is not None and intent_weights is not None else None
        self._intent_bias = intent_bias
        self._n_labels = weights.shape[1]
        self.intent_column = self._n_labels + 2
        self._words: dict[str, int] | None = None
        self._grams: dict[str, int] = {}
        self._unknown = 0
        self._table = np.zeros((0, self._n_labels + 3))
        self._powers = np.ones(self._n_labels + 3)
        self._tf_weights = np.ones((1, self._n_labels + 3))
        # Per row: what the feature stands for (FeatureSpace.texts), and whether it may explain
        # a category (see nlp.explanation). Rows of the category model's features are its
        # feature indices; the intent model's other features follow.
        self.texts: list[tuple[str, ...] | str] = []
        self.explains: list[bool] = []

    @staticmethod
    def shares(a: FeatureSpace, b: FeatureSpace) -> bool:
        return (a.word_ngrams, a.char_lo, a.char_hi) == (b.word_ngrams, b.char_lo, b.char_hi)

    def prepare(self) -> PairedScorer:
        if self._words is None:
            space, labels = self._space, self._n_labels
            texts = space.texts()
            tables: tuple[dict[str, int], dict[str, int]] = ({}, {})
            for r, text in enumerate(texts):
                is_word = r < space.n_words
                tables[not is_word][" ".join(text) if is_word else text] = r  # type: ignore[arg-type]
            idf = np.concatenate((space.word_idf, space.char_idf)).astype(np.float64)
            rows = [np.hstack((self._weights * idf[:, None], idf[:, None] ** 2, np.zeros((len(idf), 2))))]
            explains = [r < space.n_words or len(t) > 1 for r, t in enumerate(texts)]
            if self._intent is not None:
                ispace, iweights = self._intent
                i_idf = np.concatenate((ispace.word_idf, ispace.char_idf)).astype(np.float64)
                i_rows = []
                for j, text in enumerate(ispace.texts()):
                    is_word = j < ispace.n_words
                    table = tables[not is_word]
                    name = " ".join(text) if is_word else text
                    r = table.get(name)  # type: ignore[arg-type]
                    if r is None:
                        r = table[name] = len(texts)  # type: ignore[index]
                        texts.append(text)
                        explains.append(False)  # the category model knows nothing of it
                    i_rows.append(r)
                extra = np.zeros((len(texts) - len(idf) + 1, labels + 3))  # and the unknown row
                rows.append(extra)
                table = np.concatenate(rows)
                table[i_rows, labels + 1] = i_idf**2
                table[i_rows, labels + 2] = i_idf * iweights.astype(np.float64)
            else:
                table = np.concatenate((rows[0], np.zeros((1, labels + 3))))  # and the unknown row
            self._unknown = len(texts)
            texts.append("")
            explains.append(False)
            self._table = np.ascontiguousarray(table)
            self._powers[labels : labels + 2] = 2.0  # the squared columns
            self._tf_weights = np.power.outer(np.log(np.arange(1, MAX_TF, dtype=np.float64)) + 1.0, self._powers)
            self._tf_weights = np.concatenate((np.ones((1, labels + 3)), self._tf_weights))  # tf 0: never asked
            self.texts, self.explains = texts, explains
            self._grams, self._words = tables[1], tables[0]
        return self

    def score(self, tokens: Sequence[str], norm_text: str, chars: str | None = None) -> Scores:
        """Both models' view of one segmented, normalised message; ``chars``: its
        ``char_text`` if already known."""
        words = self._words if self._words is not None else self.prepare()._words
        assert words is not None
        space = self._space
        s = char_text(norm_text) if chars is None else chars
        grams = char_grams(s, space.char_lo, space.char_hi)
        feats = word_features(tokens, space.word_ngrams)
        # Distinct features in the order they first occur, each with the row of its entry
        # (``self._unknown``, all zeros, for a feature neither model knows). A repeated
        # n-gram repeats its first character, a repeated word bigram its words: when no
        # character and no word repeats (most short messages), every feature is distinct.
        # Otherwise a Counter (counted in C) gives the distinct features, in that order, and
        # how often each occurs.
        repeats = len(set(s)) < len(s) or len(set(feats[: len(tokens)])) < len(tokens)
        w_keys: Sequence[str] | Counter[str] = Counter(feats) if repeats else feats
        g_keys: Sequence[str] | Counter[str] = Counter(grams) if repeats else grams
        unknown = repeat(self._unknown)
        rows = list(map(words.get, w_keys, unknown))
        n_words = len(rows)
        rows += map(self._grams.get, g_keys, unknown)
        labels = self._n_labels
        if not rows:
            return Scores(self, [0.0] * labels, self._intent_bias if self._intent else None, rows, None, 0, (0.0,) * 4)
        gathered = self._table.take(rows, axis=0)
        if repeats and (n_words < len(feats) or len(rows) - n_words < len(grams)):
            # A feature seen tf times weighs 1 + log(tf) times as much, its square
            # (1 + log(tf))^2 times: one row of ``self._tf_weights`` per tf.
            tf = [*w_keys.values(), *g_keys.values()]  # type: ignore[union-attr]  # Counters when repeats
            if max(tf) < len(self._tf_weights):
                gathered *= self._tf_weights.take(tf, axis=0)
            else:
                gathered *= np.power.outer(np.log(tf) + 1.0, self._powers)
        if 0 < n_words < len(rows):
            word_sums, char_sums = np.add.reduceat(gathered, [0, n_words]).tolist()
        else:
            sums = np.add.reduce(gathered).tolist()
            zeros = [0.0] * len(sums)
            word_sums, char_sums = (sums, zeros) if n_words else (zeros, sums)
        # Each block (words, characters) is L2-normalised, then weighted, per model.
        sw = space.word_weight / math.sqrt(word_sums[labels]) if word_sums[labels] else 0.0
        sc = space.char_weight / math.sqrt(char_sums[labels]) if char_sums[labels] else 0.0
        decision = [sw * w + sc * c for w, c in zip(word_sums[:labels], char_sums[:labels])]
        intent, siw, sic = None, 0.0, 0.0
        if self._intent is not None:
            ispace = self._intent[0]
            iw, ic = word_sums[labels + 1], char_sums[labels + 1]
            siw = ispace.word_weight / math.sqrt(iw) if iw else 0.0
            sic = ispace.char_weight / math.sqrt(ic) if ic else 0.0
            intent = siw * word_sums[labels + 2] + sic * char_sums[labels + 2] + self._intent_bias
        return Scores(self, decision, intent, rows, gathered, n_words, (sw, sc, siw, sic))


def char_grams(s: str, lo: int, hi: int) -> list[str]:
    """Every character n-gram of ``s`` with lo <= n <= hi, by n, then by position. Each
    n-gram is an (n-1)-gram plus the next character: one ``map`` in C per n, no slicing loop."""
    grams: list[str] = []
    ngrams = list(s)  # the 1-grams
    for n in range(1, hi + 1):
        if n > 1:
            ngrams = list(map(add, ngrams, s[n - 1 :]))
        if n >= lo:
            grams += ngrams
    return grams
