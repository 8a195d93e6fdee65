"""Ticket states and the transitions between them. Pure: no database, no aiogram."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    NEW = "new"                # 待派单: no grid member could be found; a cadre assigns it
    DISPATCHED = "dispatched"  # 待签收
    ACCEPTED = "accepted"      # 处理中
    RESOLVED = "resolved"      # 已办结, awaiting 回访
    CLOSED = "closed"          # 已关闭
    RETURNED = "returned"      # 已退回, waiting for a cadre to reassign
    ESCALATED = "escalated"    # 已吹哨, with a department
    REOPENED = "reopened"      # 重办, after 未解决 or 不满意
    MERGED = "merged"          # 已合并
    CANCELLED = "cancelled"    # 已撤销, withdrawn by the resident
    INVALID = "invalid"        # 无效: not a matter for the grid (spam, a test, a private dispute)

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    State.NEW: "待派单",
    State.DISPATCHED: "待签收",
    State.ACCEPTED: "处理中",
    State.RESOLVED: "已办结，待回访",
    State.CLOSED: "已关闭",
    State.RETURNED: "已退回",
    State.ESCALATED: "已吹哨",
    State.REOPENED: "重办",
    State.MERGED: "已合并",
    State.CANCELLED: "已撤销",
    State.INVALID: "无效",
}

OPEN_STATES = frozenset(
    {State.NEW, State.DISPATCHED, State.ACCEPTED, State.RETURNED, State.ESCALATED, State.REOPENED}
)
# States in which the assignee still owes work (reminders, /tasks).
ASSIGNEE_STATES = frozenset({State.DISPATCHED, State.ACCEPTED, State.REOPENED})


class Action(StrEnum):
    OPEN = "open"
    ACCEPT = "accept"          # 签收
    RESOLVE = "resolve"        # 办结
    RETURN = "return"          # 退回
    REASSIGN = "reassign"      # 转派
    ESCALATE = "escalate"      # 吹哨
    CLOSE = "close"            # 回访: solved and satisfied
    REOPEN = "reopen"          # 回访: 未解决 or 不满意 (重办)
    CANCEL = "cancel"          # the resident withdraws it
    RECATEGORIZE = "recategorize"
    RATE = "rate"
    MERGE = "merge"            # 合并 into another ticket about the same thing
    REMIND = "remind"          # 催办: a cadre prods whoever handles it
    FOLLOW = "follow"          # a resident follows a ticket instead of reporting it again
    EDIT = "edit"              # the reporter edited the report before anyone accepted it
    NOTE = "note"              # the reporter added to it (an edit after 签收)
    INVALIDATE = "invalidate"  # its handler or a cadre closes it as 无效, with a reason
    REOPEN_REASON = "reopen_reason"  # why the resident said 未解决 or 不满意, after the 重办
    SUPPLEMENT = "supplement"  # 补充: text, photos or a location sent soon after the report
    RELAY = "relay"            # 联系反映人: a handler's message to the reporter, through the bot
    RELAY_REPLY = "relay_reply"  # the reporter's answer to a relayed message
    PHONE_REQUEST = "phone_request"  # a handler (or an emergency) asked the reporter for a number
    PHONE_SHARED = "phone_shared"    # the reporter shared it (the number itself is on the resident)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.OPEN: "上报",
    Action.ACCEPT: "签收",
    Action.RESOLVE: "办结",
    Action.RETURN: "退回",
    Action.REASSIGN: "转派",
    Action.ESCALATE: "吹哨",
    Action.CLOSE: "关闭",
    Action.REOPEN: "重办",
    Action.CANCEL: "撤销",
    Action.EDIT: "修改",
    Action.NOTE: "补充",
    Action.RECATEGORIZE: "改类",
    Action.RATE: "评价",
    Action.MERGE: "合并",
    Action.REMIND: "催办",
    Action.FOLLOW: "关注",
    Action.INVALIDATE: "判为无效",
    Action.REOPEN_REASON: "重办原因",
    Action.SUPPLEMENT: "补充材料",
    Action.RELAY: "联系反映人",
    Action.RELAY_REPLY: "反映人回复",
    Action.PHONE_REQUEST: "请求电话",
    Action.PHONE_SHARED: "留下电话",
}


@dataclass(frozen=True)
class Transition:
    sources: frozenset[State]
    target: State


TRANSITIONS: dict[Action, Transition] = {
    Action.ACCEPT: Transition(frozenset({State.DISPATCHED, State.REOPENED}), State.ACCEPTED),
    Action.RESOLVE: Transition(frozenset({State.ACCEPTED, State.ESCALATED}), State.RESOLVED),
    Action.RETURN: Transition(
        frozenset({State.DISPATCHED, State.ACCEPTED, State.REOPENED}), State.RETURNED
    ),
    Action.REASSIGN: Transition(
        frozenset({State.NEW, State.RETURNED, State.DISPATCHED, State.ACCEPTED, State.REOPENED}),
        State.DISPATCHED,
    ),
    Action.ESCALATE: Transition(
        # NEW too: what no grid member can take may go straight to a department.
        frozenset({State.NEW, State.DISPATCHED, State.ACCEPTED, State.RETURNED, State.REOPENED}),
        State.ESCALATED,
    ),
    Action.MERGE: Transition(OPEN_STATES, State.MERGED),
    Action.CLOSE: Transition(frozenset({State.RESOLVED}), State.CLOSED),
    Action.REOPEN: Transition(frozenset({State.RESOLVED}), State.REOPENED),
    # Until it is resolved: once 办结, 回访 says whether it was solved.
    Action.CANCEL: Transition(OPEN_STATES, State.CANCELLED),
    Action.INVALIDATE: Transition(OPEN_STATES, State.INVALID),
}
# Settled for good: no button on its cards does anything any more.
SETTLED_STATES = frozenset({State.CLOSED, State.MERGED, State.CANCELLED, State.INVALID})


# 重办 of a ticket a department resolved (吹哨报到): it goes back to that department, still
# 已吹哨, not to the grid member it was taken from.
DEPARTMENT_TRANSITIONS: dict[Action, Transition] = {
    Action.REOPEN: Transition(frozenset({State.RESOLVED}), State.ESCALATED),
}


class TransitionError(Exception):
    """The ticket is not in a state this action applies to (a stale button, a double press)."""

    def __init__(self, action: Action, state: State) -> None:
        super().__init__(f"cannot {action.value} a ticket that is {state.value}")
        self.action = action
        self.state = state


def target_of(action: Action, state: State, *, department: bool = False) -> State:
    """Where `action` takes a ticket in `state`; `department`: the ticket is a department's
    (DEPARTMENT_TRANSITIONS win). Raises TransitionError where the action does not apply."""
    transition = (DEPARTMENT_TRANSITIONS.get(action) if department else None) or TRANSITIONS[action]
    if state not in transition.sources:
        raise TransitionError(action, state)
    return transition.target


def allowed_actions(state: State) -> list[Action]:
    return [action for action, t in TRANSITIONS.items() if state in t.sources]


def window_data(**deadlines) -> dict[str, str]:
    """The deadlines an event sets (accept_deadline, resolve_deadline,
    original_resolve_deadline), for its ``data``: a replay of the events (figures.replay)
    judges 签收 and 办结 by them without reading the ticket row."""
    return {name: at.isoformat() for name, at in deadlines.items() if at is not None}
