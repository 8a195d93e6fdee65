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

# -- organisation, onboarding, privacy (issue 5) ----------------------------------------------
# Staff invitations
INVITE_USAGE = (
    "用法：/invite 角色 单位编码\n"
    "角色：网格员、备岗、社区干部、街道干部、部门\n"
    "例如：/invite 网格员 WT01"
)
INVITE_CREATED = (
    "已生成邀请码（{role} · {unit}），{hours} 小时内有效，只能使用一次：\n<code>{code}</code>\n\n"
    "请只发给本人，点开链接即可加入：\n{link}"
)
INVITE_WELCOME = "欢迎！您已成为 <b>{unit}</b> 的{role}。\n待办任务：/tasks　　帮助：/help"
INVITE_USED_NOTICE = "{name} 已使用邀请码（…{hint}），成为 {unit} 的{role}。"
INVITE_UNKNOWN = "这个邀请码无效。请向管理员重新索取。"
INVITE_USED = "这个邀请码已经用过了，每个邀请码只能用一次。请向管理员重新索取。"
INVITE_EXPIRED = "这个邀请码已过期。请向管理员重新索取。"
INVITE_BAD_UNIT = "这个单位不能设置该角色（网格员只能在网格或微网格，备岗只能在网格），或单位已停用。"
INVITE_BAD_ROLE = "不认识这个角色。可用：网格员、备岗、社区干部、街道干部、部门。"
INVITES_HEADER = "未使用的邀请码："
INVITES_LINE = "…{hint}　{role} · {unit}　有效至 {expires}"
INVITES_EMPTY = "没有未使用的邀请码。"
BACKUP_SUFFIX = "（备岗）"

# Staff administration (admins)
ADMIN_ONLY = "只有管理员可以使用这个命令。"
UNIT_NOT_FOUND = "没有找到单位 {code}，或已停用。可用 /staff 查看。"
STAFF_USAGE = "用法：/staff [单位编码|all]"
STAFF_HEADER = "工作人员（{n} 人）："
STAFF_UNIT = "<b>{unit}</b> [{code}]"
STAFF_LINE = "　#{id} {name}　{role}　TG {tg}{flags}"
STAFF_INACTIVE_MARK = "　已停用"
STAFF_BLOCKED_MARK = "　已屏蔽机器人"
STAFF_EMPTY = "没有工作人员。"
DEACTIVATE_USAGE = "用法：/deactivate 编号 原因\n编号见 /staff，例如：/deactivate 12 调离本社区"
MOVE_USAGE = "用法：/move 编号 新单位编码 原因\n编号见 /staff，例如：/move 12 WT02 工作调整"
STAFF_NOT_FOUND = "没有找到在岗的工作人员 #{id}（或已在该单位）。请用 /staff 查看编号。"
STAFF_ALREADY_THERE = "这位工作人员已经在该单位任职。"
REASON_BAD = "请写明原因（最多 {limit} 个字）。"
DEACTIVATED_OK = "已停用 {name}（{role} · {unit}）。{handover}"
MOVED_OK = "已将 {name}（{role}）从 {old} 调整到 {unit}。{handover}"
HANDOVER_SUMMARY = "其在办工单 {n} 件：{given} 件已转给备岗，{returned} 件已退回社区重新派单。"
HANDOVER_NONE = "没有在办工单需要交接。"
YOU_WERE_DEACTIVATED = "您在 {unit} 的{role}身份已停用（{reason}）。如有疑问请联系管理员。"
YOU_WERE_MOVED = "您已从 {old} 调整到 {unit}，角色：{role}（{reason}）。"
IMPORT_REASON = "组织架构调整"
HELP_ADMIN = (
    "<b>管理员</b>\n"
    "/invite 角色 单位编码　生成一次性邀请码\n"
    "/invites　未使用的邀请码\n"
    "/staff [单位编码|all]　工作人员名单\n"
    "/move 编号 单位编码 原因　调整岗位\n"
    "/deactivate 编号 原因　停用（其在办工单转备岗或退回社区）"
)

