"""Is a message a problem to open a ticket for, small talk, or something to ask about?

Three intents:
- ``report``: a real problem (a ticket is opened);
- ``chat``: greetings, thanks, acknowledgements, small talk, tests, questions about the bot;
- ``unsure``: in between (the bot asks the resident with one tap).

The decision is a probability-like ``report_score`` (0..1) from a logistic combination of
- a binary linear model (chat vs report) over the same kind of TF-IDF features as the
  category model (nlp/features.py), with its own vocabulary, trained on the complaint corpus,
  nlp/data/intent_reports.csv and nlp/data/intent_chat.csv (see intent_training);
- the taxonomy's category keywords found in the message (a problem word pushes to report);
- shortness: a message of a few characters with no problem word leans away from report,
  the more the shorter it is.
The weights of the three are fitted on out-of-fold decisions; two thresholds cut the score
into the intents. A message with an urgent cue is always a report; one with nothing but
punctuation, emoji or digits is chat; a bare address is unsure; a would-be report with
nothing to name as its problem (no keyword, no word the model credits) is unsure, and so is
would-be chat that asks for action ("我要投诉").

The cues explaining a decision are what the resident wrote: urgent and category keywords,
then the words the model credited most toward the chosen side.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .explanation import credit
from .model import ModelError, TextModel
from .prediction import CueSource, Words, resolved
from .rules import CueRules, Cues
from .textnorm import word_chars

REPORT, UNSURE, CHAT = "report", "unsure", "chat"
INTENTS = (REPORT, UNSURE, CHAT)
INTENT_LABELS = (CHAT, REPORT)  # the linear model's labels (sorted, as training orders them)

DEFAULT_INTENT_DIR = Path(__file__).resolve().parent / "model" / "intent"
STACK_FILE = "intent.json"
STACK_FORMAT = "gridbot-nlp-intent"
STACK_VERSION = 1

# Request kinds whose cue words ("投诉", "举报", "反映") say the resident wants something done:
# such a message is never small talk. (求助's cues include 帮忙, as in "谢谢帮忙": not here.)
ACTION_KINDS = frozenset({"投诉", "举报"})
SHORT_CHARS = 4  # messages of up to this many letters/CJK characters count as (more or less) short
MAX_CUES = 4
TOP_FEATURES = 16  # features credited to tokens when explaining

# Function words never shown as a cue. Narrower than the category's stop words: 谢谢, 好,
# 麻烦 and 请问 are exactly what makes a message small talk.
_STOP = frozenset(["的", "了", "是", "在", "和", "与", "就", "都", "也", "还", "很", "又", "再", "才", "我", "你", "他", "她", "它", "这", "那", "个", "把", "被", "给", "从", "到", "对", "0"])


@dataclass(frozen=True)
class IntentResult:
    """The intent of one message."""

    intent: str  # report | unsure | chat
    report_score: float  # 0..1, probability-like that the message is a report
    cue_source: CueSource = field(default=(), repr=False, compare=False)  # see ``cues``

    @property
    def cues(self) -> Words:
        """The words/symbols that decided, most telling first; may be empty. Worked out when
        first read (see nlp.prediction.CueSource)."""
        return resolved(self, "cue_source")


@dataclass
class IntentModel:
    """The linear model plus the fitted combination and thresholds (see the module doc)."""

    text: TextModel  # labels INTENT_LABELS
    scale: float = 1.0  # logit per unit of the linear model's decision value (report - chat)
    keyword_weight: float = 0.0  # logit per unit of keyword specificity (CueRules.specificity)
    short_weight: float = 0.0  # logit per unit of shortness (0..1) of a message with no problem word
    offset: float = 0.0
    report_at: float = 0.5  # report_score >= this: report
    chat_below: float = 0.5  # report_score < this: chat; in between: unsure
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if tuple(self.text.labels) != INTENT_LABELS:
            raise ModelError(f"an intent model has labels {INTENT_LABELS}, not {tuple(self.text.labels)}")
        if not 0.0 <= self.chat_below <= self.report_at <= 1.0:
            raise ModelError(f"thresholds must satisfy 0 <= chat_below <= report_at <= 1, got "
                             f"{self.chat_below} and {self.report_at}")
        w, b = self.text.weights, self.text.bias
        self.report_weights = np.ascontiguousarray(w[:, 1] - w[:, 0], dtype=np.float32)  # report - chat, per feature
        self.report_bias = float(b[1] - b[0])

    def decision(self, tokens: list[str], norm_text: str) -> tuple[float, np.ndarray, np.ndarray]:
        """(report - chat decision value, feature ids, per-feature contributions) of one message."""
        return self.decision_of(*self.text.features.transform(tokens, norm_text))

    def decision_of(self, ids: np.ndarray, vals: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``decision`` from the message's features (indices, TF-IDF values) in this model's space."""
        if not len(ids):
            return self.report_bias, ids, vals
        contrib = vals * self.report_weights.take(ids)
        return float(np.add.reduce(contrib)) + self.report_bias, ids, contrib  # contrib.sum(), without its wrapper

    def score(self, decision: float, keyword: float, short: float) -> float:
        """report_score from the linear decision value, keyword strength and shortness."""
        z = self.scale * decision + self.keyword_weight * keyword + self.short_weight * short + self.offset
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def intent_of(self, report_score: float) -> str:
        if report_score >= self.report_at:
            return REPORT
        return CHAT if report_score < self.chat_below else UNSURE

    def save(self, directory: Path) -> Path:
        """Write the linear model (model.json/model.npz) and intent.json into ``directory``."""
        directory = Path(directory)
        self.text.save(directory)
        meta = {
            "format": STACK_FORMAT, "version": STACK_VERSION,
            "scale": self.scale, "keyword_weight": self.keyword_weight, "short_weight": self.short_weight,
            "offset": self.offset, "report_at": self.report_at, "chat_below": self.chat_below,
            "short_chars": SHORT_CHARS, "info": self.info,
        }
        (directory / STACK_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: Path | None = None) -> IntentModel:
        """Load an intent model directory (``None`` = the shipped one); raises ModelError."""
        directory = Path(directory) if directory is not None else DEFAULT_INTENT_DIR
        path = directory / STACK_FILE
        if not path.is_file():
            raise ModelError(f"no intent model in {directory} (expected {STACK_FILE})")
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {path}: {exc}") from exc
        if meta.get("format") != STACK_FORMAT or meta.get("version") != STACK_VERSION:
            raise ModelError(f"{path}: unknown format {meta.get('format')!r} v{meta.get('version')}")
        try:
            return cls(
                TextModel.load(directory), float(meta["scale"]), float(meta["keyword_weight"]),
                float(meta["short_weight"]), float(meta["offset"]), float(meta["report_at"]),
                float(meta["chat_below"]), meta.get("info", {}),
            )
        except KeyError as exc:
            raise ModelError(f"{path} lacks {exc}") from exc


