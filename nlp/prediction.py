"""What the classifier says about one message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

Words = tuple[str, ...]
# The words that decided an intent, or a function that works them out. Crediting words to a
# message costs about a fifth of classifying it, and only a chat reply and the CLI read them:
# most messages are reports whose intent cues nobody reads.
CueSource = Words | Callable[[], Words]


def resolved(holder: object, name: str) -> Words:
    """The words of ``holder``'s CueSource attribute ``name``, worked out once and kept (on
    a frozen dataclass: two threads racing here work out the same words)."""
    source = getattr(holder, name)
    if callable(source):
        source = source()
        object.__setattr__(holder, name, source)
    return source


@dataclass(frozen=True)
class Prediction:
    category: str
    confidence: float  # 0..1, probability-like; for chat, that of a report of this category
    keywords: tuple[str, ...]  # the words that decided it, shown to residents and staff; may be empty
    urgent: bool
    urgent_words: tuple[str, ...]
    request_kind: str  # one of 咨询 求助 投诉 举报 建议
    suggestions: tuple[tuple[str, float], ...]  # top 3 (category, score), best first, category first
    # Whether to open a ticket: "report" (yes), "unsure" (ask the resident), "chat" (no: a
    # greeting, thanks, an acknowledgement, small talk, a test, a question about the bot).
    # Defaults describe a report, for Predictions made outside the classifier.
    intent: str = "report"
    report_score: float = 1.0  # 0..1, probability-like that the message is a report
    # ``intent_cues``, worked out when first read; not compared: they follow from the rest.
    intent_cue_source: CueSource = field(default=(), repr=False, compare=False)

    @property
    def intent_cues(self) -> Words:
        """The words/symbols that decided the intent, most telling first; may be empty."""
        return resolved(self, "intent_cue_source")

    @property
    def is_report(self) -> bool:
        return self.intent == "report"

    def __repr__(self) -> str:
        shown = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr]
        return f"Prediction({', '.join(shown)}, intent_cues={self.intent_cues!r})"

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values: tuples as lists, ``intent_cues`` worked out."""
        data = asdict(self)
        del data["intent_cue_source"]
        data["keywords"] = list(self.keywords)
        data["urgent_words"] = list(self.urgent_words)
        data["suggestions"] = [[c, s] for c, s in self.suggestions]
        data["intent_cues"] = list(self.intent_cues)
        return data
