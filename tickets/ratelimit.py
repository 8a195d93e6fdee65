"""Per-user sliding-window limits, in memory: a flood costs no database work.

Several instances share one limit instead through storage.shared_limits.RedisWindow,
which answers the same `check` and `note`."""
from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable
from datetime import datetime, timedelta


class SlidingWindow:
    def __init__(self, limit: int, window: timedelta = timedelta(hours=1)) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[Hashable, deque[datetime]] = defaultdict(deque)

    def _trim(self, key: Hashable, now: datetime) -> deque[datetime]:
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def allowed(self, key: Hashable, now: datetime) -> bool:
        return len(self._trim(key, now)) < self.limit

    def hit(self, key: Hashable, now: datetime) -> None:
        hits = self._trim(key, now)
        hits.append(now)
        if len(self._hits) > 100_000:  # bound memory: forget idle users
            for idle in [k for k, v in self._hits.items() if not v]:
                del self._hits[idle]

    async def check(self, key: Hashable, now: datetime) -> bool:
        return self.allowed(key, now)

    async def note(self, key: Hashable, now: datetime) -> None:
        self.hit(key, now)
