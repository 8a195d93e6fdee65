"""Classifying a resident's message: the learned model, nudged by the taxonomy's keywords.

The model scores every label it was trained on. Keyword hits then add to the logits of the
categories they name, in proportion to how specific the keywords are (longer = more specific)
and to a weight fitted during training. Keywords can only move labels the model knows: with
a model trained on another label set, the taxonomy plays no part in choosing the category.
Urgency and request kind come from the taxonomy's cue words alone.

Address-like spans are removed first (nlp/address.py): a place name says where, not what.
With an intent model (nlp/intent.py; the shipped one unless told otherwise) every prediction
also says whether the message is a report, small talk (chat) or unclear (unsure). A chat
message keeps the model's category but claims no keywords, and its confidence is scaled by
how likely it is a report at all.
"""

from __future__ import annotations

import logging
import math
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

from .address import strip_addresses
from .explanation import TOP_FEATURES, Explanations, keywords_for, top_tokens
from .features import char_text
from .intent import (
    CHAT,
    DEFAULT_INTENT_DIR,
    REPORT,
    UNSURE,
    IntentJudge,
    IntentModel,
    IntentResult,
    address_only,
    no_content,
)
from .model import TextModel
from .prediction import Prediction
from .rules import CueRules, Cues
from .segmenter import Segmenter
from .single.scoring import PairedScorer
from .taxonomy import DEFAULT_REQUEST_KIND, FALLBACK_CATEGORY, Taxonomy, load_taxonomy
from .textnorm import normalize

RECENT = 256  # texts whose prediction is remembered
CHAT_REQUEST_KIND = "咨询"  # small talk asks at most for information; never a 投诉
INTENT_SUBDIR = "intent"  # a model directory may carry its own intent model here

log = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "model"
MAX_CHARS = 500  # a report is a few sentences; beyond this only cost grows, not accuracy
# Something worth classifying: a CJK character, or a run of two or more letters.
_CONTENT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]|[^\W\d_]{2,}")
# A bare address ("幸福路18号", "5栋2单元", "1栋1单元101") says where, not what: nothing to classify.
_PLACE = r"[\u4e00-\u9fff]{0,6}?(?:路|街|大道|巷|弄|胡同|村|社区|小区|花园|家园|公寓|大厦|广场|苑|园|城|里|府|湾|新村|镇)"
_UNIT = r"0(?:号楼|号院|号|栋|幢|座|单元|楼|层|室|弄|组|期|区|户|排|门)?"
_ADDRESS_ONLY = re.compile(rf"(?:{_PLACE})*(?:{_UNIT})+")


