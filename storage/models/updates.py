"""Updates already handled (storage.updates): what makes a replayed update change nothing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ProcessedUpdate(Base):
    __tablename__ = "processed_updates"

    # "update:<update_id>" or "message:<chat_id>:<message_id>" (storage.updates.keys_of)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), index=True)
