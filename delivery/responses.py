"""aiogram's Response[...] types, built once at start-up and kept.

aiogram reads every Bot API answer into ``Response[method.__returning__]``
(aiogram.client.session.base.BaseSession.check_response). pydantic caches a parametrised
generic model only weakly (a WeakValueDictionary), so with nothing else holding
``Response[Message]`` it is collected between two calls and rebuilt, schema and validator
included (tens of milliseconds, about one call in ten). Holding every method's Response
type here, once, makes each later ``Response[...]`` a dictionary hit.
"""
from __future__ import annotations

from typing import Any

from aiogram import methods
from aiogram.client.session.base import Response
from aiogram.methods import TelegramMethod

_PINNED: list[Any] = []


def pin_response_types() -> int:
    """Builds and keeps Response[T] for every Bot API method's T; idempotent. Returns how many."""
    if _PINNED:
        return len(_PINNED)
    seen = set()
    for name in dir(methods):
        method = getattr(methods, name)
        if not (isinstance(method, type) and issubclass(method, TelegramMethod) and method is not TelegramMethod):
            continue
        returning = getattr(method, "__returning__", None)
        if returning is None or repr(returning) in seen:
            continue
        seen.add(repr(returning))
        _PINNED.append(Response[returning])  # type: ignore[index]
    return len(_PINNED)
