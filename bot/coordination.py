"""Several instances, one database: the leader lease and cache invalidation.

Leader: jobs that have no claims of their own (digests, the monthly bulletin, the 五单
sweep that closes polls and releases held notices, the calendar notice) run only in the
instance that holds the "scheduler" lease. Every instance tries to take or renew it every
`renew` seconds; it lasts `ttl`, so when the holder dies another takes over within a
minute. The reminder sweep claims its tickets itself (skip locked) and runs everywhere.

CacheSync: the unit tree (UnitCache) is dropped everywhere when the "units" stamp in the
database moves (`gridbot org import` bumps it); with Redis, a person's language choice
is published so every instance forgets its cached one at once.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from storage import leases
from tickets.reports import utcnow

log = logging.getLogger(__name__)

LEASE = "scheduler"
# Job ids (or their prefixes) that run in the leader only.
LEADER_JOBS = ("digest-", "bulletin-", "calendar-notice", "service-sweep")


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leader:
    def __init__(self, sessions: leases.Sessions, *, name: str = LEASE, holder: str | None = None,
                 ttl: float = 60.0, renew: float = 20.0, clock: Callable[[], datetime] = utcnow,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.sessions = sessions
        self.name = name
        self.holder = holder or instance_name()
        self.ttl = ttl
        self.renew = renew
        self.clock = clock
        self.monotonic = monotonic
        self._valid_until = -1.0
        self._task: asyncio.Task[None] | None = None
        self.skipped = 0

    @property
    def leading(self) -> bool:
        # A margin below the lease's end: never act on a lease about to pass to another.
        return self.monotonic() < self._valid_until - self.renew / 2

    async def try_lead(self) -> bool:
        started = self.monotonic()
        was = self.leading
        try:
            held = await leases.acquire(self.sessions, self.name, self.holder, self.clock(), timedelta(seconds=self.ttl))
        except Exception as exc:  # noqa: BLE001 - the database away: lead no longer
            log.warning("leader lease %s not renewed: %s", self.name, type(exc).__name__)
            held = False
        self._valid_until = started + self.ttl if held else -1.0
        if held != was:
            log.info("%s %s the %s lease", self.holder, "took" if held else "does not hold", self.name)
        return held

    async def _loop(self) -> None:
        while True:
            await self.try_lead()
            await asyncio.sleep(self.renew)

    async def start(self) -> None:
        await self.try_lead()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._valid_until > 0:
            try:
                await leases.release(self.sessions, self.name, self.holder)
            except Exception as exc:  # noqa: BLE001 - it expires anyway
                log.warning("leader lease not released: %s", type(exc).__name__)
            self._valid_until = -1.0

    def guard(self, job: Callable[..., Awaitable[Any]], job_id: str = "") -> Callable[..., Awaitable[Any]]:
        @wraps(job)
        async def run_if_leading(*args: Any, **kwargs: Any) -> Any:
            if not self.leading:
                self.skipped += 1
                log.debug("job %s skipped: another instance leads", job_id)
                return None
            try:
                return await job(*args, **kwargs)
            except asyncio.CancelledError:  # the process is stopping: the next leader goes on
                log.info("job %s stopped by the shutdown", job_id)
                return None

        return run_if_leading

    def guard_jobs(self, scheduler: Any) -> list[str]:
        """Wrap the scheduler's leader-only jobs (call before starting it)."""
        guarded = []
        for job in scheduler.get_jobs():
            if job.id.startswith(LEADER_JOBS):
                job.modify(func=self.guard(job.func, job.id))
                guarded.append(job.id)
        return guarded


class CacheSync:
    def __init__(self, sessions: leases.Sessions, *, units: Any = None, languages: Any = None,
                 redis: Any = None, channel: str = "gridbot:cache", poll: float = 5.0) -> None:
        self.sessions = sessions
        self.units = units
        self.languages = languages
        self.redis = redis
        self.channel = channel
        self.poll = poll
        self._seen: dict[str, int] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def check_stamps(self) -> list[str]:
        """Drops the caches whose stamp moved since the last look; returns their names."""
        current = await leases.stamps(self.sessions)
        moved = [] if self._seen is None else [n for n, v in current.items() if self._seen.get(n) != v]
        self._seen = current
        for name in moved:
            self._forget(name, None)
        return moved

    def _forget(self, name: str, key: str | None) -> None:
        if name == "units" and self.units is not None:
            self.units.forget()
        elif name == "languages" and self.languages is not None:
            self.languages.forget(int(key) if key else None)

    async def publish_language(self, telegram_id: int) -> None:
        if self.redis is not None:
            try:
                await self.redis.publish(self.channel, f"languages:{telegram_id}")
            except Exception as exc:  # noqa: BLE001 - the others' caches expire anyway
                log.warning("cache invalidation not published: %s", type(exc).__name__)

    async def _poll_loop(self) -> None:
        while True:
            try:
                await self.check_stamps()
            except Exception as exc:  # noqa: BLE001
                log.debug("cache stamps not read: %s", type(exc).__name__)
            await asyncio.sleep(self.poll)

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self.redis.pubsub()
                await pubsub.subscribe(self.channel)
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    name, _, key = message["data"].decode().partition(":")
                    self._forget(name, key or None)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis restarted: subscribe again
                log.warning("cache channel lost (%s); subscribing again", type(exc).__name__)
                await asyncio.sleep(1)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._poll_loop()))
        if self.redis is not None:
            if self.languages is not None:
                self.languages.on_change = self.publish_language
            self._tasks.append(loop.create_task(self._listen()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
