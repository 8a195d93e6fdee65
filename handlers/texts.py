"""Every sentence the bot says, in one place (zh_CN). Placeholders are str.format fields."""
from __future__ import annotations

# -- joining -------------------------------------------------------------------------
WELCOME_JOINED = (
    "您好！您已登记在 <b>{community} · {grid}</b>。\n\n"
    "遇到楼道堆物、噪音扰民、路灯不亮、违章停车等问题，直接发文字给我就行，可以附照片和位置。\n"
    "我会生成工单、交给本网格的网格员，并告诉您办理时限。\n\n"
    "查看我的工单：/my　　更换网格：/grid　　帮助：/help"
)
PICK_COMMUNITY = "您好！请先选择您所在的社区："
PICK_GRID = "请选择您所在的网格（楼栋/片区）："
NO_ORGANISATION = "系统还没有录入社区和网格，暂时无法登记。请联系社区工作人员。"
BAD_GRID_CODE = "这个网格编号无效或已停用：{code}\n请重新扫描二维码，或在下面选择您的社区。"
STAFF_WELCOME = "您好，{name}（{roles}）。\n待办任务：/tasks　　查看工单：/ticket 编号　　帮助：/help"
NEED_GRID_FIRST = "请先选择您所在的社区和网格，选好后您刚才的反映会自动提交，不会丢失。"

# -- reporting -----------------------------------------------------------------------
REPORT_ACK = (
    "✅ 已受理，工单号 <b>#{id}</b>\n"
    "类别：{category}{keywords}\n"
    "{urgent}"
    "处理人：{assignee}\n"
    "办结时限：{deadline}\n\n"
    "办理进展会在这里通知您。查看：/ticket {id}"
)
REPORT_ACK_UNASSIGNED = "本网格暂无网格员，已转社区派单"
KEYWORDS = "（依据：{words}）"
URGENT_LINE = "⚠️ 紧急事件，已加急处理\n"
PICK_CATEGORY = "我不太确定这属于哪一类，请点一下最接近的类别（工单已生成，不影响办理）："
CATEGORY_SET = "好的，工单 #{id} 的类别已改为：{category}"
DUPLICATE_REPORT = "这条反映已经受理过了，工单号 #{id}，当前状态：{state}。"
EMPTY_TEXT = "请用文字描述遇到的问题，例如：“3号楼楼道堆满杂物，堵住了消防通道”。可以附照片和位置。"
ONLY_SYMBOLS = "没看懂这条消息😊 请用文字说说遇到了什么问题、在哪里。"
UNSUPPORTED_MEDIA = "暂时只能处理文字、照片和位置。语音、贴纸请改为文字描述，谢谢！"
TOO_LONG = "您的描述较长，已完整保存；给网格员的通知只显示前 {limit} 字。"
RATE_LIMITED = "您在一小时内已反映了 {per_hour} 件事，请稍后再提交。紧急情况请拨打 110 / 119 / 120。"
LOCATION_SAVED = "已收到位置。请再用文字说明问题，位置会附在工单上。"

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
REOPENED_BADGE = "🔁 重办（{why}）　"
UNASSIGNED_CARD = "📌 工单 #{id} 无人可派（{grid}），请转派：\n{text}"
RETURNED_CARD = "↩️ 工单 #{id} 被 {who} 退回，原因：{reason}\n请转派给其他网格员："
ASK_RESOLVE_NOTE = "请简要说明工单 #{id} 的处理结果（可附一张现场照片，照片说明写处理结果）："
ASK_RETURN_REASON = "请说明退回工单 #{id} 的原因："
NOTE_EMPTY = "请写几个字说明，不能为空。发送 /cancel 放弃。"
INPUT_CANCELLED = "已取消，工单没有变化。"
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

