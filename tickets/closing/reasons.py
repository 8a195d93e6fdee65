"""The reasons offered in one tap, as stored in the event's note (Chinese, like the rating
notes of tickets.feedback; handlers translate them). Anything else is the person's own words."""
from __future__ import annotations

from tickets.errors import NotFound

# 无效: why a report is not a matter for the grid.
INVALID_REASONS = ("垃圾信息", "测试", "私人纠纷", "不属于网格事项", "重复反映")
# 未解决 / 不满意: what went wrong, in the resident's terms.
REOPEN_REASONS = ("没人来处理", "问题还在", "处理太慢", "处理态度不好")
REASON_LIMIT = 300  # characters kept of a reason typed by hand


def pick(reasons: tuple[str, ...], index: int) -> str:
    """The reason at `index` of a list above; NotFound for an index no button carries."""
    if not 0 <= index < len(reasons):
        raise NotFound(index)
    return reasons[index]


def cleaned(reason: str) -> str:
    """A reason as stored: trimmed, at most REASON_LIMIT characters; NotFound when empty."""
    reason = " ".join(reason.split())[:REASON_LIMIT]
    if not reason:
        raise NotFound(reason)
    return reason
