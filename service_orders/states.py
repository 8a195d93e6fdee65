"""Service-order states and the moves between them. Pure."""
from __future__ import annotations

from enum import StrEnum


class OrderState(StrEnum):
    NEW = "new"              # 待议单: waiting for the cadre or branch secretary
    PUBLISHED = "published"  # 待接单: open to the community's members
    TAKEN = "taken"          # 服务中
    DONE = "done"            # 已完成, waiting for the resident's rating
    CLOSED = "closed"        # 已评单
    RETURNED = "returned"    # 不满意: back to 议单
    DECLINED = "declined"    # 未通过
    MERGED = "merged"        # 已合并 into another order
    CONVERTED = "converted"  # 转为工单 (a complaint ticket)
    CANCELLED = "cancelled"  # 已撤销 by the resident

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    OrderState.NEW: "待议单",
    OrderState.PUBLISHED: "待接单",
    OrderState.TAKEN: "服务中",
    OrderState.DONE: "已完成，待评价",
    OrderState.CLOSED: "已评价",
    OrderState.RETURNED: "不满意，待重新议单",
    OrderState.DECLINED: "未通过",
    OrderState.MERGED: "已合并",
    OrderState.CONVERTED: "已转为工单",
    OrderState.CANCELLED: "已撤销",
}


class OrderAction(StrEnum):
    OPEN = "open"          # 点单
    APPROVE = "approve"    # 议单: 通过 (publish)
    DECLINE = "decline"    # 议单: 不通过
    MERGE = "merge"        # 议单: 合并
    CONVERT = "convert"    # 议单: 转工单
    TAKE = "take"          # 接单
    ABANDON = "abandon"    # 放弃 after 接单
    COMPLETE = "complete"  # 完成
    RATE = "rate"          # 评单: 满意 / 基本满意
    RETURN = "return"      # 评单: 不满意
    CANCEL = "cancel"      # the resident withdraws it
    ANNOUNCE = "announce"  # the new-order notice went out (after quiet hours)
    # 联系点单人 (service_orders.contact): no move, a trace of what passed between them.
    RELAY = "relay"                  # the one serving (or a cadre) wrote to the resident
    RELAY_REPLY = "relay_reply"      # the resident answered
    PHONE_REQUEST = "phone_request"  # the resident was asked for a number (at home, or asked)
    PHONE_SHARED = "phone_shared"    # they shared it (the number itself stays on the resident)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    OrderAction.OPEN: "点单",
    OrderAction.APPROVE: "通过",
    OrderAction.DECLINE: "不通过",
    OrderAction.MERGE: "合并",
    OrderAction.CONVERT: "转工单",
    OrderAction.TAKE: "接单",
    OrderAction.ABANDON: "放弃",
    OrderAction.COMPLETE: "完成",
    OrderAction.RATE: "评价",
    OrderAction.RETURN: "不满意退回",
    OrderAction.CANCEL: "撤销",
    OrderAction.ANNOUNCE: "推送",
    OrderAction.RELAY: "联系点单人",
    OrderAction.RELAY_REPLY: "点单人回复",
    OrderAction.PHONE_REQUEST: "请求电话",
    OrderAction.PHONE_SHARED: "留了电话",
}

_REVIEWABLE = frozenset({OrderState.NEW, OrderState.RETURNED})

MOVES: dict[OrderAction, tuple[frozenset[OrderState], OrderState]] = {
    OrderAction.APPROVE: (_REVIEWABLE, OrderState.PUBLISHED),
    OrderAction.DECLINE: (_REVIEWABLE, OrderState.DECLINED),
    OrderAction.MERGE: (_REVIEWABLE, OrderState.MERGED),
    OrderAction.CONVERT: (_REVIEWABLE, OrderState.CONVERTED),
    OrderAction.TAKE: (frozenset({OrderState.PUBLISHED}), OrderState.TAKEN),
    OrderAction.ABANDON: (frozenset({OrderState.TAKEN}), OrderState.PUBLISHED),
    OrderAction.COMPLETE: (frozenset({OrderState.TAKEN}), OrderState.DONE),
    OrderAction.RATE: (frozenset({OrderState.DONE}), OrderState.CLOSED),
    OrderAction.RETURN: (frozenset({OrderState.DONE}), OrderState.RETURNED),
    OrderAction.CANCEL: (frozenset({OrderState.NEW, OrderState.PUBLISHED}), OrderState.CANCELLED),
}

# Orders another one may be merged into: still alive.
MERGE_TARGETS = frozenset({OrderState.NEW, OrderState.PUBLISHED, OrderState.TAKEN})
# Orders the resident still waits on (for /orders).
OPEN_ORDER_STATES = frozenset({
    OrderState.NEW, OrderState.PUBLISHED, OrderState.TAKEN, OrderState.DONE, OrderState.RETURNED,
})


def target_of(action: OrderAction, state: OrderState) -> OrderState | None:
    """The state `action` leads to from `state`, or None when it does not apply."""
    sources, target = MOVES[action]
    return target if state in sources else None


RATINGS = ("satisfied", "basically", "dissatisfied")
RATING_LABELS = {"satisfied": "满意", "basically": "基本满意", "dissatisfied": "不满意"}
