"""Coordination between instances: who runs the jobs that have no claims of their own
(the leader lease), and version stamps that tell every instance to drop a cache."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)  # "scheduler"
    holder: Mapped[str] = mapped_column(String(128))  # host:pid:random of the instance
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class CacheStamp(Base):
    __tablename__ = "cache_stamps"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)  # "units", "languages"
    version: Mapped[int] = mapped_column(BigInteger, default=0)
