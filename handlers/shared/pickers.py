"""The community → grid picker, shared by /start, /grid and a report from an unknown resident."""
from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from handlers.shared.callbacks import CommunityCb, CommunityPageCb, GridCb
from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from handlers.views.paging import paged_keyboard


async def community_picker(deps: Deps, page: int = 0) -> InlineKeyboardMarkup | None:
    communities = await deps.queries.communities()
    if not communities:
        return None
    items = [(name, CommunityCb(community_id=cid).pack()) for cid, name in communities]
    return paged_keyboard(items, page, lambda n: CommunityPageCb(page=n).pack())


async def grid_picker(deps: Deps, community_id: int, page: int = 0) -> InlineKeyboardMarkup | None:
    grids = await deps.queries.grids(community_id)
    if not grids:
        return None
    items = [(name, GridCb(grid_id=gid).pack()) for gid, name in grids]
    return paged_keyboard(items, page, lambda n: CommunityCb(community_id=community_id, page=n).pack())


async def ask_grid(chat_id: int, deps: Deps, prefix: str | None = None) -> None:
    prefix = prefix or T.PICK_COMMUNITY  # here, not as the default: defaults are fixed at import
    markup = await community_picker(deps)
    await deps.notifier.send_message(chat_id, prefix if markup else T.NO_ORGANISATION, reply_markup=markup)
