"""What the classifier says about one message."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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
    intent_cues: tuple[str, ...] = ()  # the words/symbols that decided the intent; may be empty

    @property
    def is_report(self) -> bool:
        return self.intent == "report"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["keywords"] = list(self.keywords)
        data["urgent_words"] = list(self.urgent_words)
        data["suggestions"] = [[c, s] for c, s in self.suggestions]
        data["intent_cues"] = list(self.intent_cues)
        return data