# Privacy
HELP_PRIVACY = "/privacy 我的信息与隐私　/anonymous 匿名反映　/phone 留下手机号"
PRIVACY_INFO = (
    "🔒 <b>我们保存的您的信息</b>\n"
    "• Telegram 账号编号：用来给您发送办理进展\n"
    "• 称呼：{name}\n"
    "• 登记网格：{grid}\n"
    "• 手机号：{phone}\n"
    "• 匿名反映：{anonymous}\n"
    "• 您反映的工单：{tickets} 件（其中在办 {open} 件），包括文字、照片、位置和处理记录\n\n"
    "您的工单只有您本人和负责该网格的工作人员能看到。手机号只有正在处理您工单的工作人员能看到完整号码，"
    "其他人只看到部分（如 138****5678）。匿名反映时，任何人都看不到您的称呼和电话。\n\n"
    "删除数据后，工单会保留（匿名），但不再与您关联。"
)
PRIVACY_NOT_REGISTERED = "我们没有保存您的任何信息：您还没有登记网格，也没有反映过问题。"
PRIVACY_NONE = "未提供"
PRIVACY_ON = "开"
PRIVACY_OFF = "关"
BTN_ANON_ON = "🙈 开启匿名反映"
BTN_ANON_OFF = "👤 关闭匿名反映"
BTN_ERASE = "🗑 删除我的数据"
BTN_ERASE_YES = "确认删除"
BTN_ERASE_NO = "取消"
ERASE_CONFIRM = (
    "确定删除您的数据吗？\n"
    "• 您的称呼、手机号和网格登记将被清除；\n"
    "• 您反映过的 {n} 件工单会保留（匿名），但不再与您的账号关联，您也收不到它们的进展通知；\n"
    "• 此操作无法撤销。"
)
ERASED = "已删除您的数据，{n} 件工单已匿名化。以后您仍可随时发送 /start 重新登记。"
ERASE_CANCELLED = "已取消，您的数据没有变化。"
ANON_ON = "已开启匿名反映：之后的反映不向任何人显示您的称呼和电话，办理进展仍会通过机器人通知您。"
ANON_OFF = "已关闭匿名反映：处理您工单的工作人员可以看到您的称呼。"
ANON_USAGE = "用法：/anonymous on 或 /anonymous off（当前：{now}）"
NEED_JOIN_FIRST = "请先发送 /start 选择您所在的网格。"
PHONE_ASK = (
    "如愿意留下手机号，方便网格员联系您，请点下面的按钮分享。\n"
    "只有正在处理您工单的工作人员能看到完整号码，其他人只看到 138****5678 这样的形式。\n"
    "不想留了：/phone off"
)
BTN_SHARE_PHONE = "📱 分享我的手机号"
PHONE_SAVED = "已保存手机号 {masked}。随时可以发送 /phone off 删除。"
PHONE_REMOVED = "已删除您的手机号。"
PHONE_NOT_YOURS = "只能分享您自己的手机号。"
PHONE_INVALID = "这个号码看起来不对，没有保存。"
ANONYMOUS_ACK = "🙈 匿名反映：工作人员看不到您的称呼和电话。"
REPORTER_ANONYMOUS = "反映人：匿名（可通过本机器人联系）"
REPORTER_LINE = "反映人：{name}{phone}"
REPORTER_PHONE = "　电话：{phone}"
HISTORY_ANONYMOUS = "居民（匿名）"

# Locations and grid boundaries
LOCATION_IN_GRID = "已收到位置，在 {grid} 范围内，工单将交给该网格处理。请再用文字说明问题。"
LOCATION_NEAR_GRID = "已收到位置，离 {grid} 最近（约 {metres} 米），工单将交给该网格处理。请再用文字说明问题。"
LOCATION_OUTSIDE = (
    "已收到位置，但它不在本街道任何网格的范围内。工单将交给您登记的网格，由网格员核实转办。"
    "请再用文字说明问题。"
)

# Flood guard
FLOOD = "您发送得太快了，请稍等 {seconds} 秒再试。"

