"""Telegram's side of a webhook, for tests and deploy/sandbox: posts an update to one URL
(a proxy in front of the instances) with the secret header, and posts it again, backing
off, until it gets a 200, as Telegram does. tests/support/instances.Telegram is the other
kind: round robin straight to the instances."""
from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class WebhookPoster:
    """`posts`: every POST made; `statuses`: how they were answered (HTTP status, or the
    client error's name). `deliver` raises AssertionError when no 200 came in `attempts`
    posts (the waits between them grow by 0.5 s: 8 attempts wait 14 s in all)."""

    http: aiohttp.ClientSession
    url: str
    secret: str
    attempts: int = 8
    posts: int = 0
    statuses: Counter = field(default_factory=Counter)

    async def deliver(self, update: dict) -> None:
        for attempt in range(self.attempts):
            self.posts += 1
            try:
                async with self.http.post(self.url, json=update, headers={SECRET_HEADER: self.secret}) as r:
                    self.statuses[r.status] += 1
                    if r.status == 200:
                        return
            except aiohttp.ClientError as exc:
                self.statuses[type(exc).__name__] += 1
            await asyncio.sleep(0.5 * (attempt + 1))
        raise AssertionError(f"update {update['update_id']} never acknowledged: {dict(self.statuses)}")
