"""The 五单 service loop: 点单, 议单, 派单, 接单, 评单, 双报到, 积分, 五色, 一键呼叫, 联手说事. (zh_CN; str.format placeholders)."""
from __future__ import annotations

# -- 五单服务, 双报到, 积分, 五色, 一键呼叫, 联手说事 (issue 7) ------------------------------------
# The residents' persistent keyboard
BTN_ORDER_ENTRY = "🙋 我要点单"
BTN_EMERGENCY = "🆘 紧急求助"
RESIDENT_MENU = "常用功能在下方按钮：“我要点单”请党员志愿者帮忙，“紧急求助”一键呼叫网格员和社区。"

# 居民点单
ORDER_ASK_TEXT = "请说说需要什么帮助，例如：“帮独居的王奶奶买点降压药”“家里水龙头坏了，老人不会修”。"
ORDER_ASK_WHEN = "什么时候需要？点下面的按钮，或直接输入日期（如 12月5日）："
ORDER_WHEN_BAD = "没看懂这个日期。请点按钮，或输入今天起 90 天内的日期，如 12月5日、2026-12-05。"
ORDER_TEXT_BAD = "请用文字说明需要什么帮助，或点“取消”。"
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
ORDER_TEXT_DELETED = "（内容已删除：点单人删除了个人数据）"
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
BTN_ABANDON_CONFIRM = "确定放弃"
BTN_ABANDON_KEEP = "不放弃，继续服务"
ABANDON_CONFIRM = "确定放弃点单 #{id} 吗？放弃后它会重新推送给其他人。{cost}"
ABANDON_COST = "放弃会扣 {n} 分。"
ABANDON_KEPT = "好的，点单 #{id} 仍由您服务。"
BTN_CANCEL_ORDER = "撤销点单"
TAKEN_DETAIL = (
    "您已接下点单 #{id}，谢谢！\n居民：{who}\n网格：{grid}\n"
    "完成后请点“完成”并简单说明；实在去不了请点“放弃”；要跟居民说什么可以点“联系点单人”，经机器人转达。"
)
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

# 联系点单人 (handlers.services.order_contact, handlers.views.followup_cards)
BTN_CONTACT_REQUESTER = "💬 联系点单人"
ORDER_CONTACT_PROMPT = "请输入要转告点单 #{id} 居民的话（经机器人转达，对方看到的是您的身份和称呼，看不到您的 Telegram 账号）。"
ORDER_CONTACT_PROMPT_PHONE = "也可以点“请求电话”请对方留手机号。"
ORDER_CONTACT_SENT = "已转达给点单 #{id} 的居民，对方回复后会转给您。"
ORDER_RELAY_TO_RESIDENT = "💬 关于您的点单 <b>#{id}</b>，{who}说：\n{text}\n\n点“回复”可以回复（经机器人转达）。"
ORDER_RELAY_REPLY_PROMPT = "请输入回复（文字），将转达给点单 #{id} 的{who}："
ORDER_RELAY_REPLY_SENT = "已转达给点单 #{id} 的{who}。"
ORDER_RELAY_TO_WRITER = "💬 点单 <b>#{id}</b> 的居民回复：\n{text}"
ORDER_PHONE_AT_HOME = (
    "📞 您的点单 <b>#{id}</b> 需要上门服务。方便的话请点下方按钮留个手机号，接单人上门前可以先给您打电话"
    "（仅为您服务的人员可见）。不愿意可以忽略，也可以继续通过机器人留言。"
)
ORDER_PHONE_ASKED = (
    "📞 点单 <b>#{id}</b>：{who}希望电话联系您。愿意的话请点下方按钮分享手机号（仅为您服务的人员可见），"
    "不愿意可以忽略，也可以继续通过机器人留言。"
)
ORDER_PHONE_REQUEST_SENT = "已请点单 #{id} 的居民留手机号，对方分享后会通知您。"
ORDER_PHONE_SHARED = "📞 点单 <b>#{id}</b> 的居民留了手机号：{phone}"
ORDER_PHONE_SHARED_GONE = "📞 点单 #{id} 的居民分享过手机号，但现在已不可见（已删除、转为匿名，或已不由您服务）。"

