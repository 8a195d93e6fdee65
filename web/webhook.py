"""Telegram's updates by webhook.

Each POST carries one update. The secret Telegram was given (setWebhook's secret_token)
must come back in X-Telegram-Bot-Api-Secret-Token: compared in constant time, 401 if it
does not match (logged with the caller's address, never the token). The answer is 200
only once the update has been handled (Dispatcher.feed_update awaited), so an instance
that dies mid-update leaves it to Telegram's redelivery. At most `max_in_flight` updates
are handled at once; the next wait up to `queue_timeout` seconds for a place, then get 503
and Telegram tries again later.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookHandler:
    def __init__(self, dp: Dispatcher, bot: Bot, secret: str, *, max_in_flight: int = 64,
                 queue_timeout: float = 20.0) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret (telegram.webhook_secret)")
        self.dp = dp
        self.bot = bot
        self._secret = secret.encode()
        self._slots = asyncio.Semaphore(max_in_flight)
        self.max_in_flight = max_in_flight
        self.queue_timeout = queue_timeout
        self.in_flight = 0
        self.handled = 0
        self.refused = 0
        self.failed = 0

    def authorised(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode()
        return hmac.compare_digest(given, self._secret)

    async def __call__(self, request: web.Request) -> web.Response:
        if not self.authorised(request):
            self.refused += 1
            log.warning("webhook call from %s refused: wrong or missing secret token", request.remote)
            return web.json_response({"ok": False, "error": "unauthorised"}, status=401)
        try:
            payload: Any = await request.json()
            update = Update.model_validate(payload, context={"bot": self.bot})
        except Exception as exc:  # noqa: BLE001 - a malformed body is the caller's problem
            log.warning("webhook body refused: %s", type(exc).__name__)
            return web.json_response({"ok": False, "error": "bad update"}, status=400)
        try:
            await asyncio.wait_for(self._slots.acquire(), self.queue_timeout)
        except TimeoutError:
            log.warning("webhook busy (%d in flight): update %s left to Telegram's retry",
                        self.max_in_flight, update.update_id)
            return web.json_response({"ok": False, "error": "busy"}, status=503)
        self.in_flight += 1
        try:
            await self.dp.feed_update(self.bot, update)
            self.handled += 1
        except Exception:
            self.failed += 1
            log.exception("update %s failed", update.update_id)
        finally:
            self.in_flight -= 1
            self._slots.release()
        return web.json_response({"ok": True})