# Join posters (gridbot org qr)
POSTER_TITLE = "扫码反映问题 · 网格服务"
POSTER_STEPS = "用 Telegram 扫描二维码，登记本网格。\n之后直接发文字、照片和位置，\n网格员会及时处理并回复您。"
POSTER_CODE = "网格编码：{code}"

# -- languages (issue 5): English in handlers/locales/en/LC_MESSAGES/gridbot.po ------------------
LANG_PICK = "请选择语言 / Choose your language:"
LANG_SET = "好的，以后我用中文回复您。"  # each locale's own sentence: said after switching to it
LANG_UNKNOWN = "不认识这种语言：{value}。可选：中文（/lang zh）、English（/lang en）。"
HELP_LANGUAGE = "/lang 切换语言 · Language"
CMD_MY = "我的工单"
CMD_TASKS = "待办工单（工作人员）"
CMD_TICKET = "查看工单：/ticket 编号"
CMD_GRID = "更换网格"
CMD_PRIVACY = "我的信息与隐私（匿名、手机号、删除数据）"
CMD_HELP = "帮助"
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

# -- cadre tools: /overdue, /stats, 吹哨报到, 改类, duplicates, /merge, /export, /bulletin --
HELP_CADRE_TOOLS = (
    "/overdue 超期和即将到期的工单（可打开、催办、转派、吹哨）\n"
    "/stats [本周|本月|上月|2026-10|开始日期 结束日期] [社区或网格] 考核指标\n"
    "/export [时间段] 导出工单表格　/bulletin [2026-10] 一月一通报图表\n"
    "/merge 工单号 保留工单号 合并重复工单"
)
HELP_DEPARTMENT = (
    "<b>职能部门</b>\n"
    "• 社区吹哨的工单会推送给您：点“签收”报到，处理完点“办结”并写明结果。\n\n"
    "/ticket 编号 查看工单和处理记录"
)
CADRES_ONLY = "这个命令仅供社区和街道干部使用。"

BTN_OPEN = "📄 打开"
BTN_REMIND = "📣 催办"
BTN_ESCALATE = "📯 吹哨"
BTN_RECATEGORIZE = "🏷 改类"
BTN_MERGE_TICKET = "🔗 合并"
BTN_FOLLOW = "👀 关注这张工单"
BTN_REPORT_ANYWAY = "🆕 仍要新建"

OVERDUE_NONE = "辖区内没有超期或 {hours} 小时内到期的工单 👍"
OVERDUE_HEADER = "⏰ 督办清单：超期 <b>{late}</b> 件，{hours} 小时内到期 <b>{soon}</b> 件。最紧急的在前："
OVERDUE_MORE = "以上为最紧急的 {shown} 件；全部工单可用 /export 导出。"
OVERDUE_CARD = (
    "{mark}<b>工单 #{id}</b>　{state}　{category}\n"
    "网格：{grid}　处理人：{who}\n"
    "{what}时限：{deadline}{late}\n"
    "内容：{text}"
)
OVERDUE_SOON = "（即将到期）"
SOON_MARK = "🟡"

REMIND_OK = "已催办工单 #{id}。"
REMINDED_NOTICE = "📣 催办：{who} 请您尽快处理工单 #{id}。"
NOBODY_TO_REMIND = "这张工单目前没有处理人，请先转派。"
REMINDED_RECENTLY = "这张工单刚刚已催办过，请稍后再催。"

STATS_USAGE = (
    "用法：/stats [时间段] [社区或网格]\n"
    "时间段：本周、本月（默认）、上月、某月如 2026-10，或两个日期如 2026-11-01 2026-11-15（含首尾两天）。\n"
    "例如：/stats 上月　/stats 2026-11-01 2026-11-15 梧桐社区"
)
STATS_UNKNOWN_UNIT = "没有找到“{unit}”，或它不在您的辖区。"
STATS_HEADER = "📊 <b>{scope}</b>　{period}"
STATS_SECTION_TOTAL = "<b>合计</b>"
STATS_SECTION_COMMUNITIES = "<b>按社区</b>"
STATS_SECTION_GRIDS = "<b>按网格</b>"
STATS_SECTION_CATEGORIES = "<b>按类别</b>"
STATS_ROW = (
    "{name}（新增 {created}）\n"
    "　签收 {accept}｜按期 {on_time}｜解决 {solved}｜满意 {satisfied}（满意 {satisfied_only}）｜重办 {reopened}｜超期 {overdue}"
)
STATS_FOOTNOTE = (
    "签收=及时签收率，按期=按期办结率，解决=解决率，满意=满意率（括号内只计“满意”），重办=重办率；"
    "超期为此刻超期未办结的件数。“—”表示没有可计算的工单。"
)

