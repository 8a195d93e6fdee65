"""Dialog state (a note being typed, a report waiting for a grid): kept in the database so
that a restart does not turn a grid member's 办结 note into a resident's report."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class DialogState(Base):
    __tablename__ = "dialog_states"

    # bot:chat:user:thread:business:destiny (aiogram's StorageKey), at most ~120 characters.
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), index=True)
