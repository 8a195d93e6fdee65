"""What admins read: invitations, staff administration, join posters. (zh_CN; str.format placeholders)."""
from __future__ import annotations

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
UNIT_NOT_FOUND = "没有找到这个单位编号，或已停用。可用 /staff 查看各单位的编号。"
STAFF_USAGE = "用法：/staff [单位编码|all]"
STAFF_HEADER = "工作人员（{n} 人）："
STAFF_UNIT = "<b>{unit}</b> [{code}]"
STAFF_LINE = "　#{id} {name}　{role}　TG {tg}{flags}"
STAFF_INACTIVE_MARK = "　已停用"
STAFF_BLOCKED_MARK = "　⚠️无法联系（未开通或已屏蔽机器人）"
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

# Join posters (gridbot org qr)
POSTER_TITLE = "扫码反映问题 · 网格服务"
POSTER_STEPS = "用 Telegram 扫描二维码，登记本网格。\n之后直接发文字、照片和位置，\n网格员会及时处理并回复您。"
POSTER_CODE = "网格编码：{code}"
