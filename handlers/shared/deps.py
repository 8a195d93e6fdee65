"""What handlers are given (through Dispatcher keyword arguments, by the name `deps`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from tickets.queries import TicketQueries
from tickets.service import TicketService


@dataclass(frozen=True)
class Deps:
    service: TicketService
    queries: TicketQueries
    notifier: Any  # delivery.notifier.Notifier: the one way out
    tz: ZoneInfo
    categories: list[str]
    max_text_chars: int = 2000
    languages: Any = None  # organisation.languages.LanguagePrefs: each recipient's language
    cadre: Any = None  # bot.cadre.CadreTools: /overdue, /stats, 吹哨, duplicates, exports, bulletins
