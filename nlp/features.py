"""Turning messages into sparse TF-IDF vectors, in Python and numpy only.

Two blocks, each L2-normalised per message and then weighted:
- words: jieba tokens and token bigrams (what a word-level model sees);
- chars: character 1..3-grams, which survive the typos, unknown words and segmentation
  mistakes that short colloquial messages are full of.
Digit runs are folded to ``0`` so "5栋2单元" and "12栋3单元" look alike.

Character n-grams are integers (up to three 21-bit code points packed into a uint64), so a
whole batch is cut into grams and looked up with a handful of vectorised numpy calls instead
of a Python loop per gram: that loop would cost more than jieba itself.

One code path builds the training matrix and vectorises at inference, so they never drift.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .textnorm import fold_digits, word_chars

Doc = tuple[Sequence[str], str]  # (jieba tokens, normalised text)

_SEP = "\x01"  # joins a batch's texts; never survives word_chars, so no gram spans two messages
_BITS = np.uint64(21)
MAX_CHAR_N = 3


def word_features(tokens: Sequence[str], ngrams: int = 2) -> list[str]:
    if not tokens:
        return []
    toks = fold_digits(_SEP.join(tokens)).split(_SEP)  # one regex call, not one per token
    if ngrams >= 2 and len(toks) > 1:
        return toks + [a + " " + b for a, b in zip(toks, toks[1:])]
    return toks


def char_text(norm_text: str) -> str:
    # Punctuation, spaces and emoji are dropped and the rest joined: Chinese has no spaces,
    # and "电梯 坏了" should give the same grams as "电梯坏了".
    return fold_digits(word_chars(norm_text))


def char_keys(texts: Sequence[str], lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """(keys, row) of every character n-gram (lo <= n <= hi) of the ``char_text`` strings."""
    joined = _SEP.join(texts)
    if not joined:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(t) + 1 for t in texts), np.int64, len(texts))
    row_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)[: len(cp)]
    sep = cp == ord(_SEP)
    keys: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    for n in range(lo, hi + 1):
        m = len(cp) - n + 1
        if m <= 0:
            break
        key = cp[:m].copy()
        bad = sep[:m].copy()
        for j in range(1, n):
            key = (key << _BITS) | cp[j : j + m]
            bad |= sep[j : j + m]
        good = ~bad
        keys.append(key[good])
        rows.append(row_of[:m][good])
    if not keys:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    return np.concatenate(keys), np.concatenate(rows)


def key_text(key: int) -> str:
    """The characters of a packed n-gram key (for people reading a model)."""
    chars = []
    while key:
        chars.append(chr(key & 0x1FFFFF))
        key >>= 21
    return "".join(reversed(chars))


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    # scikit-learn's smooth IDF, so figures compare with a TfidfVectorizer.
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)


@dataclass
class FeatureSpace:
    word_index: dict[str, int]
    word_idf: np.ndarray
    char_keys: np.ndarray  # sorted uint64 n-gram keys
    char_idf: np.ndarray
    word_ngrams: int = 2
    char_lo: int = 1
    char_hi: int = 3
    word_weight: float = 1.0
    char_weight: float = 1.0
    _idf: np.ndarray | None = field(default=None, repr=False, compare=False)
    _char_lookup: dict[str, int] | None = field(default=None, repr=False, compare=False)

    @property
    def n_words(self) -> int:
        return len(self.word_index)

    @property
    def size(self) -> int:
        return len(self.word_index) + len(self.char_keys)

    @property
    def word_names(self) -> list[str]:
        names = [""] * len(self.word_index)
        for w, i in self.word_index.items():
            names[i] = w
        return names

    def texts(self) -> list[tuple[str, ...] | str]:
        """What each feature stands for, by index, to credit the message's tokens with it: a
        word feature's words (one, or two for a bigram), a character n-gram's characters."""
        words: list[tuple[str, ...] | str] = [tuple(name.split(" ")) for name in self.word_names]
        return words + [key_text(k) for k in self.char_keys.tolist()]

    @classmethod
    def fit(
        cls,
        docs: Sequence[Doc],
        *,
        word_ngrams: int = 2,
        char_range: tuple[int, int] = (1, 3),
        min_df: int = 1,
    ) -> FeatureSpace:
        return cls._count(docs, word_ngrams, char_range, min_df)[0]

    @classmethod
    def fit_matrix(
        cls,
        docs: Sequence[Doc],
        *,
        word_ngrams: int = 2,
        char_range: tuple[int, int] = (1, 3),
        min_df: int = 1,
    ):  # -> tuple[FeatureSpace, scipy.sparse.csr_matrix]
        """``fit`` and ``matrix`` at once (word and char weights 1), cutting every message into
        features once instead of twice: the same space and the same matrix, for training."""
        from scipy.sparse import csr_matrix

        space, rows, ids = cls._count(docs, word_ngrams, char_range, min_df)
        rows, ids, vals = space._vectorize(rows, ids, len(docs))
        indptr = np.searchsorted(rows, np.arange(len(docs) + 1))
        return space, csr_matrix((vals, ids, indptr), shape=(len(docs), space.size))

    @classmethod
    def _count(
        cls, docs: Sequence[Doc], word_ngrams: int, char_range: tuple[int, int], min_df: int
    ) -> tuple[FeatureSpace, np.ndarray, np.ndarray]:
        """The space, and (row, feature index) of every kept feature occurrence in ``docs``."""
        lo, hi = char_range
        if not 1 <= lo <= hi <= MAX_CHAR_N:
            raise ValueError(f"character n-grams must lie within 1..{MAX_CHAR_N}, got {char_range}")
        n_docs = len(docs)
        # Words: ids in first-seen order (one dict operation per occurrence), sorted later.
        seen: dict[str, int] = {}
        add = seen.setdefault
        w_ids: list[int] = []
        w_len = np.zeros(n_docs, dtype=np.int64)
        for r, (tokens, _) in enumerate(docs):
            feats = word_features(tokens, word_ngrams)
            w_len[r] = len(feats)
            w_ids.extend([add(f, len(seen)) for f in feats])
        w_rows = np.repeat(np.arange(n_docs, dtype=np.int64), w_len)
        w_first = np.array(w_ids, dtype=np.int64)
        names = sorted(seen)
        order = np.empty(len(names), dtype=np.int64)  # first-seen id -> sorted position
        order[np.fromiter((seen[f] for f in names), np.int64, len(names))] = np.arange(len(names))
        w_all = order[w_first] if len(w_first) else w_first
        wdf = _document_counts(w_all, w_rows, len(names), n_docs)
        # Characters: distinct packed keys; the inverse gives each occurrence its index.
        keys, c_rows = char_keys([char_text(s) for _, s in docs], lo, hi)
        if len(keys):
            ukeys, inv = np.unique(keys, return_inverse=True)
            c_all = inv.reshape(-1).astype(np.int64)
        else:
            ukeys, c_all = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        cdf = _document_counts(c_all, c_rows, len(ukeys), n_docs)
        # min_df: keep frequent enough features, renumbered; the rest map to -1 and are dropped.
        w_keep, c_keep = wdf >= min_df, cdf >= min_df
        w_new = np.where(w_keep, np.cumsum(w_keep) - 1, -1)
        c_new = np.where(c_keep, np.cumsum(c_keep) - 1, -1)
        n_words = int(w_keep.sum())
        ids = np.concatenate((w_new[w_all], np.where(c_new[c_all] >= 0, c_new[c_all] + n_words, -1)))
        rows = np.concatenate((w_rows, c_rows))
        kept = ids >= 0
        space = cls(
            {f: i for i, f in enumerate(np.array(names, dtype=object)[w_keep].tolist())} if names else {},
            _idf(wdf[w_keep].astype(np.float64), n_docs),
            ukeys[c_keep], _idf(cdf[c_keep].astype(np.float64), n_docs),
            word_ngrams, lo, hi,
        )
        return space, rows[kept], ids[kept]

    def batch(self, docs: Sequence[Doc]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, feature index, value) of every non-zero feature, sorted by row then index."""
        get = self.word_index.get
        w_ids: list[int] = []
        w_rows: list[int] = []
        for r, (tokens, _) in enumerate(docs):
            found = [j for j in map(get, word_features(tokens, self.word_ngrams)) if j is not None]
            w_ids.extend(found)
            w_rows.extend([r] * len(found))
        keys, c_rows = char_keys([char_text(s) for _, s in docs], self.char_lo, self.char_hi)
        pos = np.searchsorted(self.char_keys, keys)
        if len(self.char_keys):
            pos = np.minimum(pos, len(self.char_keys) - 1)
            found = self.char_keys[pos] == keys
        else:
            found = np.zeros(len(keys), dtype=bool)
        ids = np.concatenate((np.array(w_ids, dtype=np.int64), pos[found].astype(np.int64) + self.n_words))
        rows = np.concatenate((np.array(w_rows, dtype=np.int64), c_rows[found]))
        return self._vectorize(rows, ids, len(docs))

    def _vectorize(self, rows: np.ndarray, ids: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, index, value) sorted by row then index, from every feature occurrence."""
        n_words = self.n_words
        size = self.size
        if not len(ids):
            return _EMPTY_I, _EMPTY_I, _EMPTY_F
        combined, counts = np.unique(rows * size + ids, return_counts=True)
        rows, ids = np.divmod(combined, size)
        if self._idf is None:
            self._idf = np.concatenate((self.word_idf, self.char_idf)).astype(np.float32)
        vals = (np.log(counts).astype(np.float32) + 1.0) * self._idf[ids]
        is_char = ids >= n_words
        group = rows * 2 + is_char
        norms = np.sqrt(np.bincount(group, weights=vals * vals, minlength=2 * n_docs))
        scale = np.where(is_char, self.char_weight, self.word_weight) / norms[group]
        return rows, ids, (vals * scale).astype(np.float32)

    def transform(self, tokens: Sequence[str], norm_text: str) -> tuple[np.ndarray, np.ndarray]:
        """Indices and values of the non-zero features of one message (sorted by index).

        The same vector as ``batch`` gives, computed with plain dictionaries: for one short
        message that beats a dozen numpy calls on tiny arrays.
        """
        if self._char_lookup is None:
            self._char_lookup = {key_text(int(k)): i + self.n_words for i, k in enumerate(self.char_keys.tolist())}
        if self._idf is None:
            self._idf = np.concatenate((self.word_idf, self.char_idf)).astype(np.float32)
        wget, cget = self.word_index.get, self._char_lookup.get
        s = char_text(norm_text)
        grams: list[str] = []
        for n in range(self.char_lo, self.char_hi + 1):
            grams.extend([s[i : i + n] for i in range(len(s) - n + 1)] if n > 1 else s)
        counts = Counter(map(wget, word_features(tokens, self.word_ngrams)))  # unknown features count as None
        counts.pop(None, None)
        n_word_feats = len(counts)
        counts.update(map(cget, grams))
        counts.pop(None, None)
        if not counts:
            return _EMPTY_I, _EMPTY_F
        ids = np.fromiter(counts.keys(), np.int64, len(counts))  # type: ignore[arg-type]
        tf = np.fromiter(counts.values(), np.float32, len(counts))
        vals = (np.log(tf) + np.float32(1.0)) * self._idf[ids]
        sq = vals * vals
        wn, cn = float(sq[:n_word_feats].sum()), float(sq[n_word_feats:].sum())
        if wn:
            vals[:n_word_feats] *= np.float32(self.word_weight / math.sqrt(wn))
        if cn:
            vals[n_word_feats:] *= np.float32(self.char_weight / math.sqrt(cn))
        return ids, vals

    def matrix(self, docs: Sequence[Doc]):  # -> scipy.sparse.csr_matrix
        """The training matrix (scipy is only needed when training)."""
        from scipy.sparse import csr_matrix

        rows, ids, vals = self.batch(docs)
        indptr = np.searchsorted(rows, np.arange(len(docs) + 1))
        return csr_matrix((vals, ids, indptr), shape=(len(docs), self.size))


def _document_counts(index: np.ndarray, rows: np.ndarray, n_features: int, n_docs: int) -> np.ndarray:
    """How many documents hold each feature, from (feature index, row) of every occurrence.

    Pairs are packed into one int64 each: np.unique over a 2-row array (axis=1) sorts byte
    strings, and that took most of training's time."""
    pairs = _distinct(index * max(n_docs, 1) + rows)
    return np.bincount(pairs // max(n_docs, 1), minlength=n_features)


def _distinct(a: np.ndarray) -> np.ndarray:
    """The distinct values of ``a``, sorted. np.unique hashes when asked for values only, and
    that was several times slower than sorting on millions of n-gram pairs."""
    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float32)
