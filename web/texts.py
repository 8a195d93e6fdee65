"""Every sentence of the command centre, in Chinese (the bot's gettext catalogs are for chat)."""
from __future__ import annotations

TITLE = "指挥调度平台"
VIEWS = {"open": "在办", "overdue": "超期", "returned": "已退回", "escalated": "已吹哨", "closed": "无效·撤销"}
SORTS = {"deadline": "时限", "created": "上报时间", "id": "工单号", "state": "状态", "category": "类别", "grid": "网格"}
ACTIONS = {"reassign": "转派", "escalate": "吹哨", "remind": "催办", "recategorize": "改类", "merge": "合并",
           "invalidate": "判为无效"}

DONE = {
    "reassign": "已转派，新的处理人和居民已收到通知。",
    "escalate": "已吹哨，部门联络人、网格员和居民已收到通知。",
    "remind": "已催办，处理人已收到提醒。",
    "recategorize": "已改类。",
    "merge": "已合并。",
    "invalidate": "已判为无效。",
}
# After 判为无效, what became of the reason for the resident (web.actions: as delivered, not as hoped),
# and whether anyone else holding it was told.
INVALID_TOLD = {
    "told": "居民已收到原因。",
    "erased": "反映人已删除个人数据，没有人可以告知原因。",
    "unreached": "原因未能送达居民（对方已停用机器人或无法联系）。",
    "later": "原因暂未送达居民，稍后会自动重发。",
}
INVALID_STAFF_TOLD = "处理人员已收到通知。"


def done_text(query) -> str | None:
    """The flash after an action, from the redirect's query (only known keys are shown)."""
    done = DONE.get(query.get("done", ""))
    if done is None or query.get("done") != "invalidate":
        return done
    parts = [done, INVALID_TOLD.get(query.get("told", ""), "")]
    if query.get("staff") == "1":
        parts.append(INVALID_STAFF_TOLD)
    return "".join(parts)
# 无效 (the chat's 🚫 无效): a one-tap reason (tickets.closing.reasons) or the cadre's own words.
INVALID_PICK = "原因"
INVALID_CHOOSE = "请选择"  # nothing chosen by default: a stray click closes nothing
INVALID_OWN = "或写明原因（优先）"
INVALID_HINT = "不属于网格办理的事项（垃圾信息、测试、私人纠纷等）。居民会收到原因，工单关闭、不再办理，单独计入统计。"
# A ticket closed without 办结: what its page and the list say instead of actions.
CLOSED_INVALID = "无效原因"
CLOSED_INVALID_BY = "{who} 判定，{at}"
CLOSED_CANCELLED = "撤销"
CLOSED_CANCELLED_TEXT = "反映人于 {at} 撤销"
CLOSED_NO_ACTIONS = "此工单状态为「{state}」，已不再办理，没有可执行的调度操作。"
REFUSED = {
    "not_allowed": "您无权对此工单执行该操作。",
    "stale": "工单状态已变化（现为「{state}」），请刷新后再试。",
    "nobody": "此工单目前无人处理，请先转派。",
    "recently": "十分钟内已催办过，请稍后再试。",
    "not_found": "找不到该工单或选项。",
    "bad_input": "请选择一个选项后再提交。",
}

SIGN_IN_TITLE = "登录指挥调度平台"
SIGN_IN_HINT = "此链接只能使用一次，几分钟内有效。点击下面的按钮进入。"
SIGN_IN_BUTTON = "进入指挥调度平台"
LINK_INVALID = "登录链接无效、已使用或已过期。请在聊天中向机器人发送 /web 获取新链接。"
SIGNED_OUT = "您尚未登录或登录已过期。请在聊天中向机器人发送 /web 获取登录链接。"
SIGNED_OUT_DONE = "您已退出。"
CSRF_FAILED = "表单已过期，请刷新页面后重试。"
NOT_FOUND = "找不到该工单。"
BAD_PERIOD = "时间段格式不对：本周、本月、上月、2026-11，或两个日期 2026-11-01 2026-11-15。"
UNKNOWN_UNIT = "找不到单位「{unit}」，或不在您的辖区内。"
NO_PHOTO = "照片暂时无法获取"