ESCALATE_PICK = "工单 #{id}（{category}）吹哨给哪个部门？"
ESCALATE_DEFAULT = "{name}（推荐）"
NO_DEPARTMENTS = "本街道还没有可吹哨的职能部门，或部门还没有联络人。请联系管理员添加。"
ESCALATED_OK = "工单 #{id} 已吹哨至 {department}。"
DEPARTMENT_CARD = (
    "📯 <b>吹哨报到　工单 #{id}</b>\n"
    "{who} 请{department}协助处理。\n"
    "类别：{category}\n"
    "地点：{community} {grid}\n"
    "内容：{text}\n"
    "办结时限：{deadline}\n\n"
    "请先点“签收”报到，处理完点“办结”并写明结果。"
)
ESCALATED_RESIDENT = "您的工单 #{id} 已提交{department}协助处理（吹哨报到），办结时限：{deadline}。"
ESCALATED_MEMBER = "工单 #{id} 已由 {who} 吹哨至{department}，由部门处理，请留意进展。"
DEPARTMENT_ACCEPTED = "您的工单 #{id} 已由{department}签收，正在处理。"

RECATEGORIZE_PICK = "工单 #{id} 现在的类别是“{category}”。请选择正确的类别（会用于改进自动分类）："

TICKET_MERGE_USAGE = "用法：/merge 工单号 保留工单号，例如 /merge 12 8（把 #12 并入 #8）。"
TICKET_MERGE_PICK = "把工单 #{id} 并入哪张工单？（同网格未办结的工单，最相似的在前）"
TICKET_MERGE_NONE = "同网格没有其他未办结的工单可以合并。"
TICKET_MERGE_OPTION = "并入 #{id}（相似度 {similarity}）{text}"
TICKET_MERGED_OK = "工单 #{id} 已并入 #{into}，原上报人将关注 #{into} 的进展。"
TICKET_MERGED_RESIDENT = "您反映的问题（工单 #{id}）与工单 #{into} 是同一件事，已合并办理。后续进展会在这里通知您，办结后也请您评价。"
TICKET_MERGED_ASSIGNEE = "工单 #{id} 已由 {who} 并入工单 #{into}，您无需再单独处理。"

DUPLICATE_FOUND = (
    "这件事可能已有人反映，正在办理：\n"
    "<b>工单 #{id}</b>　{state}　{category}\n"
    "内容：{text}\n\n"
    "关注它就能收到办理进展，办结后也可以参与评价。如果不是同一件事，请点“仍要新建”。"
)
FOLLOWING = "好的，您已关注工单 #{id}，办理进展会通知您。查看：/ticket {id}"

EXPORT_USAGE = "用法：/export [时间段]，导出辖区内该时间段上报的工单（Excel）。时间段写法同 /stats。"
EXPORT_CAPTION = "工单导出：{period}，共 {n} 件。"
EXPORT_EMPTY = "{period} 辖区内没有上报的工单。"
BULLETIN_USAGE = "用法：/bulletin [年-月]，例如 /bulletin 2026-10（默认上月）。"
BULLETIN_WORKING = "正在生成一月一通报，请稍候……"
BULLETIN_CAPTION = (
    "📈 <b>一月一通报</b>　{unit}　{month}\n"
    "新增 {created} 件，办结 {resolutions} 件，此刻超期 {overdue} 件。\n"
    "五色：{bands}"
)
BULLETIN_BAND = "{name}{n}"
BULLETIN_MONTH = "{year}年{month}月"

