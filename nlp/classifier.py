"""Classifying a resident's message: the learned model, nudged by the taxonomy's keywords.

The model scores every label it was trained on. Keyword hits then add to the logits of the
categories they name, in proportion to how specific the keywords are (longer = more specific)
and to a weight fitted during training. Keywords can only move labels the model knows: with
a model trained on another label set, the taxonomy plays no part in choosing the category.
Urgency and request kind come from the taxonomy's cue words alone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .model import TextModel
from .prediction import Prediction
from .rules import CueRules
from .segmenter import Segmenter
from .taxonomy import DEFAULT_REQUEST_KIND, FALLBACK_CATEGORY, Taxonomy, load_taxonomy
from .textnorm import normalize

log = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "model"
MAX_CHARS = 500  # a report is a few sentences; beyond this only cost grows, not accuracy
MAX_KEYWORDS = 6
MODEL_TOKENS = 3

# Something worth classifying: a CJK character, or a run of two or more letters.
_CONTENT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]|[^\W\d_]{2,}")


class Classifier:
    def __init__(
        self,
        model: TextModel,
        taxonomy: Taxonomy | None = None,
        segmenter: Segmenter | None = None,
        *,
        max_chars: int = MAX_CHARS,
    ) -> None:
        self._model = model
        self._taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
        self._segmenter = segmenter if segmenter is not None else Segmenter()
        self._rules = CueRules(self._taxonomy)
        self._max_chars = max_chars
        index = {label: i for i, label in enumerate(model.labels)}
        # Only categories the model was trained on may be moved by keywords.
        self._rule_labels = {name: index[name] for name in self._taxonomy.names if name in index}
        if FALLBACK_CATEGORY in index:
            self._fallback = FALLBACK_CATEGORY
        else:  # another label set: fall back on the label the model leans to with no evidence
            self._fallback = model.labels[int(np.argmax(model.bias))]
        self._word_names: list[str] | None = None
        self._unigram: np.ndarray | None = None

    @classmethod
    def load(
        cls,
        model_dir: Path | None = None,
        taxonomy: Taxonomy | None = None,
        segmenter: Segmenter | None = None,
    ) -> Classifier:
        """Load a model directory (``None`` = the shipped model in nlp/model/)."""
        return cls(TextModel.load(Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR), taxonomy, segmenter)

    @property
    def labels(self) -> tuple[str, ...]:
        return self._model.labels

    @property
    def model(self) -> TextModel:
        return self._model

    @property
    def taxonomy(self) -> Taxonomy:
        return self._taxonomy

    @property
    def segmenter(self) -> Segmenter:
        return self._segmenter

    def warm_up(self) -> Classifier:
        """Load jieba's dictionary now (blocking); call once at start-up, off the event loop."""
        self._segmenter.warm_up()
        self._explainer()
        return self

    def classify(self, text: str) -> Prediction:
        """Never raises: whatever comes in, a Prediction comes out."""
        try:
            return self._classify(text)
        except Exception:  # a classifier failure must not lose a resident's report
            log.exception("classification failed; falling back to %s", self._fallback)
            return self._fallback_prediction((), DEFAULT_REQUEST_KIND, 0.0)

    def classify_many(self, texts: Iterable[str]) -> list[Prediction]:
        return [self.classify(t) for t in texts]

    # -- internals -------------------------------------------------------------------------

    def _classify(self, text: str) -> Prediction:
        raw = text if isinstance(text, str) else ("" if text is None else str(text))
        norm = normalize(raw[: self._max_chars])
        urgent = tuple(self._rules.urgent_hits(norm))
        kind = self._rules.request_kind(norm)
        if _CONTENT.search(norm) is None:  # empty, emoji, punctuation or digits only
            return self._fallback_prediction(urgent, kind, 0.0)
        model = self._model
        idx, vals = model.features.transform(self._segmenter.cut_normalized(norm), norm)
        hits: dict[str, list[str]] = {}
        if self._rule_labels:
            hits = {c: kws for c, kws in self._rules.category_hits(norm).items() if c in self._rule_labels}
        if len(idx) == 0 and not hits:  # nothing the model has seen before
            return self._fallback_prediction(urgent, kind, 1.0 / len(model.labels))
        z = model.decision(idx, vals) * model.temperature
        if model.rule_weight and hits:
            for cat, kws in hits.items():
                z[self._rule_labels[cat]] += model.rule_weight * CueRules.specificity(kws)
        z = z - z.max()
        p = np.exp(z)
        p /= p.sum()
        order = np.argsort(-p)[:3]
        best = int(order[0])
        category = model.labels[best]
        return Prediction(
            category=category,
            confidence=round(float(p[best]), 4),
            keywords=self._explain(category, best, idx, vals, hits),
            urgent=bool(urgent),
            urgent_words=urgent,
            request_kind=kind,
            suggestions=tuple((model.labels[int(i)], round(float(p[int(i)]), 4)) for i in order),
        )

    def _explain(
        self, category: str, best: int, idx: np.ndarray, vals: np.ndarray, hits: dict[str, list[str]]
    ) -> tuple[str, ...]:
        """The chosen category's keywords (or the model's strongest words for it), then the
        keywords of the other categories that were also in the message."""
        words: list[str] = list(hits.get(category, ()))
        if not words:
            words = self._model_tokens(best, idx, vals)
        others = sorted(
            ((c, kws) for c, kws in hits.items() if c != category),
            key=lambda item: -CueRules.specificity(item[1]),
        )
        for _, kws in others:
            words.extend(kws)
        out: list[str] = []
        for w in words:
            if w not in out:
                out.append(w)
        return tuple(out[:MAX_KEYWORDS])

    def _explainer(self) -> tuple[list[str], np.ndarray]:
        if self._word_names is None or self._unigram is None:
            names = self._model.features.words.names
            flags = np.zeros(self._model.features.size, dtype=bool)
            flags[: len(names)] = [" " not in n for n in names]
            self._word_names, self._unigram = names, flags
        return self._word_names, self._unigram

    def _model_tokens(self, best: int, idx: np.ndarray, vals: np.ndarray) -> list[str]:
        """Word tokens of the message that pushed hardest toward the chosen label."""
        names, unigram = self._explainer()
        mask = unigram[idx]
        if not mask.any():
            return []
        widx = idx[mask]
        contrib = vals[mask] * self._model.weights[widx, best]
        top = np.argsort(-contrib)[:MODEL_TOKENS]
        return [names[int(widx[i])] for i in top if contrib[i] > 0]

    def _fallback_prediction(self, urgent: tuple[str, ...], kind: str, confidence: float) -> Prediction:
        return Prediction(
            category=self._fallback,
            confidence=round(confidence, 4),
            keywords=(),
            urgent=bool(urgent),
            urgent_words=urgent,
            request_kind=kind,
            suggestions=((self._fallback, round(confidence, 4)),),
        )
