"""What the classifier says about one message."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Prediction:
    category: str
    confidence: float  # 0..1, probability-like
    keywords: tuple[str, ...]  # the words that decided it, shown to residents and staff; may be empty
    urgent: bool
    urgent_words: tuple[str, ...]
    request_kind: str  # one of 咨询 求助 投诉 举报 建议
    suggestions: tuple[tuple[str, float], ...]  # top 3 (category, score), best first, category first

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["keywords"] = list(self.keywords)
        data["urgent_words"] = list(self.urgent_words)
        data["suggestions"] = [[c, s] for c, s in self.suggestions]
        return data