# -- resident notices --------------------------------------------------------------
ACCEPTED_NOTICE = "您反映的问题（工单 #{id}）已由网格员 {who} 签收，正在处理。"
RESOLVED_NOTICE = "您反映的问题（工单 #{id}）已办结。\n处理结果：{note}\n\n问题解决了吗？"
RETURNED_NOTICE = "您的工单 #{id} 正在由社区重新安排处理人，请稍候。"
REASSIGNED_NOTICE = "您的工单 #{id} 已安排给网格员 {who} 处理，办结时限：{deadline}。"
REOPENED_NOTICE = "收到您的反馈（{why}）。工单 #{id} 已重新交办给 {who}，办结时限：{deadline}。"
ASK_SATISFACTION = "谢谢！您对这次处理满意吗？"
RATED_THANKS = "感谢您的评价（{rating}）！工单 #{id} 已关闭。"

# -- look-ups ------------------------------------------------------------------------
MY_EMPTY = "您还没有反映过问题。直接发文字给我就可以上报。"
MY_HEADER = "我的工单："
MY_LINE = "#{id}　{state}　{category}　{date}\n　{text}"
TICKET_HEADER = (
    "<b>工单 #{id}</b>　{state}\n类别：{category}{keywords}\n网格：{grid}\n处理人：{assignee}\n"
    "内容：{text}\n上报：{created}\n签收时限：{accept_deadline}\n办结时限：{resolve_deadline}\n\n<b>处理记录</b>"
)
HISTORY_LINE = "{at}　{who}　{action}{note}"
TICKET_USAGE = "用法：/ticket 编号，例如 /ticket 12"
TICKET_NOT_FOUND = "没有找到工单 #{id}，或您无权查看。"

HELP_RESIDENT = (
    "<b>怎么用</b>\n"
    "• 直接发文字说明问题，可附照片（照片说明写问题）和位置。\n"
    "• 我会告诉您工单号、类别、处理人和办结时限，进展会通知您。\n"
    "• 办结后请告诉我们是否解决、是否满意；不满意会重新办理。\n\n"
    "/my 我的工单　/ticket 编号 查看详情　/grid 更换网格"
)
HELP_GRID_MEMBER = (
    "<b>网格员</b>\n"
    "• 新工单会推送给您：点“签收”，处理后点“办结”并写处理结果（可附照片）。\n"
    "• 不属于本网格或无法处理：点“退回”并写原因，社区会转派。\n\n"
    "/tasks 待办工单　/ticket 编号 查看工单和处理记录"
)
HELP_CADRE = (
    "<b>社区干部</b>\n"
    "• 网格员退回或无人可派的工单会推送给您，点按钮即可转派。\n"
    "• 您也可以签收、办结本社区的工单。\n\n"
    "/tasks 本社区未办结工单　/ticket 编号 查看工单和处理记录"
)

# -- buttons -----------------------------------------------------------------------
BTN_ACCEPT = "✅ 签收"
BTN_RESOLVE = "🏁 办结"
BTN_RETURN = "↩️ 退回"
BTN_REASSIGN = "🔀 转派"
BTN_SOLVED = "已解决"
BTN_UNSOLVED = "未解决"
BTN_SATISFIED = "满意"
BTN_BASICALLY = "基本满意"
BTN_DISSATISFIED = "不满意"

# -- refusals and errors -------------------------------------------------------------
NOT_ALLOWED = "您无权对这张工单进行此操作。"
STALE = "这张工单已经是“{state}”状态，按钮已失效。"
BUTTON_EXPIRED = "这个按钮已失效。"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看可以做什么。"
INTERNAL_ERROR = "抱歉，系统出了点问题，请稍后再试。如需反馈，请提供参考号：{ref}"

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
    "　解决率 {solved}　满意率 {satisfied}（满意 {satisfied_only}）\n"
    "　重办率 {reopened}　超期 {overdue} 件"
)
TOTAL_ROW_NAME = "合计"
NO_RATE = "—"

BLOCKED_STAFF = (
    "⚠️ {role}{name}（{unit}）已屏蔽本机器人，收不到新工单和督办提醒。"
    "请联系本人重新打开与机器人的对话并发送 /start。"
)
