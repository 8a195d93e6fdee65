"""The two-step dialogs of the service loop (a 完成 note, a decline reason): ask for one
line of text about an order, then take it back out of the dialog state."""
from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import Message

from handlers.shared.deps import Deps
from handlers.shared.dialogs import cancel_markup, leave
from handlers.shared.i18n import T


async def ask_text(deps: Deps, state: FSMContext, chat_id: int, target: State, order_id: int, prompt: str) -> None:
    await state.set_state(target)
    await state.update_data(order_id=order_id)
    await deps.notifier.send_message(chat_id, prompt.format(id=order_id), reply_markup=cancel_markup())


async def take_text(message: Message, deps: Deps, state: FSMContext, limit: int) -> tuple[int, str] | None:
    """(order id, text), leaving the dialog; None (dialog kept) when the text is empty or a command."""
    text = (message.text or "").strip()
    if not text or text.startswith("/"):
        await deps.notifier.send_message(message.chat.id, T.ORDER_BAD_INPUT, reply_markup=cancel_markup())
        return None
    order_id = (await state.get_data()).get("order_id")
    await leave(state)
    return int(order_id or 0), text[:limit]
