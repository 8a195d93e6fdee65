"""The flood guard with a shared count (Redis in production): the shared window decides;
if it is away, this instance's own count does."""
from __future__ import annotations

from types import SimpleNamespace

from handlers.guards.throttle import FloodGuard


class Window:
    def __init__(self, answers):
        self.answers = list(answers)
        self.keys = []

    async def hit(self, key, now):
        self.keys.append(key)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def handler(event, data):
    return "handled"


async def test_the_shared_window_decides_and_a_lost_redis_falls_back():
    shared = Window([True, False, ConnectionError("redis away")])
    guard = FloodGuard(1, 10, clock=lambda: 100.0, shared=shared)
    guard._warn = lambda *a: _nothing()  # the warning's sending is tested elsewhere
    data = {"event_from_user": SimpleNamespace(id=7)}
    assert await guard(handler, object(), data) == "handled"
    assert await guard(handler, object(), data) is None  # over the shared limit: dropped
    assert await guard(handler, object(), data) == "handled"  # Redis away: own count (first hit)
    assert shared.keys == [7, 7, 7] and guard.dropped == 1


async def _nothing():
    return None
