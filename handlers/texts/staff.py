"""What grid members and departments read: task cards, dialogs, reminders and digests. (zh_CN; str.format placeholders)."""
from __future__ import annotations

# -- staff -----------------------------------------------------------------------------
TASK_CARD = (
    "{badge}<b>工单 #{id}</b>　{state}\n"
    "类别：{category}{keywords}\n"
    "网格：{grid}\n"
    "内容：{text}\n"
    "签收时限：{accept_deadline}\n"
    "办结时限：{resolve_deadline}"
)
NEW_TASK_BADGE = "🆕 新工单　"
URGENT_BADGE = "🚨 紧急　"
REOPENED_BADGE = "🔁 居民反馈：{why}　"
UNASSIGNED_CARD = "📌 工单 #{id} 无人可派（{grid}），请转派：\n{text}"
RETURNED_CARD = "↩️ 工单 #{id} 被 {who} 退回，原因：{reason}\n请转派给其他网格员，或吹哨给职能部门："
RETURNED_BEFORE = "↩️ 此前被退回，原因：{reason}"
ASK_RESOLVE_NOTE = "请简要说明工单 #{id} 的处理结果，可以附现场照片（一张或几张）："
ASK_RETURN_REASON = "请说明退回工单 #{id} 的原因："
NOTE_EMPTY = "请写几个字说明，或点“取消”。"
INPUT_CANCELLED = "已取消，没有做任何更改。"
NOTHING_TO_CANCEL = "现在没有要取消的操作。"
NOTE_PHOTOS_KEPT = "照片已收到。请写几个字说明处理结果，或直接点“完成”。"
NOTE_PHOTOS_WITH_CAPTION = "照片和说明已收到。可以继续发照片，发完点“完成”。"
NOTE_SEE_PHOTOS = "见现场照片。"
ACCEPTED_OK = "已签收工单 #{id}，处理完成后请点“办结”。"
RESOLVED_OK = "工单 #{id} 已办结，等待居民回访评价。"
RETURNED_OK = "工单 #{id} 已退回社区重新派单。"
REASSIGN_PICK = "工单 #{id}：请选择转派给谁："
REASSIGNED_OK = "工单 #{id} 已转派给 {name}。"
TAKEN_AWAY = "工单 #{id} 已由 {who} 转派给 {name}，您无需再处理。"
CATEGORY_CHANGED = "工单 #{id} 的类别由“{before}”改为“{category}”。"
CLOSED_NOTICE = "工单 #{id} 已关闭，居民评价：{rating}。辛苦了！"
NO_TASKS = "目前没有待办工单 👍"
TASKS_HEADER = "待办工单（{n}件）："

# -- reminders and digests (督办) ---------------------------------------------------------
WINDOW_ACCEPT = "签收"
WINDOW_RESOLVE = "办结"
REMIND_SOON = "⏰ 工单 #{id} 将于 {deadline} 到达{what}时限，请抓紧{what}。"
REMIND_SOON_CADRE = "⏰ {grid}的工单 #{id} 将于 {deadline} 到达{what}时限，处理人：{assignee}。"
REMIND_LATE = "⚠️ 工单 #{id} 已到{what}时限（{deadline}）{late}，请尽快{what}。"
REMIND_LATE_CADRE = "⚠️ 督办：{grid}的工单 #{id} 已到{what}时限（{deadline}）{late}，仍未{what}。处理人：{assignee}。"
REMIND_NO_ASSIGNEE = "暂无（待派单）"
LATE_BY = "，已超期{span}"
LATE_DAYS = "{days}天"
LATE_HOURS = "{hours}小时"
LATE_MINUTES = "{minutes}分钟"

DAILY_HEADER = "☀️ 早上好，{name}！您有 {n} 件待办工单："
DAILY_LINE = "{mark}#{id}　{state}　{category}　{grid}\n　{what}时限：{deadline}"
DIGEST_MORE = "……另有 {n} 件。"
DAILY_FOOTER = "查看并处理：/tasks"
OVERDUE_MARK = "🔴"
URGENT_MARK = "🚨"

WEEKLY_HEADER = "📋 每周一提醒（{unit}）\n超期和本周内（{week_end}前）到期的工单："
WEEKLY_GRID = "<b>{grid}</b>：超期 {late} 件，本周到期 {soon} 件"
WEEKLY_LINE = "　{mark}#{id}　{category}　{state}　时限 {deadline}"

