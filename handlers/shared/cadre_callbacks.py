"""Callback data of the cadre tools: ids only, never trusted (the workflow checks the
presser's role and ownership on every press)."""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ToolCb(CallbackData, prefix="tl"):
    # open 打开 | remind 催办 | esc 吹哨 (menu) | cat 改类 (menu) | merge 合并 (menu) | dacc 部门签收
    action: str
    ticket_id: int


class EscalateCb(CallbackData, prefix="es"):
    ticket_id: int
    unit_id: int  # a department of the ticket's street


class MergeCb(CallbackData, prefix="mg"):
    ticket_id: int  # merged away
    into_id: int  # kept


class FollowCb(CallbackData, prefix="fw"):
    action: str  # follow 关注 | new 仍要新建
    ticket_id: int