class Classifier:
    """Event category, confidence, explanation, urgency and request kind of a message.

    Safe to share between threads once built; ``warm_up()`` first, off the event loop.
    """

    def __init__(
        self,
        model: TextModel,
        taxonomy: Taxonomy | None = None,
        segmenter: Segmenter | None = None,
        *,
        max_chars: int = MAX_CHARS,
        intent: IntentModel | None = None,
    ) -> None:
        """``intent=None``: no intent model, every message is a report (as before intents)."""
        self._model = model
        self._intent = IntentJudge(intent) if intent is not None else None
        self._taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
        self._segmenter = segmenter if segmenter is not None else Segmenter()
        self._rules = CueRules(self._taxonomy)
        self._max_chars = max_chars
        # One report is asked about up to three times (求助 offer, duplicate check, intake):
        # remember the latest answers instead of classifying the same text again.
        self._recent: OrderedDict[str, Prediction] = OrderedDict()
        index = {label: i for i, label in enumerate(model.labels)}
        # Only categories the model was trained on may be moved by keywords.
        self._rule_labels = {name: index[name] for name in self._taxonomy.names if name in index}
        if FALLBACK_CATEGORY in index:
            self._fallback = FALLBACK_CATEGORY
        else:  # another label set: fall back on the label the model leans to with no evidence
            self._fallback = model.labels[int(np.argmax(model.bias))]
        self._explanations = Explanations(self._model)
        # One message a call (intake's way) counts its features once for both models, when
        # their feature spaces cut alike (the shipped ones do).
        space = intent.text.features if intent is not None else None
        self._shared_intent = space is not None and PairedScorer.shares(model.features, space)
        if intent is not None and self._shared_intent:
            self._scorer = PairedScorer(model.features, model.weights, space, intent.report_weights, intent.report_bias)
        else:
            self._scorer = PairedScorer(model.features, model.weights)
        self._bias = model.bias.tolist()

    @classmethod
    def load(
        cls,
        model_dir: Path | None = None,
        taxonomy: Taxonomy | None = None,
        segmenter: Segmenter | None = None,
        *,
        intent: bool = True,
    ) -> Classifier:
        """Load a model directory (``None`` = the shipped model in nlp/model/).

        With ``intent`` (the default) the intent model comes from the directory's ``intent/``
        folder if it has one, else, for a model of governance categories (one that knows the
        fallback category 其他), the shipped nlp/model/intent/; a model of another label set
        gets none (every message a report). Raises ModelError.
        """
        directory = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
        model = TextModel.load(directory)
        intent_model = None
        if intent:
            own = directory / INTENT_SUBDIR
            if own.is_dir():
                intent_model = IntentModel.load(own)
            elif FALLBACK_CATEGORY in model.labels:
                intent_model = IntentModel.load(DEFAULT_INTENT_DIR)
        return cls(model, taxonomy, segmenter, intent=intent_model)

    @property
    def labels(self) -> tuple[str, ...]:
        return self._model.labels

    @property
    def model(self) -> TextModel:
        return self._model

    @property
    def intent_model(self) -> IntentModel | None:
        return self._intent.model if self._intent is not None else None

    @property
    def taxonomy(self) -> Taxonomy:
        return self._taxonomy

    @property
    def segmenter(self) -> Segmenter:
        return self._segmenter

    def warm_up(self) -> Classifier:
        """Load jieba's dictionary now (blocking); call once at start-up, off the event loop."""
        self._segmenter.warm_up()
        self._explanations.prepare()
        self._scorer.prepare()
        if self._intent is not None:
            self._intent.warm_up()
        return self

    def classify(self, text: str) -> Prediction:
        """Never raises: whatever comes in, a Prediction comes out."""
        if not isinstance(text, str):
            return self.classify_many([text])[0]
        hit = self._recent.get(text)
        if hit is not None:
            self._recent.move_to_end(text)
            return hit
        prediction = self.classify_many([text])[0]
        self._recent[text] = prediction  # Predictions are frozen: safe to hand out twice
        if len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        return prediction

    def classify_many(self, texts: Iterable[str]) -> list[Prediction]:
        """Classify a batch (faster per message than one by one); never raises."""
        texts = list(texts)
        try:
            return self._classify_batch(texts)
        except Exception:  # a classifier failure must not lose a resident's report
            log.exception("batch classification failed; retrying one by one")
        out = []
        for text in texts:
            try:
                out.append(self._classify_batch([text])[0])
            except Exception:
                log.exception("classification failed; falling back to %s", self._fallback)
                pred = self._fallback_prediction(Cues({}, (), DEFAULT_REQUEST_KIND), 0.0)
                out.append(replace(pred, intent=UNSURE, report_score=0.5) if self._intent is not None else pred)
        return out

    # -- internals -------------------------------------------------------------------------

    def _classify_one(self, text: object) -> Prediction | None:
        """One message, as ``_classify_batch`` classifies it (the same answers; the numbers in
        float64, see nlp/single/scoring.py), with each step done once; None when there is
        nothing to classify or nothing the model has seen (rare: the batch path handles those)."""
        raw = text if isinstance(text, str) else ("" if text is None else str(text))
        full = normalize(raw[: self._max_chars])
        norm = strip_addresses(full)
        chars = char_text(full)
        if _CONTENT.search(norm) is None or _ADDRESS_ONLY.fullmatch(chars):
            return None
        cues = self._rules.scan(norm)
        hits = {c: k for c, k in cues.categories.items() if c in self._rule_labels} if cues.categories else {}
        tokens = self._segmenter.cut_normalized(norm)
        scores = self._scorer.score(tokens, norm, chars if norm == full else None)
        if not scores.seen and not hits:
            return None
        model = self._model
        temperature = model.temperature
        z = [(d + b) * temperature for d, b in zip(scores.decision, self._bias)]
        if model.rule_weight:
            for cat, kws in hits.items():
                z[self._rule_labels[cat]] += model.rule_weight * CueRules.specificity(kws)
        top = max(z)
        e = [math.exp(v - top) for v in z]  # a dozen values: Python floats beat numpy calls
        total = sum(e)
        p = [v / total for v in e]
        order = sorted(range(len(p)), key=p.__getitem__, reverse=True)[:3]  # stable, as argsort(-p)
        result = None
        if self._intent is not None:
            if scores.intent is not None:
                texts = self._scorer.texts
                result = self._intent.decide(tokens, norm, cues, scores.intent,
                                             lambda: (scores.intent_contributions(), texts, scores.rows))
            else:
                result = self._intent.judge(tokens, norm, cues)
        labels = model.labels
        category = labels[order[0]]
        words: list[str] = []
        # The words that decided are shown for reports; chat drops its keywords: skip them.
        if scores.seen and not hits.get(category) and (result is None or result.intent != CHAT):
            words = top_tokens(tokens, scores.strongest(order[0], TOP_FEATURES))
        suggestions = tuple([(labels[j], round(p[j], 4)) for j in order])
        return self._final(category, suggestions[0][1], keywords_for(category, hits, words), cues.urgent_words,
                           cues.request_kind, suggestions, result)

    def _classify_batch(self, texts: list[str]) -> list[Prediction]:
        if len(texts) == 1:
            one = self._classify_one(texts[0])
            if one is not None:
                return [one]
        model = self._model
        preds: list[Prediction | None] = [None] * len(texts)
        docs: list[tuple[list[str], str]] = []
        kept: list[tuple[int, Cues, dict[str, list[str]]]] = []
        for i, text in enumerate(texts):
            raw = text if isinstance(text, str) else ("" if text is None else str(text))
            full = normalize(raw[: self._max_chars])
            norm = strip_addresses(full)  # place names say where, not what
            cues = self._rules.scan(norm)
            if _CONTENT.search(norm) is None or _ADDRESS_ONLY.fullmatch(char_text(full)):
                # empty, emoji, punctuation, digits or a bare address
                pred = self._fallback_prediction(cues, 0.0)
                if self._intent is not None:
                    bare = no_content(full) if _CONTENT.search(full) is None else address_only(full)
                    if cues.urgent_words:
                        bare = IntentResult(REPORT, 1.0, cues.urgent_words)
                    pred = self._with_intent(pred, bare)
                preds[i] = pred
                continue
            hits = {c: k for c, k in cues.categories.items() if c in self._rule_labels} if cues.categories else {}
            docs.append((self._segmenter.cut_normalized(norm), norm))
            kept.append((i, cues, hits))
        if not docs:
            return preds  # type: ignore[return-value]
        rows, ids, vals, scores, seen = self._score(docs)
        labels = model.labels
        z = (scores + model.bias) * model.temperature
        if model.rule_weight:
            for k, (_, _, hits) in enumerate(kept):
                for cat, kws in hits.items():
                    z[k, self._rule_labels[cat]] += model.rule_weight * CueRules.specificity(kws)
        z -= z.max(axis=1, keepdims=True)
        prob = np.exp(z)
        prob /= prob.sum(axis=1, keepdims=True)
        tops = np.argsort(-prob, axis=1, kind="stable")[:, :3].tolist()
        probs = prob.tolist()
        intents = [self._intent.judge(*docs[k], kept[k][1]) for k in range(len(kept))] if self._intent is not None else None
        results: list[tuple[int, list[int], list[float]]] = []
        for k, (i, cues, hits) in enumerate(kept):
            if not seen[k] and not hits:  # nothing the model has seen before
                preds[i] = self._fallback_prediction(cues, 1.0 / len(labels))
                if intents is not None:
                    preds[i] = self._with_intent(preds[i], intents[k])
            else:
                results.append((k, tops[k], probs[k]))
        wanted = [k for k, order, _ in results if seen[k] and not kept[k][2].get(labels[order[0]])]
        tokens = self._explanations.model_tokens(rows, ids, vals, {k: order[0] for k, order, _ in results}, wanted, docs)
        for k, order, p in results:
            i, cues, hits = kept[k]
            category = labels[order[0]]
            preds[i] = Prediction(
                category=category,
                confidence=round(p[order[0]], 4),
                keywords=keywords_for(category, hits, tokens.get(k, [])),
                urgent=bool(cues.urgent_words),
                urgent_words=cues.urgent_words,
                request_kind=cues.request_kind,
                suggestions=tuple((labels[j], round(p[j], 4)) for j in order),
            )
            if intents is not None:
                preds[i] = self._with_intent(preds[i], intents[k])  # type: ignore[arg-type]  # set just above
        return preds  # type: ignore[return-value]

    def _with_intent(self, pred: Prediction, result: IntentResult) -> Prediction:
        """The prediction with its intent. Chat makes no category claim: the category stays
        the model's choice, but its confidence and suggestion scores are multiplied by the
        report score (the chance it is a report of that category at all), it has no
        keywords, and its request kind is 咨询 (谢谢帮忙 asks for no help: not 求助)."""
        return self._final(pred.category, pred.confidence, pred.keywords, pred.urgent_words, pred.request_kind,
                           pred.suggestions, result)

    @staticmethod
    def _final(
        category: str,
        confidence: float,
        keywords: tuple[str, ...],
        urgent_words: tuple[str, ...],
        request_kind: str,
        suggestions: tuple[tuple[str, float], ...],
        result: IntentResult | None,
    ) -> Prediction:
        """The Prediction, with its intent if there is one (see ``_with_intent``)."""
        urgent = bool(urgent_words)
        if result is None:
            return Prediction(category, confidence, keywords, urgent, urgent_words, request_kind, suggestions)
        s = result.report_score
        if result.intent != CHAT:
            return Prediction(category, confidence, keywords, urgent, urgent_words, request_kind, suggestions,
                              result.intent, s, result.cue_source)
        return Prediction(
            category, round(confidence * s, 4), (), urgent, urgent_words, CHAT_REQUEST_KIND,
            tuple((c, round(v * s, 4)) for c, v in suggestions), CHAT, s, result.cue_source,
        )

    def _score(
        self, docs: list[tuple[list[str], str]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[bool]]:
        """Features (row, index, value) of the messages, their decision values (messages x
        labels), and whether each message had any feature the model knows."""
        model = self._model
        scores = np.zeros((len(docs), len(model.labels)), dtype=np.float64)
        if len(docs) == 1:  # one message: dictionaries beat vectorising tiny arrays
            ids, vals = model.features.transform(*docs[0])
            rows = np.zeros(len(ids), dtype=np.int64)
            if len(ids):
                scores[0] = vals @ model.weights[ids]
            return rows, ids, vals, scores, [bool(len(ids))]
        rows, ids, vals = model.features.batch(docs)
        seen = [False] * len(docs)
        if len(ids):
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            present = rows[starts]
            scores[present] = np.add.reduceat(model.weights[ids] * vals[:, None], starts, axis=0)
            for r in present.tolist():
                seen[r] = True
        return rows, ids, vals, scores, seen

    def _fallback_prediction(self, cues: Cues, confidence: float) -> Prediction:
        return Prediction(
            category=self._fallback,
            confidence=round(confidence, 4),
            keywords=(),
            urgent=bool(cues.urgent_words),
            urgent_words=cues.urgent_words,
            request_kind=cues.request_kind,
            suggestions=((self._fallback, round(confidence, 4)),),
        )
