"""Long pickers in pages: Telegram refuses a keyboard of more than 100 buttons, and a
phone shows about a dozen rows at once. One button per row, PAGE_SIZE rows a page, with
上一页 / 下一页 underneath."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.shared.i18n import T

PAGE_SIZE = 12


def paged_keyboard(items: Sequence[tuple[str, str]], page: int,
                   page_data: Callable[[int], str]) -> InlineKeyboardMarkup:
    """`items`: (label, callback data) in order; `page_data(n)`: the data of page n's button.

    Shape: at most PAGE_SIZE + 1 rows; a page out of range shows the last page.
    """
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = items[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    rows = [[InlineKeyboardButton(text=label, callback_data=data)] for label, data in chunk]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(text=T.PAGE_PREV, callback_data=page_data(page - 1)))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(text=T.PAGE_NEXT.format(page=page + 2, pages=pages),
                                        callback_data=page_data(page + 1)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)
