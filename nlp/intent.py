"""Is a message a problem to open a ticket for, small talk, or something to ask about?

Three intents:
- ``report``: a real problem (a ticket is opened);
- ``chat``: greetings, thanks, acknowledgements, small talk, tests, questions about the bot;
- ``unsure``: in between (the bot asks the resident with one tap).

The decision is a probability-like ``report_score`` (0..1) from a logistic combination of
- a binary linear model (chat vs report) over the same kind of TF-IDF features as the
  category model (nlp/features.py), with its own vocabulary, trained on the complaint corpus
  and nlp/data/intent_chat.csv (see intent_training);
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .features import key_text
from .model import ModelError, TextModel
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
    cues: tuple[str, ...]  # the words/symbols that decided, most telling first; may be empty


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
        self._w = np.ascontiguousarray(w[:, 1] - w[:, 0], dtype=np.float32)  # report - chat, per feature
        self._b = float(b[1] - b[0])

    def decision(self, tokens: list[str], norm_text: str) -> tuple[float, np.ndarray, np.ndarray]:
        """(report - chat decision value, feature ids, per-feature contributions) of one message."""
        return self.decision_of(*self.text.features.transform(tokens, norm_text))

    def decision_of(self, ids: np.ndarray, vals: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``decision`` from the message's features (indices, TF-IDF values) in this model's space."""
        if not len(ids):
            return self._b, ids, vals
        contrib = vals * self._w.take(ids)
        return float(np.add.reduce(contrib)) + self._b, ids, contrib  # contrib.sum(), without its wrapper

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
    return max((CueRules.specificity(kws) for kws in cues.categories.values()), default=0.0)


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


class IntentJudge:
    """Decides the intent of segmented, normalised messages. Thread-safe once built."""

    def __init__(self, model: IntentModel) -> None:
        self._model = model
        # The word features' names (the vocabulary's own strings). What a feature credits is
        # made when a message needs it (up to TOP_FEATURES a message), not kept for all
        # 24,000 features: that list took 2.5 MB.
        self._names: list[str] | None = None

    @property
    def model(self) -> IntentModel:
        return self._model

    def warm_up(self) -> IntentJudge:
        """Build the lookup tables now rather than on the first message."""
        self._model.decision(["预热"], "预热")
        self._word_names()
        return self

    def _word_names(self) -> list[str]:
        if self._names is None:
            self._names = self._model.text.features.word_names
        return self._names

    def _feature_text(self, i: int) -> tuple[str, ...] | str:
        """What feature ``i`` credits: a word feature's words, a character n-gram's text."""
        names = self._word_names()
        if i < len(names):
            return tuple(names[i].split(" "))
        return key_text(int(self._model.text.features.char_keys[i - len(names)]))

    def judge(
        self, tokens: list[str], norm_text: str, cues: Cues, features: tuple[np.ndarray, np.ndarray] | None = None
    ) -> IntentResult:
        """The intent of one message; ``norm_text`` without addresses, ``cues`` scanned on it;
        ``features``: its (indices, values) in the intent model's space, if already known."""
        model = self._model
        d, ids, contrib = model.decision(tokens, norm_text) if features is None else model.decision_of(*features)
        kw = keyword_strength(cues)
        score = model.score(d, kw, shortness(norm_text, kw))
        intent = REPORT if cues.urgent_words else model.intent_of(score)
        if cues.urgent_words:
            score = max(score, model.report_at)
        if intent == CHAT:
            asked = [cue for kind, cue in cues.kind_cues if kind in ACTION_KINDS]
            if asked:  # "我要投诉": not small talk, though the problem is still to come
                return IntentResult(UNSURE, round(max(score, model.chat_below), 4), tuple(asked[:MAX_CUES]))
        found = self._cues(intent, tokens, ids, contrib, cues)
        if intent == REPORT and not found:
            # A report must name its problem: with no urgent word, no keyword and no word the
            # model credits ("妥了", "在?"), a high score is the bias talking. Ask instead.
            intent = UNSURE
            score = min(score, model.report_at - 0.01)
            found = self._cues(intent, tokens, ids, contrib, cues)
        return IntentResult(intent, round(score, 4), found)

    def _cues(self, intent: str, tokens: list[str], ids: np.ndarray, contrib: np.ndarray, cues: Cues) -> tuple[str, ...]:
        out: list[str] = []
        if intent != CHAT:
            out.extend(cues.urgent_words)
            for kws in sorted(cues.categories.values(), key=lambda k: -CueRules.specificity(k)):
                out.extend(kws)
        sign = {REPORT: 1.0, CHAT: -1.0}.get(intent, 0.0)
        credited = self._credited(tokens, ids, contrib, sign)
        # A single character says something in small talk (嗯, 好, 吗), little in a report.
        out.extend(credited if intent == CHAT else [t for t in credited if len(t) > 1])
        seen: list[str] = []
        for w in out:
            if not any(w in s for s in seen):  # 垃圾 adds nothing after 烧垃圾
                seen.append(w)
        return tuple(seen[:MAX_CUES])

    def _credited(self, tokens: list[str], ids: np.ndarray, contrib: np.ndarray, sign: float) -> list[str]:
        """The message's tokens the model credits most toward one side (sign +1 report, -1
        chat, 0 either): a word feature to itself, a character n-gram to the tokens holding it."""
        if not len(ids) or not tokens:
            return []
        # In Python on lists: a message has a few dozen features, and each numpy call on so
        # few costs more than the loop. Same values (float32 ones, negated or not) and, through
        # the same argpartition, the same order as the array version.
        values = contrib.tolist()
        pushed = values if sign == 1.0 else [-c for c in values] if sign == -1.0 else [abs(c) for c in values]
        top = [k for k, c in enumerate(pushed) if c > 0]
        if len(top) > TOP_FEATURES:
            picked = np.argpartition(np.array([-pushed[k] for k in top], dtype=np.float32), TOP_FEATURES - 1)
            top = [top[k] for k in picked.tolist()[:TOP_FEATURES]]
        index = ids.tolist()
        credit: dict[str, float] = {}
        for k in top:
            c, text = pushed[k], self._feature_text(index[k])
            if type(text) is tuple:  # a word or a word bigram
                for part in text:
                    if part in tokens:
                        credit[part] = credit.get(part, 0.0) + c / len(text)
            else:  # a character n-gram
                for tok in tokens:
                    if text in tok:
                        credit[tok] = credit.get(tok, 0.0) + c
        ranked = sorted(((v, t) for t, v in credit.items() if t not in _STOP and not t.isdigit()), reverse=True)
        return [t for _, t in ranked]