HALF_MONTH_HEADER = "📊 半月一调度（{unit}，{start}至{end}）"
HALF_MONTH_ROW = (
    "<b>{name}</b>：新增 {created}，派单 {dispatched}，办结 {resolutions}，退回 {returns}，"
    "重办 {reopens}；在办 {open_now}，超期 {overdue_now}"
)
MONTHLY_HEADER = "📈 一月一通报（{unit}，{month}）"
MONTHLY_ROW = (
    "<b>{name}</b>\n"
    "　及时签收率 {accept}　按期办结率 {on_time}\n"
    "　解决率 {solved}　满意率 {satisfied}（不含基本满意 {satisfied_only}）\n"
    "　重办率 {reopened}　超期 {overdue} 件"
)
TOTAL_ROW_NAME = "合计"
NO_RATE = "—"

BLOCKED_STAFF = (
    "⚠️ {role}{name}（{unit}）无法通过机器人联系（未开通、已屏蔽或已注销），收不到新工单和督办提醒；"
    "其手上未办结的工单已转给备岗（没有备岗的退回社区）。请联系本人打开与机器人的对话并发送 /start。"
)

# Staff writing outside a dialog: never a report.
STAFF_FREE_TEXT = "您是工作人员，直接发的文字不会生成工单。"
VOLUNTEER_FREE_TEXT = "您已报到为党员/志愿者，直接发的文字不会生成工单。"
STAFF_MENU_MEMBER = "可用：/tasks 我的待办　/ticket 编号 查看工单　/help 全部功能"
STAFF_MENU_CADRE = "可用：/tasks 社区待办　/overdue 超期督办　/stats 考核指标　/help 全部功能"
STAFF_MENU_VOLUNTEER = "可用：/orders 待接单和我接的单　/points 我的积分　/help 全部功能"
STAFF_REPORT_HINT = "如需以居民身份反映问题，请发送 /report 加内容。"
REPORT_EDITED_STAFF = "✏️ 工单 #{id}：反映人{what}了内容——\n{text}"

# 无效 and 撤销 (issue 11)
BTN_INVALID = "🚫 无效"
ASK_INVALID_REASON = "工单 #{id} 为什么无效？点一个原因，或写几句。居民会收到这个原因，社区干部在督办清单里能看到。"
BTN_INVALID_OWN = "✍️ 其他原因"
BTN_BACK = "⬅️ 返回"
ASK_INVALID_TEXT = "请写几句工单 #{id} 无效的原因（居民会看到）："
INVALID_OK = "工单 #{id} 已判为无效，已告知居民。"
INVALID_OK_NOBODY = "工单 #{id} 已判为无效。反映人已删除个人数据，没有人可以告知原因。"
INVALID_DONE = "工单 #{id} 已是无效。"
INVALID_BADGE = "🚫 已判为无效（{who}）：{reason}\n\n"
CANCELLED_BADGE = "↩️ 居民已撤销，无需再处理。\n\n"
# The message when the card it is about was edited to say so (the card carries the rest).
CANCELLED_BRIEF = "↩️ 居民已撤销工单 #{id}，无需再处理（工单卡片已更新）。"
INVALID_BRIEF = "🚫 工单 #{id} 已由{who}判为无效：{reason}。不再办理（工单卡片已更新）。"
REOPEN_REASON_LINE = "\n重办原因：{reason}"
REOPEN_REASON_NOTICE = "📝 工单 #{id} 的重办原因（居民补充）：{reason}"
# -- 补充 and 联系反映人 (handlers.staff.contact, handlers.views.followup_cards) -------------
BTN_CONTACT_REPORTER = "💬 联系反映人"
REPORTER_GONE = "工单 #{id} 的反映人已删除个人信息，无法再联系（工单照常办理）。"
BTN_REQUEST_PHONE = "📞 请求电话"
CONTACT_PROMPT = "请输入要转告工单 #{id} 反映人的话（经机器人转达，对方看到的是您的角色和姓名）。也可以点“请求电话”请对方留手机号。"
CONTACT_PROMPT_ANONYMOUS = "工单 #{id} 是匿名反映：请输入要转告反映人的话，经机器人转达，双方都不会看到对方的联系方式。"
CONTACT_SENT = "已转达给工单 #{id} 的反映人，对方回复后会转给您。"
PHONE_REQUEST_SENT = "已请工单 #{id} 的反映人留手机号，对方分享后会通知您。"
SUPPLEMENT_NOTICE = "📎 工单 <b>#{id}</b>：反映人补充了材料——\n{text}"
SUPPLEMENT_NO_TEXT = "（照片或位置，见下）"
RELAY_TO_HANDLER = "💬 工单 <b>#{id}</b> 反映人回复：\n{text}"
PHONE_SHARED = "📞 工单 <b>#{id}</b> 的反映人留了手机号：{phone}"
PHONE_SHARED_GONE = "📞 工单 #{id} 的反映人分享过手机号，但现在已不可见（已删除或转为匿名）。"
