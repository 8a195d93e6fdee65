"""Callback data: ids only (Telegram allows 64 bytes). Never trusted: the workflow
checks the presser's role and ownership on every press."""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class TicketCb(CallbackData, prefix="tk"):
    action: str  # acc | res | ret | rsg
    ticket_id: int


class AssignCb(CallbackData, prefix="as"):
    ticket_id: int
    staff_id: int


class RateCb(CallbackData, prefix="rt"):
    ticket_id: int
    value: str  # y | n | satisfied | basically | dissatisfied


class CategoryCb(CallbackData, prefix="ct"):
    ticket_id: int
    index: int  # position in the configured category list


class CommunityCb(CallbackData, prefix="jc"):
    community_id: int


class GridCb(CallbackData, prefix="jg"):
    code: str


class PrivacyCb(CallbackData, prefix="pv"):
    action: str  # anon | ask | yes | no
    nonce: str  # must match the one kept in the presser's dialog state: forged presses do nothing


class LangCb(CallbackData, prefix="lg"):
    locale: str  # zh_CN | en; anything else is refused