# Refusals
ORDER_NOT_ALLOWED = "您无权对这张点单进行此操作。"
ORDER_STALE = "这张点单已经是“{state}”状态，按钮已失效。"
ORDER_TAKEN_ALREADY = "手慢了一步，点单 #{id} 已被其他人接单。谢谢您！"
ORDER_OWN = "不能接自己的点单。"
ORDER_BAD_INPUT = "请写几个字说明，或点“取消”。"

# /orders
ORDERS_EMPTY = "目前没有点单。需要帮助请点“我要点单”或发送 /order。"
ORDERS_MINE = "<b>我的点单</b>（进行中 {n}）"
ORDERS_FINISHED = "<b>已结束的点单</b>"
ORDERS_TO_TAKE = "<b>待接单</b>（{n}）"
ORDERS_TAKING = "<b>我接的单</b>（{n}）"
ORDERS_TO_REVIEW = "<b>待议单</b>（{n}）"
ORDERS_SERVING = "<b>本社区在办的点单</b>（{n}）"
ORDER_SERVED_BY = "\n服务人：{who}"
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
WUSE_SHORT = "样本不足（评判 {judged} 件，经手 {handled} 件），暂不评定"
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
ALERT_TAKEN = "🚨 紧急求助 · 工单 #{id}\n✅ 已由 {who} 签收处理，您无需再签收。"
EMERGENCY_CANCELLED = "已取消紧急求助。"

# Broadcasts to residents (联手说事, new orders to members) say who is asking, and until when.
BROADCAST_FROM = "📣 {community}·{kind}"
BROADCAST_MATTER = "联手说事"
BROADCAST_ORDER = "居民点单"
POLL_UNTIL = "投票截至 {at}"
DAY_TIME = "{day} {time}"

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
MATTER_HELD = "议事 #{id} 已排队：现在是休息时段，{at} 发给 {n} 位居民，投票截至 {until}。结束：/close_matter {id}"
MATTER_DROPPED = "已取消，没有发给任何人。"
MATTER_RESULT = (
    "{preface}\n📊 <b>议事结果</b>（{scope}）\n{question}\n{lines}\n"
    "参与 {voters} 人（共发出 {polled} 份）。投票已于 {closed} 截止，之后的投票不再计入。感谢参与！"
)
MATTER_RESULT_HELD = "现在是休息时段，结果会在 {at} 发给参与的居民。"
MATTER_RESULT_LINE = "　{option}：{n} 票（{share}）"
MATTER_LIST_HEADER = "<b>联手说事</b>"
MATTER_LIST_LINE = "#{id}　{state}　{scope}　{question}\n　参与 {voters}/{polled}"
MATTER_STATE_LABELS = {"open": "进行中", "closed": "已结束"}
MATTER_NONE = "还没有议事。发起：/matter"
MATTER_NOT_ALLOWED = "只有本社区的社区干部可以发起或结束议事。"
MATTER_NEED_SCOPE = "您负责多个社区，请写明社区或网格编码，例如：/matter XF-WT 问题 | 选项1 | 选项2"
MATTER_NOT_FOUND = "没有找到这个议事或单位编码。"
MATTER_STALE = "这个议事已经发出或结束了。"
MATTER_BAD_QUESTION = "问题不能为空，最多 240 字。"
MATTER_BAD_OPTIONS = "请给 2-10 个不重复的选项，每个最多 100 字，用 | 隔开。"
MATTER_NO_RECIPIENTS = "这个范围内还没有登记的居民，无法发起议事。"
CLOSE_MATTER_USAGE = "用法：/close_matter 编号，例如 /close_matter 3"