# -- 五单服务, 双报到, 积分, 五色, 一键呼叫, 联手说事 (issue 7) ------------------------------------
# The residents' persistent keyboard
BTN_ORDER_ENTRY = "🙋 我要点单"
BTN_EMERGENCY = "🆘 紧急求助"
RESIDENT_MENU = "常用功能在下方按钮：“我要点单”请党员志愿者帮忙，“紧急求助”一键呼叫网格员和社区。"

# 居民点单
ORDER_ASK_TEXT = "请说说需要什么帮助，例如：“帮独居的王奶奶买点降压药”“家里水龙头坏了，老人不会修”。发送 /cancel 放弃。"
ORDER_ASK_WHEN = "什么时候需要？点下面的按钮，或直接输入日期（如 12月5日）："
ORDER_WHEN_BAD = "没看懂这个日期。请点按钮，或输入今天起 90 天内的日期，如 12月5日、2026-12-05。发送 /cancel 放弃。"
ORDER_TEXT_BAD = "请用文字说明需要什么帮助。发送 /cancel 放弃。"
BTN_NEEDED_TODAY = "今天"
BTN_NEEDED_TOMORROW = "明天"
BTN_NEEDED_WEEK = "本周内"
BTN_NEEDED_ANY = "不急"
NEEDED_LABELS = {"today": "今天", "tomorrow": "明天", "week": "本周内", "any": "不急"}
NEEDED_BY = "{date}前"
ORDER_ACK = (
    "✅ 已收到您的点单，编号 <b>#{id}</b>（{category}）\n"
    "需要时间：{needed}\n"
    "{next}\n\n"
    "查看：/orders"
)
ORDER_ACK_REVIEW = "社区会尽快审核（议单），通过后推送给本社区的党员和志愿者。"
ORDER_ACK_PUBLISHED = "已直接发布给本社区的党员和志愿者，有人接单会通知您。"
ORDER_DUPLICATE = "这条点单已经收到了，编号 #{id}，当前状态：{state}。"
ORDER_NEED_GRID = "请先发送 /start 选择您所在的社区和网格，再来点单。"
ORDER_OFFER = (
    "看起来您需要帮助。您希望：\n"
    "• <b>点单</b>：请本社区的党员、志愿者上门帮忙（如代买药品、陪同就医、小修小补）；\n"
    "• <b>上报问题</b>：作为工单交给网格员处理（如设施损坏、环境问题）。\n"
    "您写的内容已保存，点一下即可。"
)
BTN_OFFER_ORDER = "🙋 点单（请人帮忙）"
BTN_OFFER_TICKET = "📝 上报问题"

# 支部议单
ORDER_CARD = (
    "{badge}<b>点单 #{id}</b>　{state}\n"
    "类别：{category}\n"
    "网格：{grid}\n"
    "内容：{text}\n"
    "需要时间：{needed}"
)
ORDER_REVIEW_BADGE = "📥 新点单，请议单　"
ORDER_RETURNED_BADGE = "🔁 居民不满意，请重新议单　"
ORDER_AUTO_BADGE = "📢 已按类别自动发布　"
BTN_APPROVE = "✅ 通过发布"
BTN_DECLINE = "✖️ 不通过"
BTN_MERGE = "🔗 合并"
BTN_CONVERT = "📝 转为工单"
ASK_DECLINE_REASON = "请说明点单 #{id} 不通过的原因（会告诉居民）："
APPROVED_OK = "点单 #{id} 已发布，已推送给 {n} 位党员和志愿者。"
APPROVED_HELD = "点单 #{id} 已发布。现在是休息时段，推送会在 {at} 发出。"
DECLINED_OK = "点单 #{id} 未通过，已告知居民。"
MERGE_PICK = "把点单 #{id} 合并到哪一单？"
MERGE_NONE = "本社区没有可以合并的点单。"
MERGED_OK = "点单 #{id} 已合并到 #{into}。"
CONVERTED_OK = "点单 #{id} 已转为工单 #{ticket}，交网格员办理。"

