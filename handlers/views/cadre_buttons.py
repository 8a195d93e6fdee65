"""The cadre tools' buttons on a ticket card (改类, 吹哨, 合并): for handlers.views.render's
buttons_for, so this module imports nothing of render's."""
from __future__ import annotations

from collections.abc import Collection

from aiogram.types import InlineKeyboardButton

from handlers.shared.cadre_callbacks import ToolCb
from handlers.shared.i18n import T
from tickets.lifecycle import SETTLED_STATES, Action, State, TransitionError, target_of
from tickets.views import TicketView

# The actions a ticket card may offer a viewer (each button is checked again on press).
CARD_ACTIONS = (Action.ACCEPT, Action.RESOLVE, Action.RETURN, Action.REASSIGN, Action.ESCALATE,
                Action.RECATEGORIZE, Action.MERGE, Action.INVALIDATE, Action.RELAY)
_SETTLED = SETTLED_STATES


def possible(action: Action, state: State) -> bool:
    try:
        target_of(action, state)
        return True
    except TransitionError:
        return False


def tool_row(view: TicketView, actions: Collection[Action]) -> list[tuple[str, str]]:
    """(label, callback data) of the tools this viewer may use on the ticket now."""
    row = []
    if Action.RECATEGORIZE in actions and view.state not in _SETTLED:
        row.append((T.BTN_RECATEGORIZE, ToolCb(action="cat", ticket_id=view.id).pack()))
    if Action.ESCALATE in actions and possible(Action.ESCALATE, view.state):
        row.append((T.BTN_ESCALATE, ToolCb(action="esc", ticket_id=view.id).pack()))
    if Action.MERGE in actions and possible(Action.MERGE, view.state):
        row.append((T.BTN_MERGE_TICKET, ToolCb(action="merge", ticket_id=view.id).pack()))
    return row


def tool_buttons(view: TicketView, actions: Collection[Action]) -> list[list[InlineKeyboardButton]]:
    row = tool_row(view, actions)
    return [[InlineKeyboardButton(text=t, callback_data=d) for t, d in row]] if row else []
