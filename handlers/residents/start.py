"""/start (deep link with a grid code, or a picker), /grid to move."""
from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    Message,
)

from handlers.residents.language import publish_chat_menu
from handlers.residents.submission import submit_pending
from handlers.shared.callbacks import CommunityCb, CommunityPageCb, GridCb
from handlers.shared.delivery import locale_of
from handlers.shared.deps import Deps
from handlers.shared.i18n import T, join, role_label, speaking
from handlers.shared.orgdeps import OrgDeps
from handlers.shared.pickers import ask_grid, community_picker, grid_picker
from handlers.views.service_cards import resident_keyboard
from organisation.invites import InviteRefused, looks_like_invite
from tickets.errors import NotFound


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(on_start, CommandStart())
    router.message.register(on_grid, Command("grid"))
    router.callback_query.register(on_community, CommunityCb.filter())
    router.callback_query.register(on_community_page, CommunityPageCb.filter())
    router.callback_query.register(on_grid_pick, GridCb.filter())
    return router


async def joined(deps: Deps, chat_id: int, grid: tuple[str, str, str]) -> None:
    _, grid_name, community = grid
    # With the residents' persistent buttons (我要点单, 紧急求助: handlers.services.orders, handlers.residents.emergency).
    await deps.notifier.send_message(chat_id, T.WELCOME_JOINED.format(community=escape(community), grid=escape(grid_name)),
                                     reply_markup=resident_keyboard())


# Names in texts, looked up when refusing: the sentence is then in the person's language.
INVITE_REFUSALS = {"used": "INVITE_USED", "expired": "INVITE_EXPIRED", "unit": "INVITE_BAD_UNIT"}


async def redeem_invite(message: Message, code: str, deps: Deps, org: OrgDeps) -> None:
    """/start inv_...: a staff invitation, not a grid's QR code."""
    user = message.from_user
    try:
        done = await org.staffing.redeem(user.id, code[:64], user.full_name)
    except InviteRefused as exc:
        await deps.notifier.send_message(message.chat.id, getattr(T, INVITE_REFUSALS.get(exc.reason, "INVITE_UNKNOWN")))
        return
    def role() -> str:
        return role_label(done.role) + (T.BACKUP_SUFFIX if done.is_backup else "")

    await deps.notifier.send_message(message.chat.id, T.INVITE_WELCOME.format(unit=escape(done.unit_name), role=role()))
    if message.bot is not None:  # from now on their menu is the staff one
        await publish_chat_menu(message.bot, message.chat.id, await deps.queries.actor(user.id),
                                await locale_of(deps, user.id))
    if done.created_by and done.created_by != user.id:
        with speaking(await locale_of(deps, done.created_by)):  # the inviter's language, not the newcomer's
            notice = T.INVITE_USED_NOTICE.format(
                name=escape(user.full_name), hint=escape(code[-4:]), unit=escape(done.unit_name), role=role())
        await deps.notifier.send_message(done.created_by, notice)


async def on_start(message: Message, command: CommandObject, deps: Deps, state: FSMContext,
                   org: OrgDeps | None = None) -> None:
    user = message.from_user
    await deps.service.mark_reachable(user.id)
    code = (command.args or "").strip()
    if code and org is not None and looks_like_invite(code):
        await redeem_invite(message, code, deps, org)
        return
    if code:
        try:
            grid = await deps.service.join(user.id, code, user.full_name)
        except NotFound:
            await ask_grid(message.chat.id, deps, T.BAD_GRID_CODE)
            return
        await joined(deps, message.chat.id, grid)
        await submit_pending(deps, state, user.id)
        return
    actor = await deps.queries.actor(user.id, user.full_name)
    if actor.is_staff:
        roles = join(dict.fromkeys(role_label(r.role) for r in actor.roles))
        await deps.notifier.send_message(message.chat.id, T.STAFF_WELCOME.format(name=escape(actor.name), roles=roles))
        if message.bot is not None:
            await publish_chat_menu(message.bot, message.chat.id, actor, await locale_of(deps, user.id))
        return
    current = await deps.queries.resident_grid(user.id)
    if current is not None:
        await deps.notifier.send_message(message.chat.id, T.HELP_RESIDENT)
        return
    await ask_grid(message.chat.id, deps)


async def on_grid(message: Message, deps: Deps) -> None:
    await ask_grid(message.chat.id, deps)


async def on_community(query: CallbackQuery, callback_data: CommunityCb, deps: Deps) -> None:
    markup = await grid_picker(deps, callback_data.community_id, callback_data.page)
    await query.answer()
    if markup is None:
        await deps.notifier.send_message(query.from_user.id, T.BUTTON_EXPIRED)
        return
    if callback_data.page and query.message:  # turning a page: the same message, next grids
        await query.message.edit_reply_markup(reply_markup=markup)
        return
    await deps.notifier.send_message(query.from_user.id, T.PICK_GRID, reply_markup=markup)


async def on_community_page(query: CallbackQuery, callback_data: CommunityPageCb, deps: Deps) -> None:
    markup = await community_picker(deps, callback_data.page)
    await query.answer()
    if markup is not None and query.message:
        await query.message.edit_reply_markup(reply_markup=markup)


async def on_grid_pick(query: CallbackQuery, callback_data: GridCb, deps: Deps, state: FSMContext) -> None:
    user = query.from_user
    try:
        code = await deps.queries.grid_code(callback_data.grid_id)
        if code is None:
            raise NotFound(callback_data.grid_id)
        grid = await deps.service.join(user.id, code, user.full_name)
    except NotFound:
        await query.answer(T.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    await joined(deps, user.id, grid)
    await submit_pending(deps, state, user.id)