def keyword_strength(cues: Cues) -> float:
    """How strongly the taxonomy's keywords say "a problem": the most specific category's."""
    return max(map(CueRules.specificity, cues.categories.values()), default=0.0)


def shortness(norm_text: str, keyword: float) -> float:
    """0..1: 1 for one character, falling to 0 past SHORT_CHARS; 0 if a keyword was found."""
    if keyword:
        return 0.0
    return max(0, SHORT_CHARS + 1 - len(word_chars(norm_text))) / SHORT_CHARS


def no_content(norm_text: str) -> IntentResult:
    """Nothing to read but punctuation, emoji or digits ("?", "👍", "123"): chat."""
    shown = "".join(norm_text.split())[:8]
    return IntentResult(CHAT, 0.0, (shown,) if shown else ())


def address_only(norm_text: str) -> IntentResult:
    """Only an address ("幸福路18号"): where, but not what; ask."""
    return IntentResult(UNSURE, 0.5, ("".join(norm_text.split())[:12],))


# One message's features as the intent model sees them: (contributions, texts, rows), see
# IntentJudge.decide; and a function giving them, called only if the cues are read.
_Features = tuple[list[float], Sequence[tuple[str, ...] | str], list[int]]
FeatureSource = Callable[[], _Features]


class IntentJudge:
    """Decides the intent of segmented, normalised messages. Thread-safe once built."""

    def __init__(self, model: IntentModel) -> None:
        self._model = model
        # What each feature credits: a word feature's words, a character n-gram's text.
        self._texts: list[tuple[str, ...] | str] | None = None

    @property
    def model(self) -> IntentModel:
        return self._model

    def warm_up(self) -> IntentJudge:
        """Build the lookup tables now rather than on the first message."""
        self._model.decision(["预热"], "预热")
        self._feature_texts()
        return self

    def _feature_texts(self) -> list[tuple[str, ...] | str]:
        if self._texts is None:
            self._texts = self._model.text.features.texts()
        return self._texts

    def judge(self, tokens: list[str], norm_text: str, cues: Cues) -> IntentResult:
        """The intent of one message; ``norm_text`` without addresses, ``cues`` scanned on it."""
        d, ids, contrib = self._model.decision(tokens, norm_text)
        return self.decide(tokens, norm_text, cues, d,
                           lambda: (contrib.tolist(), self._feature_texts(), ids.tolist()))

    def decide(self, tokens: list[str], norm_text: str, cues: Cues, decision: float,
               features: FeatureSource) -> IntentResult:
        """``judge`` from the linear model's view of the message, if already known: its
        decision value (report - chat, bias included), and a function giving each feature's
        contribution to it, ``(contribs, texts, rows)``: ``contribs[k]`` is that of the
        feature standing for ``texts[rows[k]]`` (see ``FeatureSpace.texts``). The function is
        called when the cues are first read, or here when the intent depends on them."""
        model = self._model
        kw = keyword_strength(cues)
        score = model.score(decision, kw, shortness(norm_text, kw))
        intent = REPORT if cues.urgent_words else model.intent_of(score)
        if cues.urgent_words:
            score = max(score, model.report_at)
        if intent == CHAT:
            asked = [cue for kind, cue in cues.kind_cues if kind in ACTION_KINDS]
            if asked:  # "我要投诉": not small talk, though the problem is still to come
                return IntentResult(UNSURE, round(max(score, model.chat_below), 4), tuple(asked[:MAX_CUES]))
        if intent == REPORT and not cues.urgent_words and not cues.categories:
            # A report must name its problem: with no urgent word, no keyword and no word the
            # model credits ("妥了", "在?"), a high score is the bias talking. Ask instead.
            found = _cues(intent, tokens, features(), cues)
            if found:
                return IntentResult(intent, round(score, 4), found)
            intent = UNSURE
            score = min(score, model.report_at - 0.01)
        # Otherwise the cues cannot change the intent: they are worked out if someone reads them.
        return IntentResult(intent, round(score, 4), partial(_lazy_cues, intent, tokens, features, cues))


