"""Callback data of the service loop: ids and short codes only (64 bytes). Never trusted:
the workflow checks the presser's role and ownership on every press."""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class OfferCb(CallbackData, prefix="so"):
    choice: str  # o: 点单 | t: 上报问题
    message_id: int  # the message whose text is kept, checked against what was kept


class NeededCb(CallbackData, prefix="sn"):
    value: str  # today | tomorrow | week | any


class ReviewCb(CallbackData, prefix="sr"):
    action: str  # ok | no | mg | tk
    order_id: int


class MergeIntoCb(CallbackData, prefix="sm"):
    order_id: int
    into_id: int
    card: int  # the message id of the 议单 card the merge was asked from: drawn again after it


class OrderCb(CallbackData, prefix="sd"):
    action: str  # take | done | drop | cancel
    order_id: int


class OrderRateCb(CallbackData, prefix="sq"):
    order_id: int
    value: str  # satisfied | basically | dissatisfied


class JoinAskCb(CallbackData, prefix="sv"):
    community_id: int
    kind: str  # party_member | volunteer


class JoinDecideCb(CallbackData, prefix="sj"):
    member_id: int
    ok: int  # 1 approve, 0 decline


class MatterCb(CallbackData, prefix="sx"):
    action: str  # send | drop | close
    matter_id: int


class OrderRelayCb(CallbackData, prefix="or"):
    action: str  # msg 联系点单人 | phone 请求电话 (who serves) | reply 回复 (the resident)
    order_id: int
