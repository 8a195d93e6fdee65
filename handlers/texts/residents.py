"""What residents read: joining, reporting, notices about their tickets, privacy. (zh_CN; str.format placeholders)."""
from __future__ import annotations

# -- joining -------------------------------------------------------------------------
WELCOME_JOINED = (
    "您好！您已登记在 <b>{community} · {grid}</b>。\n\n"
    "遇到楼道堆物、噪音扰民、路灯不亮、违章停车等问题，直接发文字给我就行，可以附照片和位置。\n"
    "我会生成工单、交给本网格的网格员，并告诉您办理时限。\n\n"
    "查看我的工单：/my　　更换网格：/grid　　帮助：/help"
)
PICK_COMMUNITY = "您好！请先选择您所在的社区："
PICK_COMMUNITY_NEXT = "请选择您所在的社区："
PICK_GRID = "请选择您所在的网格（楼栋/片区）："
NO_ORGANISATION = "系统还没有录入社区和网格，暂时无法登记。请联系社区工作人员。"
BAD_GRID_CODE = "这个二维码或链接里的网格编号无效或已停用。请重新扫描二维码，或在下面选择您所在的社区："
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
URGENT_LINE = "⚠️ 紧急事件，已加急处理。生命危险请立即拨打 110 / 119 / 120\n"
PICK_CATEGORY = "我不太确定这属于哪一类，请点一下最接近的类别（工单已生成，不影响办理）："
CATEGORY_SET = "好的，工单 #{id} 的类别已改为：{category}"
EMPTY_TEXT = "请用文字描述遇到的问题，例如：“3号楼楼道堆满杂物，堵住了消防通道”。可以附照片和位置。"
ONLY_SYMBOLS = "没看懂这条消息😊 请用文字说说遇到了什么问题、在哪里。"
UNSUPPORTED_MEDIA = "暂时只能处理文字、照片和位置。语音、贴纸请改为文字描述，谢谢！"
TOO_LONG = "您的描述较长，已完整保存；给网格员的通知只显示前 {limit} 字。"
RATE_LIMITED = "您在一小时内已反映了 {per_hour} 件事，请稍后再提交。紧急情况请拨打 110 / 119 / 120。"
LOCATION_SAVED = "已收到位置。请再用文字说明问题，位置会附在工单上。"

# -- resident notices --------------------------------------------------------------
ACCEPTED_NOTICE = "您反映的问题（工单 #{id}）已由网格员 {who} 签收，正在处理。"
ACCEPTED_NOTICE_FOLLOWER = "您关注的问题（工单 #{id}）已由网格员 {who} 签收，正在处理。"
RESOLVED_NOTICE_FOLLOWER = "您关注的问题（工单 #{id}）已办结。\n处理结果：{note}\n\n回访由最先反映的居民评价；问题仍在的话，直接告诉我即可。"
RESOLVED_NOTICE = "您反映的问题（工单 #{id}）已办结。\n处理结果：{note}\n\n问题解决了吗？"
RETURNED_NOTICE = "您的工单 #{id} 正在由社区重新安排处理人，请稍候。"
REASSIGNED_NOTICE = "您的工单 #{id} 已安排给网格员 {who} 处理，办结时限：{deadline}。"
REOPENED_NOTICE = "收到您的反馈（{why}）。工单 #{id} 已重新交办给 {who}，办结时限：{deadline}。"
ASK_SATISFACTION = "谢谢！您对这次处理满意吗？"
RATED_THANKS = "感谢您的评价（{rating}）！工单 #{id} 已关闭。"