# 社区派单 / 党员接单
ORDER_NEW_BADGE = "🆕 新的服务需求　"
BTN_TAKE = "🙋 接单"
BTN_DONE = "🏁 完成"
BTN_ABANDON = "↩️ 放弃"
BTN_CANCEL_ORDER = "撤销点单"
TAKEN_DETAIL = "您已接下点单 #{id}，谢谢！\n居民：{who}\n网格：{grid}\n完成后请点“完成”并简单说明；实在去不了请点“放弃”。"
TAKEN_WHO_HIDDEN = "（居民未公开称呼，请通过社区联系）"
TAKEN_PHONE = "　电话：{phone}"
ASK_DONE_NOTE = "请简要说明点单 #{id} 的服务情况（如“已代买药品送到家”）："
DONE_OK = "点单 #{id} 已完成，等待居民评价。{points}"
POINTS_GAINED = "积分 +{n}。"
POINTS_LOST = "积分 {n}。"
ABANDONED_OK = "您已放弃点单 #{id}，它会重新推送给其他党员和志愿者。{points}"
CANCELLED_OK = "点单 #{id} 已撤销。"

# Notices to the resident
ORDER_PUBLISHED = "您的点单 #{id} 已通过审核，正在等待党员、志愿者接单。"
ORDER_DECLINED = "您的点单 #{id} 未通过审核，原因：{reason}\n如有疑问请联系社区。"
ORDER_MERGED = "您的点单 #{id} 与点单 #{into} 是同一件事，已合并办理。"
ORDER_CONVERTED = "您的点单 #{id} 更适合由网格员处理，已转为工单 #{ticket}，进展会通知您。查看：/ticket {ticket}"
ORDER_TAKEN = "您的点单 #{id} 已由 {who} 接单，对方会尽快联系您。"
ORDER_DONE = "您的点单 #{id} 已由 {who} 完成：{note}\n\n您对这次服务满意吗？"
ORDER_ABANDONED = "接单人暂时去不了，您的点单 #{id} 已重新发布，正在等待其他人接单。"
ORDER_RATED_THANKS = "感谢您的评价（{rating}）！点单 #{id} 已完成。"
ORDER_RETURNED_RESIDENT = "收到您的反馈。点单 #{id} 已退回社区重新安排。"

# Notices to reviewers and takers
ORDER_DONE_REVIEWER = "点单 #{id} 已由 {who} 完成：{note}"
ORDER_ABANDONED_REVIEWER = "{who} 放弃了点单 #{id}，已重新发布。"
ORDER_RATED = "居民对点单 #{id} 的评价：{rating}。{points}"

# Refusals
ORDER_NOT_ALLOWED = "您无权对这张点单进行此操作。"
ORDER_STALE = "这张点单已经是“{state}”状态，按钮已失效。"
ORDER_TAKEN_ALREADY = "手慢了一步，点单 #{id} 已被其他人接单。谢谢您！"
ORDER_OWN = "不能接自己的点单。"
ORDER_BAD_INPUT = "请写几个字说明，不能为空。发送 /cancel 放弃。"

# /orders
ORDERS_EMPTY = "目前没有点单。需要帮助请点“我要点单”或发送 /order。"
ORDERS_MINE = "<b>我的点单</b>"
ORDERS_TO_TAKE = "<b>待接单</b>（{n}）"
ORDERS_TAKING = "<b>我接的单</b>（{n}）"
ORDERS_TO_REVIEW = "<b>待议单</b>（{n}）"
ORDERS_NONE_TO_TAKE = "暂时没有待接的点单 👍"
ORDER_LINE = "#{id}　{state}　{category}　{needed}\n　{text}"

