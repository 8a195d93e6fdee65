"""Sentences every audience reads: look-ups, buttons, refusals, dates, help. (zh_CN; str.format placeholders)."""
from __future__ import annotations

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
BTN_DIALOG_CANCEL = "✖️ 取消"
BTN_NOTE_DONE = "✅ 完成"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看可以做什么。"
INTERNAL_ERROR = "抱歉，系统出了点问题，请稍后再试。如需反馈，请提供参考号：{ref}"

# -- languages (issue 5): English in handlers/locales/en/LC_MESSAGES/gridbot.po ------------------
LANG_PICK = "请选择语言 / Choose your language:"
LANG_SET = "好的，以后我用中文回复您。"  # each locale's own sentence: said after switching to it
LANG_UNKNOWN = "不认识这种语言：{value}。可选：中文（/lang zh）、English（/lang en）。"
HELP_LANGUAGE = "/lang 切换语言 · Language"
HELP_STAFF_REPORT = "直接发的文字不会生成工单；要以居民身份反映问题，请发送 /report 加内容。"
CMD_MY = "我的工单"
CMD_TASKS = "待办工单"
CMD_TICKET = "查看工单：/ticket 编号"
CMD_GRID = "更换网格"
CMD_PRIVACY = "我的信息与隐私（匿名、手机号、删除数据）"
CMD_HELP = "帮助：我能做的所有事"
CMD_ORDER = "我要点单：请党员志愿者帮忙"
CMD_ORDERS = "我的点单"
CMD_ORDERS_STAFF = "点单：待接、我接的、待议"
CMD_MENU = "显示“我要点单”“紧急求助”按钮"
CMD_OVERDUE = "超期督办"
CMD_STATS = "考核指标"
CMD_LANG = "切换语言 · Language"
# Dates and lists, as each language writes them.
DATE_TIME = "{month}{day}日（{weekday}）{time}"
DAY_MONTH = "{month}{day}日"
YEAR_MONTH = "{year}年{month}"
MONTH_NAMES = "1月 2月 3月 4月 5月 6月 7月 8月 9月 10月 11月 12月"  # twelve, space-separated
WEEKDAY_NAMES = "周一 周二 周三 周四 周五 周六 周日"  # Monday first, space-separated
LIST_SEPARATOR = "、"
# Who did what, in a ticket's history.
WHO_RESIDENT = "居民"
WHO_RESIDENT_NAMED = "居民 {name}"
WHO_SYSTEM = "系统"
WHO_STAFF = "工作人员"
HISTORY_NOTE = "：{note}"
HISTORY_TO_PERSON = "给 {name}"
HISTORY_TO_DEPARTMENT = "至 {department}"
HISTORY_INTO = "到工单 #{id}"

# Help
HELP_SERVICES_RESIDENT = (
    "<b>点单服务</b>\n"
    "• 需要帮忙（代买药品、陪同就医、小修小补）：点“我要点单”或发送 /order。\n"
    "• 紧急情况：点“🆘 紧急求助”，网格员和社区会立即收到。\n"
    "/orders 我的点单　/volunteer 报到当志愿者"
)
HELP_SERVICES_MEMBER = (
    "<b>党员 / 志愿者</b>\n"
    "• 新的服务需求会推送给您，点“接单”即可，先到先得。\n"
    "/orders 待接单和我接的单　/points 我的积分　/leave 退出报到"
)
HELP_SERVICES_CADRE = (
    "<b>五单服务（社区）</b>\n"
    "• 居民点单会推送给您议单：通过、不通过、合并或转为工单。\n"
    "• 社区干部要跟点单的居民说什么，可在点单卡片上点“联系点单人”，经机器人转达。\n"
    "/orders 待议单和在办的点单　/volunteer_invite 生成党员志愿者报到码\n"
    "/wuse 网格员五色考核　/matter 发起联手说事　/matters 议事列表"
)

# Groups and channels: nothing personal is said there.
PRIVATE_ONLY = "请私聊我：点我的头像，发消息给我。群里不处理反映，以免泄露个人信息。"
# Text hygiene at the door
NUL_REFUSED = "这条消息里有无法保存的字符，请重新输入（不要粘贴特殊字符）。"
# Long pickers
PAGE_PREV = "◀ 上一页"
PAGE_NEXT = "下一页 ▶（{page}/{pages}）"
