"""The community → grid picker, shared by /start, /grid and a report from an unknown resident."""
from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.shared.callbacks import CommunityCb
from handlers.shared.deps import Deps
from handlers.shared.i18n import T


async def community_picker(deps: Deps) -> InlineKeyboardMarkup | None:
    communities = await deps.queries.communities()
    if not communities:
        return None
    rows = [[InlineKeyboardButton(text=name, callback_data=CommunityCb(community_id=cid).pack())]
            for cid, name in communities]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def ask_grid(chat_id: int, deps: Deps, prefix: str | None = None) -> None:
    prefix = prefix or T.PICK_COMMUNITY  # here, not as the default: defaults are fixed at import
    markup = await community_picker(deps)
    await deps.notifier.send_message(chat_id, prefix if markup else T.NO_ORGANISATION, reply_markup=markup)