# 双报到
VOL_INVITE_USAGE = (
    "用法：/volunteer_invite 身份 [社区编码]\n"
    "身份：党员、志愿者、支部书记（支部书记可以议单）\n"
    "例如：/volunteer_invite 党员"
)
VOL_NEED_SCOPE = "您负责多个社区，请写明社区编码，例如：/volunteer_invite 党员 XF-WT"
VOL_COMMUNITY_UNKNOWN = "没有找到这个社区编码，或已停用。"
VOL_INVITE_NONE = "只有社区干部（或支部书记）可以生成报到码。"
VOL_INVITE_CREATED = (
    "{community}·{kind}报到码（{days} 天内有效，最多 {uses} 人使用）：\n<code>{code}</code>\n\n"
    "发给本人或党员群，点开链接即可报到：\n{link}\n或在对话中发送：/join {code}"
)
VOL_JOINED = (
    "欢迎！您已作为<b>{kind}</b>报到到 <b>{community}</b>。\n"
    "社区有新的服务需求会推送给您，点“接单”即可。\n查看待接单：/orders　我的积分：/points　退出：/leave"
)
VOL_ALREADY = "您已经是 {community} 的{kind}了。查看待接单：/orders"
VOL_JOINED_NOTICE = "{name} 已作为{kind}报到到 {community}。"
VOL_CODE_UNKNOWN = "这个报到码无效。请向社区重新索取。"
VOL_CODE_USED = "这个报到码的使用人数已满。请向社区重新索取。"
VOL_CODE_EXPIRED = "这个报到码已过期。请向社区重新索取。"
JOIN_USAGE = "用法：/join 报到码（报到码由社区干部生成，以 svc_ 开头）。没有报到码可以发送 /volunteer 申请。"
VOL_REQUEST_PICK = "申请报到到哪个社区、以什么身份？"
VOL_REQUESTED = "已提交申请（{community}·{kind}），社区审核后会通知您。"
VOL_REQUEST_CARD = "📋 {name} 申请作为{kind}报到到 {community}。"
BTN_MEMBER_OK = "✅ 同意"
BTN_MEMBER_NO = "✖️ 不同意"
VOL_APPROVED = "您的报到申请已通过，欢迎加入 {community}（{kind}）！查看待接单：/orders"
VOL_DECLINED = "您报到到 {community} 的申请未通过。如有疑问请联系社区。"
VOL_DECIDED_OK = "已处理：{name}（{kind}）{result}。"
VOL_RESULT_OK = "已同意"
VOL_RESULT_NO = "未同意"
VOL_ALREADY_ACTIVE = "您已经在这个社区报到了。"
VOL_LEFT = "您已退出 {communities} 的报到，不会再收到点单推送。以后可以随时重新报到。"
VOL_NOT_MEMBER = "您还没有在任何社区报到。"
VOL_BUSY = "您还有服务中的点单，请先完成或放弃后再退出（/orders）。"
VOL_NOT_ALLOWED = "您无权进行此操作。"
VOL_STALE = "这个申请已经处理过了。"

# 积分
POINTS_HEADER = "<b>我的积分</b>"
POINTS_LINE = "{community}（{group}）：本月 {month} 分，{rank}；累计 {total} 分"
POINTS_RANK = "本月本社区第 {rank} 名（共 {of} 人）"
POINTS_UNRANKED = "本月暂无排名"
POINTS_GROUP_MEMBER = "党员志愿者"
POINTS_GROUP_GRID = "网格员"
POINTS_RECENT = "最近记录："
POINTS_ENTRY = "　{date}　{points:+d}　{reason}{ref}"
POINTS_REF_ORDER = "（点单 #{id}）"
POINTS_REF_TICKET = "（工单 #{id}）"
POINTS_NONE = "您还没有积分。在社区报到为党员或志愿者（/volunteer），接单服务即可获得积分。"
POINT_REASONS = {"order_done": "完成服务", "satisfied": "居民满意", "abandoned": "接单后放弃",
                 "ticket_on_time": "工单按期办结"}

# 五色考核
WUSE_HEADER = "<b>五色考核 · {month}</b>（网格员，得分 = 工单指标 {kpi_share}% + 积分 {points_share}%）"
WUSE_LINE = "{mark} {name}　{grid}　{score}　{band}\n　及时签收 {accept}　按期办结 {on_time}　满意 {satisfied}　超期 {overdue}　积分 {points}"
WUSE_NO_SCORE = "—"
WUSE_NO_BAND = "本月无工单，暂不评定"
WUSE_NONE = "没有可考核的网格员。"
WUSE_NOT_ALLOWED = "五色考核只对社区、街道干部开放。"
WUSE_BAD_MONTH = "用法：/wuse [月份]，例如 /wuse 或 /wuse 2026-11"

