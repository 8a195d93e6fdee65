"""双报到 in chat: /volunteer_invite (cadre: a code and a link), /start svc_… or /join
code (register), /volunteer (ask the cadre), the cadre's 同意/不同意, /leave."""
from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from handlers.shared import i18n
from handlers.shared.delivery import locale_of, recipient_locales
from handlers.shared.deps import Deps
from handlers.shared.i18n import T, speaking
from handlers.shared.service_callbacks import JoinAskCb, JoinDecideCb
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.service_cards import kb, roster_refusal
from service_orders.errors import RosterRefused
from service_orders.roster import REQUEST_KINDS, looks_like_code
from service_orders.rules import PARTY_MEMBER, SECRETARY, VOLUNTEER

MAX_COMMUNITIES = 8


def build_start_router() -> Router:
    """/start svc_…: before the start router, which would read it as a grid code."""
    router = Router(name="volunteer_start")
    router.message.register(on_start_code, CommandStart(deep_link=True, magic=F.args.func(looks_like_code)))
    return router


def build_router() -> Router:
    router = Router(name="volunteers")
    router.message.register(on_invite, Command("volunteer_invite"))
    router.message.register(on_join, Command("join"))
    router.message.register(on_volunteer, Command("volunteer"))
    router.message.register(on_leave, Command("leave"))
    router.callback_query.register(on_ask, JoinAskCb.filter())
    router.callback_query.register(on_decide, JoinDecideCb.filter())
    return router


def kind_label(kind: str) -> str:
    return i18n.kind_label(kind)


# The kinds as cadres write them.
KIND_WORDS = {"党员": PARTY_MEMBER, "志愿者": VOLUNTEER, "支部书记": SECRETARY, "书记": SECRETARY}


async def on_invite(message: Message, command: CommandObject, deps: Deps, services: ServiceDeps) -> None:
    """/volunteer_invite 身份 [社区编码]: a command, not buttons, like the staff /invite."""
    words = (command.args or "").split()
    if not words or words[0] not in KIND_WORDS or len(words) > 2:
        await deps.notifier.send_message(message.chat.id, T.VOL_INVITE_USAGE)
        return
    try:
        issued = await services.roster.invite(message.from_user.id, KIND_WORDS[words[0]],
                                              words[1] if len(words) == 2 else None)
    except RosterRefused as exc:
        text = T.VOL_INVITE_NONE if exc.reason == "not_allowed" else roster_refusal(exc)
        await deps.notifier.send_message(message.chat.id, text)
        return
    username = await services.username(message.bot)
    link = f"https://t.me/{username}?start={issued.code}" if username else ""
    days = max(1, round((issued.expires_at - services.roster.clock()).total_seconds() / 86400))
    await deps.notifier.send_message(message.chat.id, T.VOL_INVITE_CREATED.format(
        community=escape(issued.community_name), kind=kind_label(issued.kind), days=days, uses=issued.max_uses,
        code=issued.code, link=link))


async def redeem(message: Message, code: str, deps: Deps, services: ServiceDeps) -> None:
    user = message.from_user
    try:
        joined = await services.roster.redeem(user.id, user.full_name, code[:64])
    except RosterRefused as exc:
        await deps.notifier.send_message(message.chat.id, roster_refusal(exc))
        return
    m, community = joined.membership, escape(joined.community_name)
    if joined.already:
        await deps.notifier.send_message(message.chat.id, T.VOL_ALREADY.format(community=community, kind=kind_label(m.kind)))
        return
    await deps.notifier.send_message(message.chat.id, T.VOL_JOINED.format(community=community, kind=kind_label(m.kind)))
    locales = await recipient_locales(deps, joined.tell)  # each cadre in their own language
    for chat_id in joined.tell:
        with speaking(locales.get(chat_id)):
            notice = T.VOL_JOINED_NOTICE.format(name=escape(m.name), kind=kind_label(m.kind), community=community)
        await deps.notifier.send_message(chat_id, notice)


async def on_start_code(message: Message, command: CommandObject, deps: Deps, services: ServiceDeps) -> None:
    await redeem(message, (command.args or "").strip(), deps, services)


async def on_join(message: Message, command: CommandObject, deps: Deps, services: ServiceDeps) -> None:
    code = (command.args or "").strip()
    if not code:
        await deps.notifier.send_message(message.chat.id, T.JOIN_USAGE)
        return
    await redeem(message, code, deps, services)


async def on_volunteer(message: Message, deps: Deps, services: ServiceDeps) -> None:
    options = await services.roster.request_options(message.from_user.id)
    if not options:
        await deps.notifier.send_message(message.chat.id, T.NO_ORGANISATION)
        return
    rows = [[(f"{escape(name)}·{kind_label(k)}", JoinAskCb(community_id=cid, kind=k).pack()) for k in REQUEST_KINDS]
            for cid, name in options[:MAX_COMMUNITIES]]
    await deps.notifier.send_message(message.chat.id, T.VOL_REQUEST_PICK, reply_markup=kb(rows))


async def on_ask(query: CallbackQuery, callback_data: JoinAskCb, deps: Deps, services: ServiceDeps) -> None:
    user = query.from_user
    try:
        req = await services.roster.request(user.id, user.full_name, callback_data.community_id, callback_data.kind)
    except RosterRefused as exc:
        await query.answer(roster_refusal(exc), show_alert=True)
        return
    await query.answer()
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    community, kind = escape(req.community_name), kind_label(req.kind)
    await deps.notifier.send_message(user.id, T.VOL_REQUESTED.format(community=community, kind=kind))
    locales = await recipient_locales(deps, req.reviewers)  # each reviewer in their own language
    for chat_id in req.reviewers:
        with speaking(locales.get(chat_id)):
            buttons = kb([[(T.BTN_MEMBER_OK, JoinDecideCb(member_id=req.member_id, ok=1).pack()),
                           (T.BTN_MEMBER_NO, JoinDecideCb(member_id=req.member_id, ok=0).pack())]])
            card = T.VOL_REQUEST_CARD.format(name=escape(req.name), kind=kind_label(req.kind), community=community)
        await deps.notifier.send_message(chat_id, card, reply_markup=buttons)


async def on_decide(query: CallbackQuery, callback_data: JoinDecideCb, deps: Deps, services: ServiceDeps) -> None:
    try:
        d = await services.roster.decide(query.from_user.id, callback_data.member_id, callback_data.ok == 1)
    except RosterRefused as exc:
        await query.answer(roster_refusal(exc), show_alert=True)
        return
    kind, community = kind_label(d.kind), escape(d.community_name)
    await query.answer(T.VOL_DECIDED_OK.format(name=escape(d.name), kind=kind,
                                               result=T.VOL_RESULT_OK if d.approved else T.VOL_RESULT_NO))
    if query.message:
        await query.message.edit_reply_markup(reply_markup=None)
    with speaking(await locale_of(deps, d.telegram_id)):  # the applicant's language, not the cadre's
        text = (T.VOL_APPROVED if d.approved else T.VOL_DECLINED).format(community=community, kind=kind_label(d.kind))
    await deps.notifier.send_message(d.telegram_id, text)


async def on_leave(message: Message, deps: Deps, services: ServiceDeps) -> None:
    try:
        names = await services.roster.leave(message.from_user.id)
    except RosterRefused as exc:
        await deps.notifier.send_message(message.chat.id, roster_refusal(exc))
        return
    await deps.notifier.send_message(message.chat.id, T.VOL_LEFT.format(communities=i18n.join(escape(n) for n in names)))