# Privacy
HELP_PRIVACY = "/privacy 我的信息与隐私　/anonymous 匿名反映　/phone 留下手机号"
PRIVACY_INFO = (
    "🔒 <b>我们保存的您的信息</b>\n"
    "• Telegram 账号编号：用来给您发送办理进展\n"
    "• 称呼：{name}\n"
    "• 登记网格：{grid}\n"
    "• 手机号：{phone}\n"
    "• 匿名反映：{anonymous}\n"
    "• 您反映的工单：{tickets} 件（其中在办 {open} 件），包括文字、照片、位置和处理记录\n"
    "• 您的点单（请人帮忙）：{orders} 件（其中未结束 {open_orders} 件）\n\n"
    "您的工单只有您本人和负责该网格的工作人员能看到。手机号只有正在处理您工单的工作人员能看到完整号码，"
    "其他人只看到部分（如 138****5678）。匿名反映时，任何人都看不到您的称呼和电话。\n\n"
    "删除数据后，工单会保留（匿名），但不再与您关联。点单的内容会被删除，点单也不再与您关联；"
    "未结束的点单不会自动撤销，但服务人员无法再联系您，您也收不到进展和评价邀请。"
    "还没人接的点单如不再需要，请先在 /orders 里撤销。"
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
    "{orders}"
    "• 此操作无法撤销。"
)
ERASE_CONFIRM_ORDERS = (
    "• 您的 {n} 件点单的内容会被删除，不再与您关联；其中未结束的 {open} 件不会自动撤销，"
    "服务人员也无法再联系您（还没人接的，可以先在 /orders 里撤销）；\n"
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

# A conversation, not a form: small talk gets an answer, not a ticket.
CHAT_GREETING = (
    "您好！我是社区网格助手。遇到楼道堆物、噪音、路灯坏了这类问题，直接告诉我是什么、在哪里，"
    "我会转给您所在网格的网格员处理，并告诉您进展。/help 查看全部功能。"
)
CHAT_THANKS = "不客气！还有什么问题，随时告诉我。"
CHAT_ACK = "好的。有新情况随时告诉我，我会转给网格员。"
CHAT_ACK_OPEN = "好的。工单 #{id} 由 {who} 处理，有进展会在这里通知您。"
CHAT_THANKS_OPEN = "不客气！工单 #{id} 由 {who} 处理，有进展会在这里通知您。"
CHAT_AFTER_RESOLVED = "不客气！工单 #{id} 已办结。问题解决了吗？请点上面的“已解决”或“未解决”告诉我们。"
CHAT_PROGRESS = "工单 #{id} 目前：{state}，处理人：{who}。有进展会在这里通知您；详情：/ticket {id}"
CHAT_NEW_PROBLEM_HINT = "如果说的是另一个新问题，请直接描述是什么、在哪里。"
CHAT_WHO_COMMUNITY = "社区（正在安排）"
CHAT_AFTER_INVALID = ("工单 #{id} 已判为无效，原因在上一条通知里。如果问题确实存在，请把情况再描述一次"
                      "（什么问题、在哪里），我会重新上报给网格员。")
CHAT_NO_OPEN_TICKET = "您现在没有在办的工单。查看以前的工单：/my；有新问题，直接告诉我是什么、在哪里。"
CHAT_AFTER_CLOSED = "不客气！工单 #{id} 已关闭，感谢您的反映和评价。以后有问题，随时告诉我。"
ASK_IF_REPORT = "要把这条作为问题上报吗？上报后会转给您所在网格的网格员处理。"
BTN_REPORT_YES = "📮 上报"
BTN_REPORT_NO = "不用了"
REPORT_KEPT = "好的，这条不上报。需要时再点“上报”或重新描述问题即可。"
REPORT_QUESTION_EXPIRED = "这条消息已过期，没有上报。如需反映，请重新发送。"
REPORT_USAGE = "用法：/report 加问题描述，例如：/report 3号楼楼道堆满杂物，堵住了消防通道"
# Edits of a report
REPORT_EDITED = "已按您修改后的内容更新工单 #{id}，并告知了处理人。"
REPORT_NOTE_ADDED = "工单 #{id} 已在办理中：您修改的内容已作为补充记录，并告知了处理人。"

# 撤销 and 无效 (issue 11)
BTN_WITHDRAW = "↩️ 撤销"
BTN_WITHDRAW_ID = "↩️ 撤销 #{id}"
WITHDRAW_CONFIRM = "确定撤销工单 #{id} 吗？\n内容：{text}\n撤销后不能恢复，处理人会收到通知、不再处理。"
BTN_WITHDRAW_YES = "确认撤销"
BTN_WITHDRAW_NO = "不撤销"
WITHDRAWN_OK = "工单 #{id} 已撤销。问题如果还在，随时可以重新反映。"
WITHDRAW_KEPT = "好的，工单 #{id} 继续办理。"
MY_WITHDRAW_HINT = "还没办结的工单可以撤销，点下面的按钮。"
WITHDRAWN_NOTICE_FOLLOWER = (
    "您关注的问题（工单 #{id}）已由最先反映的居民撤销，不再办理。\n问题仍在的话，直接告诉我即可，会作为新问题登记。"
)
INVALID_NOTICE_FOLLOWER = "您关注的问题（工单 #{id}）经{who}核实，判为无效，不再办理。\n原因：{reason}"
INVALID_NOTICE = (
    "您反映的事项（工单 #{id}）经{who}核实，判为无效，不再办理。\n原因：{reason}\n"
    "如果确有需要网格处理的问题，请重新说明具体情况和地点。"
)
# 未解决 / 不满意: the 重办 is done at the tap; the reason is asked after.
ASK_REOPEN_REASON = "工单 #{id} 已重新交办。能说说哪里不满意吗？点一下即可，处理人会看到（不说也不影响重办）："
BTN_REASON_OWN = "✍️ 其他，我写几句"
ASK_REOPEN_REASON_TEXT = "请简单写几句工单 #{id} 哪里没办好："
REOPEN_REASON_THANKS = "谢谢，已把原因转告处理人（工单 #{id}）。"
# -- 补充 and 联系反映人 (handlers.residents.followup) -------------------------------------
ASK_SUPPLEMENT = "这条是补充到刚才反映的工单 #{id}，还是一个新问题？"
BTN_SUPPLEMENT_ADD = "补充到 #{id}"
BTN_SUPPLEMENT_NEW = "这是新问题"
SUPPLEMENT_EXPIRED = "这条消息已过期，没有补充到工单。如需补充或反映问题，请重新发送。"
SUPPLEMENT_ADDED = "已补充到工单 #{id}，已转告处理人。"
RELAY_TO_RESIDENT = "💬 关于您反映的工单 <b>#{id}</b>，{who}说：\n{text}\n\n点“回复”可以回复（经机器人转达）。"
BTN_RELAY_REPLY = "回复"
RELAY_REPLY_PROMPT = "请输入给工单 #{id} 处理人的回复（文字）："
RELAY_REPLY_SENT = "已转达给工单 #{id} 的处理人。"
RELAY_TEXT_ONLY = "请发文字消息；不想发了可以点“取消”。"
PHONE_REQUESTED = (
    "📞 工单 <b>#{id}</b>：{who}希望电话联系您。愿意的话请点下方按钮分享手机号（仅处理您工单的工作人员可见），"
    "不愿意可以忽略，也可以继续通过机器人留言。"
)
PHONE_ASK_EMERGENCY = (
    "📞 方便的话请点下方按钮留个手机号，处理人可以直接给您打电话（仅处理您工单的工作人员可见）。"
)
FOLLOWER_TEXT_HIDDEN = "（您关注的工单：内容只有反映人和处理人可见）"
