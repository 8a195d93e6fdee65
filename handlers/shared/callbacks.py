"""Callback data: ids only (Telegram allows 64 bytes). Never trusted: the workflow
checks the presser's role and ownership on every press."""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class TicketCb(CallbackData, prefix="tk"):
    action: str  # acc | res | ret | rsg | inv (无效: pick a reason)
    ticket_id: int


class ReasonCb(CallbackData, prefix="rs"):
    kind: str  # iv: 无效 | rr: why 未解决/不满意 (重办)
    ticket_id: int
    index: int  # into tickets.closing.reasons' list; OWN (-1): they write it; BACK (-2): the card again


class WithdrawCb(CallbackData, prefix="wd"):
    action: str  # ask: show the confirmation | yes: 撤销 | no: keep it
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
    page: int = 0  # of its grids: a community may have more than fit on one keyboard


class CommunityPageCb(CallbackData, prefix="jp"):
    page: int  # of the community list


class GridCb(CallbackData, prefix="jg"):
    grid_id: int  # an id, whatever the length of the grid's code (64 bytes in all)


class IntentCb(CallbackData, prefix="in"):
    choice: str  # yes (上报) | no (不用了); the text waits in the presser's dialog state
    ref: int  # the message_id of the resident's text it asks about: each question its own text


class PrivacyCb(CallbackData, prefix="pv"):
    action: str  # anon | ask | yes | no
    nonce: str  # must match the one kept in the presser's dialog state: forged presses do nothing


class LangCb(CallbackData, prefix="lg"):
    locale: str  # zh_CN | en; anything else is refused


class SupplementCb(CallbackData, prefix="sp"):
    choice: str  # add (补充到 #N) | new (这是新问题); the material waits in the presser's dialog state
    ticket_id: int


class RelayCb(CallbackData, prefix="rl"):
    action: str  # msg 联系反映人 | phone 请求电话 (handlers) | reply 回复 (the reporter)
    ticket_id: int
