"""What cadres read: /overdue, /stats, 吹哨报到, 改类, duplicates, /merge, /export, /bulletin. (zh_CN; str.format placeholders)."""
from __future__ import annotations

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
    "/tasks 吹哨给本部门的工单　/ticket 编号 查看工单和处理记录"
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
STATS_SECTION_COMMUNITIES = "<b>按社区</b>"
STATS_SECTION_GRIDS = "<b>按网格</b>"
STATS_SECTION_CATEGORIES = "<b>按类别</b>"
STATS_ROW = (
    "{name}（新增 {created}）\n"
    "　签收 {accept}｜按期 {on_time}｜解决 {solved}｜满意 {satisfied}（不含基本满意 {satisfied_only}）｜重办 {reopened}｜超期 {overdue}"
)
STATS_SHORT = "　样本不足：评判 {judged} 件，少于 {min} 件，不评分"
STATS_FOOTNOTE = (
    "签收=及时签收率，按期=按期办结率，解决=解决率，满意=满意率（含“基本满意”，括号内不含），重办=重办率；"
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
DEPARTMENT_REOPENED = "🔁 重办：居民对工单 #{id} 的办理反馈“{why}”，工单已退回{department}。请重新签收并办结。"

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
    "网格：{grid}\n\n"
    "关注它就能收到办理进展和办结结果。如果不是同一件事，请点“仍要新建”。"
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
BULLETIN_SHORT = "样本不足（评判少于 {min} 件，不评分）：{names}"
BULLETIN_MONTH = "{year}年{month}月"

# -- 指挥调度平台 (/web) -----------------------------------------------------------------------
WEB_LINK = (
    "🖥 <b>指挥调度平台</b>\n"
    "点击下面的链接登录（{minutes} 分钟内有效，只能使用一次，请勿转发）：\n"
    "{url}\n\n"
    "登录后 {hours} 小时内有效，用完请点“退出”。"
)
WEB_DISABLED = "指挥调度平台尚未开启，请联系管理员（设置 [web] enabled = true）。"

# 无效 cannot hide work: /overdue lists every one of the last days, /stats counts them.
OVERDUE_INVALID_HEADER = "🚫 近 {days} 天判为无效：<b>{n}</b> 件"
OVERDUE_INVALID_LINE = "　#{id}　{grid}　{category}　{at}\n　{who}：{reason}\n　内容：{text}"
STATS_INVALID = "　无效 {n} 件（不计入及时签收率、按期办结率）"
