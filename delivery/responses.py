"""aiogram's Response[...] types, each kept once built.

aiogram reads every Bot API answer into ``Response[method.__returning__]``
(aiogram.client.session.base.BaseSession.check_response). pydantic caches a parametrised
generic model only weakly (a WeakValueDictionary), so with nothing else holding
``Response[Message]`` it is collected between two calls and rebuilt, schema and validator
included (tens of milliseconds, about one call in ten). ``PinResponses``, on the Bot's
session, holds each method's Response type from its first call on, so every later
``Response[...]`` is a dictionary hit; building all 41 at start-up instead cost 0.2 s of
every start for types most instances never use.
"""
from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.base import Response
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import TelegramMethod

_PINNED: dict[Any, Any] = {}  # method.__returning__ -> Response[it], for the process's life


def pin(returning: Any) -> Any:
    """Response[returning], built once and kept. Thread-safe enough: a race builds it twice."""
    kept = _PINNED.get(returning)
    if kept is None:
        kept = _PINNED[returning] = Response[returning]  # type: ignore[index]
    return kept


class PinResponses(BaseRequestMiddleware):
    """Pins the Response type of each call's method before aiogram reads its answer."""

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Any:
        returning = getattr(method, "__returning__", None)
        if returning is not None and returning not in _PINNED:
            pin(returning)
        return await make_request(bot, method)


def pin_responses(session: Any) -> None:
    """Installs PinResponses on an aiogram session, once."""
    if not any(isinstance(m, PinResponses) for m in session.middleware):
        session.middleware(PinResponses())
