"""Why the classifier decided as it did, in the resident's own words: the chosen category's
keywords, else the words whose features pushed hardest toward it (nlp.classifier uses it)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice

import numpy as np

from .features import FeatureSpace
from .model import TextModel
from .rules import CueRules

MAX_KEYWORDS = 6
MODEL_TOKENS = 3
TOP_FEATURES = 8  # features credited to words when explaining without keywords

# Function words never shown as the reason for a decision.
STOP_WORDS = frozenset(
    "的 了 是 在 有 和 与 就 都 也 还 很 又 再 才 我 你 他 她 它 我们 你们 他们 大家 自己 这 那 这个 那个 "
    "这里 那里 这边 那边 个 吗 呢 吧 啊 呀 哦 嘛 把 被 给 让 从 到 对 向 往 说 要 会 能 可以 能不能 不能 "
    "没 没有 不 一 一个 上 下 里 人 有人 好 去 来 着 过 什么 怎么 为什么 还是 已经 现在 天天 每天 一直 "
    "好几 好多 很多 太 真 全是 到处 一下 一些 时候 问题 事情 谢谢 请问 麻烦 0".split()
)



def keywords_for(category: str, hits: dict[str, list[str]], model_tokens: list[str]) -> tuple[str, ...]:
    """The chosen category's keywords (or the model's strongest words for it), then the
    keywords of the other categories that were also in the message."""
    if not hits:
        return tuple(model_tokens[:MAX_KEYWORDS])
    words: list[str] = list(hits.get(category, ())) or list(model_tokens)
    if len(hits) > 1 or category not in hits:
        others = sorted(
            ((c, kws) for c, kws in hits.items() if c != category),
            key=lambda item: -CueRules.specificity(item[1]),
        )
        for _, kws in others:
            words.extend(kws)
    return tuple(dict.fromkeys(words))[:MAX_KEYWORDS]  # each word once, first place kept


def credit(tokens: Sequence[str], found: Iterable[tuple[tuple[str, ...] | str, float]]) -> dict[str, float]:
    """The message's tokens credited with what features contributed: a word feature
    (``FeatureSpace.texts``: a tuple of one word, or two for a bigram) to each of its words
    in the message, shared evenly; a character n-gram (a string) to every token holding it."""
    scores: dict[str, float] = {}
    for text, c in found:
        if type(text) is tuple:
            for part in text:
                if part in tokens:
                    scores[part] = scores.get(part, 0.0) + c / len(text)
        else:
            for tok in tokens:
                if text in tok:
                    scores[tok] = scores.get(tok, 0.0) + c
    return scores


def top_tokens(tokens: Sequence[str], strongest: Iterable[tuple[tuple[str, ...] | str, float]]) -> list[str]:
    """The tokens the strongest features (what each stands for and its contribution to the
    chosen label, strongest first) credit most, best first, function words and numbers left out."""
    scores = credit(tokens, islice(strongest, TOP_FEATURES))
    ranked = sorted((v, t) for t, v in scores.items() if t not in STOP_WORDS and not t.isdigit())
    return [t for _, t in reversed(ranked[-MODEL_TOKENS:])]


class Explanations:
    """Credits a linear model's strongest features to the message's tokens. What each
    feature stands for and which may explain a decision are built once, on first use or at warm-up."""

    def __init__(self, model: TextModel) -> None:
        self.model = model
        self._texts: list[tuple[str, ...] | str] | None = None
        self._explainable: np.ndarray | None = None

    def prepare(self) -> tuple[list[tuple[str, ...] | str], np.ndarray]:
        """What each feature stands for (``FeatureSpace.texts``), and which features may
        explain a decision: words, word bigrams and character n-grams of two or more
        characters (single characters say little). Built once, on first use or at warm-up."""
        if self._texts is None or self._explainable is None:
            features = self.model.features
            self._texts = features.texts()
            self._explainable = explainable(features)
        return self._texts, self._explainable

    def model_tokens(
        self,
        rows: np.ndarray,
        ids: np.ndarray,
        vals: np.ndarray,
        best: dict[int, int],
        wanted: list[int],
        docs: list[tuple[list[str], str]],
    ) -> dict[int, list[str]]:
        """Per wanted message, its words that pushed hardest toward the chosen label.

        The strongest features (value x weight of the chosen label) are credited to the
        message's tokens (see ``credit``). Tokens are what residents wrote, so they read well.
        """
        if not wanted or not len(ids):
            return {}
        texts, can_explain = self.prepare()
        sel = can_explain[ids]
        want = np.zeros(len(docs), dtype=bool)
        want[wanted] = True
        sel &= want[rows]
        r, j = rows[sel], ids[sel]
        target = np.array([best[k] for k in r.tolist()], dtype=np.int64)
        contrib = vals[sel] * self.model.weights[j, target]
        pos = contrib > 0
        r, j, contrib = r[pos], j[pos], contrib[pos]
        # By message, strongest first; rounding and the feature index make ties (features seen
        # only together in training weigh the same) break alike here and in the single call.
        at = np.lexsort((j, -np.round(contrib, 5), r))
        strongest: dict[int, list[tuple[tuple[str, ...] | str, float]]] = {}
        for rr, jj, cc in zip(r[at].tolist(), j[at].tolist(), contrib[at].tolist()):
            strongest.setdefault(rr, []).append((texts[jj], cc))
        return {rr: top_tokens(docs[rr][0], found) for rr, found in strongest.items()}


def explainable(features: FeatureSpace) -> np.ndarray:
    """Which features may explain a decision, by index (see ``Explanations.prepare``)."""
    return np.concatenate((np.ones(features.n_words, dtype=bool), features.char_keys >= np.uint64(1 << 21)))