def _lazy_cues(intent: str, tokens: list[str], features: FeatureSource, cues: Cues) -> Words:
    return _cues(intent, tokens, features(), cues)


def _cues(intent: str, tokens: list[str], features: _Features, cues: Cues) -> tuple[str, ...]:
    kept: list[str] = []
    if intent != CHAT:
        _keep(kept, cues.urgent_words)
        categories = cues.categories
        for kws in sorted(categories.values(), key=CueRules.specificity, reverse=True) if len(categories) > 1 else categories.values():
            _keep(kept, kws)
    if len(kept) < MAX_CUES:  # the model's words only count while there is room for them
        credited = _credited(tokens, features, intent)
        # A single character says something in small talk (嗯, 好, 吗), little in a report.
        _keep(kept, credited if intent == CHAT else [t for t in credited if len(t) > 1])
    return tuple(kept)


def _keep(kept: list[str], words: Iterable[str]) -> None:
    """Add each word to ``kept`` unless a kept one holds it (垃圾 adds nothing after 烧垃圾),
    up to MAX_CUES words."""
    for w in words:
        if len(kept) >= MAX_CUES:
            return
        for k in kept:
            if w in k:
                break
        else:
            kept.append(w)


def _credited(tokens: list[str], features: _Features, intent: str) -> list[str]:
    """The message's tokens the model credits most toward the intent's side (report, chat,
    or either for unsure), best first: a word feature to itself, a character n-gram to the
    tokens holding it."""
    contribs, texts, rows = features
    if not contribs or not tokens:
        return []
    # In Python on lists: a message has a few dozen features, and each numpy call on so
    # few costs more than the loop.
    pushed = contribs if intent == REPORT else [-c for c in contribs] if intent == CHAT else list(map(abs, contribs))
    # Those pushing toward the side, strongest first (a stable sort: ties keep feature order).
    # Filtering first sorts only those, in the same order.
    pushing = [k for k, c in enumerate(pushed) if c > 0]
    best = sorted(pushing, key=pushed.__getitem__, reverse=True)
    top = best
    if len(best) > TOP_FEATURES:
        top = best[:TOP_FEATURES]
        edge = array("f", [pushed[best[TOP_FEATURES - 1]], pushed[best[TOP_FEATURES]]])
        if edge[0] == edge[1]:  # features tie (in float32) at the cut: numpy picks, as it always did
            picked = np.argpartition(np.array([-pushed[k] for k in pushing], dtype=np.float32), TOP_FEATURES - 1)
            top = [pushing[k] for k in picked.tolist()[:TOP_FEATURES]]
    scores = credit(tokens, [(texts[rows[k]], pushed[k]) for k in top])
    ranked = sorted([(v, t) for t, v in scores.items() if t not in _STOP and not t.isdigit()], reverse=True)
    return [t for _, t in ranked]
