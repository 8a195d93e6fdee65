"""Limits shared by every instance, in Redis (settings: redis.url).

Two shapes, each with an in-process twin elsewhere (used when Redis is not configured):

* `RedisPacer` spaces sends evenly: about 30/s overall and 1/s per chat, whichever
  instance sends. A Lua script reserves the next free slot of both at once, on Redis's
  clock, and returns how long the caller waits for it; one send per chat is out at a
  time, and the chat's next slot counts from the answer (as delivery.pacing does within
  one process).
* `RedisWindow` counts hits per key in a sliding window (the flood guard, reports per
  hour): a sorted set per key, trimmed and counted in one script.

Nothing here holds a connection at import time; `redis.asyncio` is imported when built.
"""
from __future__ import annotations

import asyncio
import itertools
import os
from datetime import datetime
from typing import Any, Protocol

# KEYS: global, chat (optional), the chat's busy flag. ARGV: global interval, chat interval,
# busy timeout (µs). Returns the wait in µs, or -1 when a send to the chat is still out (ask
# again shortly): one send per chat at a time, across the instances.
_PACE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local slot = now
for i = 1, math.min(#KEYS, 2) do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat > slot then slot = tat end
end
for i = 1, math.min(#KEYS, 2) do
  local step = tonumber(ARGV[i])
  redis.call('SET', KEYS[i], slot + step, 'PX', math.floor((slot - now + step) / 1000) + 1000)
end
if KEYS[3] then
  redis.call('SET', KEYS[3], 1, 'PX', math.floor((slot - now + tonumber(ARGV[3])) / 1000))
end
return slot - now
"""

# KEYS: chat, its busy flag. ARGV: chat interval (µs). After the answer: the chat's next
# slot is at least an interval after it, however late the request arrived (as the
# in-process pacing counts), and the chat is free for the next send.
_DONE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local step = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + step > tat then
  redis.call('SET', KEYS[1], now + step, 'PX', math.floor(step / 1000) + 1000)
end
redis.call('DEL', KEYS[2])
return 0
"""

# KEYS: the window. ARGV: now (µs), window (µs), limit, member, record (1/0). Returns 1 if allowed.
_WINDOW = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local allowed = redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3])
if allowed and ARGV[5] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.floor(tonumber(ARGV[2]) / 1000) + 1000)
end
if allowed then return 1 end
return 0
"""


# A send to a chat counts as out until answered, or for this long after its slot (a crash).
BUSY_TIMEOUT_US = 30_000_000


class Pacer(Protocol):
    async def reserve(self, chat: Any | None) -> float:
        """Seconds to wait before this send may go (the slot is taken already)."""

    async def done(self, chat: Any | None) -> None:
        """The send was answered (the chat's interval counts from the answer)."""


class Window(Protocol):
    async def hit(self, key: Any, now: float) -> bool:
        """True (and counted) if `key` is within its limit; False leaves it uncounted."""

    async def check(self, key: Any, now: float) -> bool:
        """True if one more hit would be within the limit (nothing counted)."""

    async def note(self, key: Any, now: float) -> None:
        """Count a hit."""


def redis_client(url: str) -> Any:
    from redis.asyncio import Redis

    return Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3)


class RedisPacer:
    def __init__(self, redis: Any, prefix: str, *, global_per_s: float = 28, per_chat_interval: float = 1.05) -> None:
        self.redis = redis
        self.prefix = prefix
        self.global_step = int(1_000_000 / global_per_s)
        self.chat_step = int(per_chat_interval * 1_000_000)
        self._script = redis.register_script(_PACE)
        self._done = redis.register_script(_DONE)

    async def reserve(self, chat: Any | None) -> float:
        keys = [f"{self.prefix}:pace:all"]
        args = [self.global_step]
        if chat is not None:
            keys += [f"{self.prefix}:pace:chat:{chat}", f"{self.prefix}:pace:busy:{chat}"]
            args += [self.chat_step, BUSY_TIMEOUT_US]
        while True:
            waited = int(await self._script(keys=keys, args=args))
            if waited >= 0:
                return waited / 1_000_000
            await asyncio.sleep(0.05)  # another instance is sending to this chat

    async def done(self, chat: Any | None) -> None:
        """The send to `chat` was answered: its next one waits an interval from now."""
        if chat is not None:
            await self._done(keys=[f"{self.prefix}:pace:chat:{chat}", f"{self.prefix}:pace:busy:{chat}"],
                             args=[self.chat_step])


class RedisWindow:
    """A sliding window of `limit` hits per `seconds`, per key, shared by the instances.

    `now` is the caller's clock in seconds (a float or an aware datetime): the workflow's
    clock, so tests that move time move the window too."""

    def __init__(self, redis: Any, name: str, limit: int, seconds: float) -> None:
        self.redis = redis
        self.name = name
        self.limit = limit
        self.window_us = int(seconds * 1_000_000)
        self._script = redis.register_script(_WINDOW)
        self._ids = itertools.count()
        self._me = f"{os.getpid()}-{id(self):x}"

    async def _run(self, key: Any, now: float | datetime, record: bool) -> bool:
        ts = now.timestamp() if isinstance(now, datetime) else float(now)
        member = f"{ts:.6f}:{self._me}:{next(self._ids)}"
        args = [int(ts * 1_000_000), self.window_us, self.limit, member, "1" if record else "0"]
        return bool(await self._script(keys=[f"{self.name}:{key}"], args=args))

    async def hit(self, key: Any, now: float | datetime) -> bool:
        return await self._run(key, now, True)

    async def check(self, key: Any, now: float | datetime) -> bool:
        return await self._run(key, now, False)

    async def note(self, key: Any, now: float | datetime) -> None:
        ts = now.timestamp() if isinstance(now, datetime) else float(now)
        member = f"{ts:.6f}:{self._me}:{next(self._ids)}"
        name = f"{self.name}:{key}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(name, {member: int(ts * 1_000_000)})
            pipe.pexpire(name, self.window_us // 1000 + 1000)
            await pipe.execute()