# 一键呼叫
EMERGENCY_ASK_LOCATION = (
    "🆘 正在发起紧急求助。请点下面的“发送位置并呼叫”，网格员和社区会立即收到。\n"
    "无法发送位置请点“直接呼叫”。生命危险请立即拨打 110 / 119 / 120。"
)
BTN_SEND_LOCATION = "📍 发送位置并呼叫"
BTN_CALL_NOW = "🆘 直接呼叫（不发位置）"
BTN_CALL_CANCEL = "取消"
EMERGENCY_TICKET_TEXT = "【一键呼叫】居民通过紧急求助按钮呼叫，请立即联系并上门查看。"
EMERGENCY_ACK = (
    "🆘 已呼叫！紧急工单 <b>#{id}</b>，已同时通知 {n} 位工作人员，他们会尽快联系您。\n"
    "生命危险请立即拨打 110 / 119 / 120。"
)
EMERGENCY_DUPLICATE = "这次呼叫已经发出（工单 #{id}），工作人员正在处理。"
EMERGENCY_ALERT_BADGE = "🆘 一键呼叫　"
EMERGENCY_NEED_GRID = "您还没有登记网格，无法通知网格员。生命危险请立即拨打 110 / 119 / 120；登记网格请发送 /start。"
EMERGENCY_CANCELLED = "已取消紧急求助。"

# 联手说事
MATTER_USAGE = (
    "用法：/matter [网格或社区编码] 问题 | 选项1 | 选项2 …\n"
    "例如：/matter 3号楼是否加装电梯？| 同意 | 不同意 | 弃权\n"
    "不写编码即发给本社区全体登记居民；选项 2-10 个。"
)
MATTER_PREVIEW = (
    "📣 <b>联手说事（预览）</b>\n范围：{scope}\n问题：{question}\n选项：{options}\n"
    "将发给 {n} 位居民，{hours} 小时后自动结束并公布结果。"
)
BTN_MATTER_SEND = "📤 发送"
BTN_MATTER_DROP = "取消"
BTN_MATTER_CLOSE = "结束并公布"
MATTER_SENT = "议事 #{id} 已发给 {n} 位居民。结束：/close_matter {id}"
MATTER_DROPPED = "已取消，没有发给任何人。"
MATTER_RESULT = "📊 <b>议事结果</b>（{scope}）\n{question}\n{lines}\n参与 {voters} 人（共发出 {polled} 份）。投票已结束，之后的投票不再计入。感谢参与！"
MATTER_RESULT_LINE = "　{option}：{n} 票（{share}）"
MATTER_LIST_HEADER = "<b>联手说事</b>"
MATTER_LIST_LINE = "#{id}　{state}　{scope}　{question}\n　参与 {voters}/{polled}"
MATTER_STATE_LABELS = {"open": "进行中", "closed": "已结束"}
MATTER_NONE = "还没有议事。发起：/matter"
MATTER_NOT_ALLOWED = "只有本社区的社区干部可以发起或结束议事。"
MATTER_NEED_SCOPE = "您负责多个社区，请写明社区或网格编码，例如：/matter XF-WT 问题 | 选项1 | 选项2"
MATTER_NOT_FOUND = "没有找到这个议事或单位编码。"
MATTER_STALE = "这个议事已经发出或结束了。"
MATTER_BAD_QUESTION = "问题不能为空，最多 300 字。"
MATTER_BAD_OPTIONS = "请给 2-10 个不重复的选项，每个最多 100 字，用 | 隔开。"
MATTER_NO_RECIPIENTS = "这个范围内还没有登记的居民，无法发起议事。"
CLOSE_MATTER_USAGE = "用法：/close_matter 编号，例如 /close_matter 3"

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
    "/orders 待议单　/volunteer_invite 生成党员志愿者报到码\n"
    "/wuse 网格员五色考核　/matter 发起联手说事　/matters 议事列表"
)
