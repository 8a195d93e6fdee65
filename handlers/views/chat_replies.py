"""What the bot answers a resident's small talk and questions about their ticket: pure
texts from the message and the ticket's view (handlers.residents.conversation decides when)."""
from __future__ import annotations

from html import escape

from handlers.shared.i18n import T, state_label
from tickets.lifecycle import OPEN_STATES, State
from tickets.views import TicketView

THANKS = ("谢", "感谢", "辛苦", "thank", "thx")
ACKS = ("好的", "收到", "嗯", "行", "可以", "ok", "明白", "知道了", "👌", "👍")


def chat_reply(text: str, cues: tuple[str, ...], context: TicketView | None = None) -> str:
    """The answer to small talk, by what it was: thanks, an acknowledgement, or a greeting
    or question about the bot (with a hint of what it does). A thank-you or an acknowledgement
    right after a change to one of their tickets (`context`) is answered about that ticket."""
    said = " ".join((text, *cues)).lower()
    thanks = any(word in said for word in THANKS)
    if not thanks and not any(word in said for word in ACKS):
        return T.CHAT_GREETING
    if context is not None:
        if context.state == State.CLOSED:
            return T.CHAT_AFTER_CLOSED.format(id=context.id)
        if context.state == State.RESOLVED:  # the 回访 question waits for them
            return T.CHAT_AFTER_RESOLVED.format(id=context.id)
        who = context.handler_name
        if context.state in OPEN_STATES and who:
            return (T.CHAT_THANKS_OPEN if thanks else T.CHAT_ACK_OPEN).format(id=context.id, who=escape(who))
    return T.CHAT_THANKS if thanks else T.CHAT_ACK


def progress_reply(tickets: list[TicketView]) -> str:
    """A question about how their report is going: their newest open ticket's state and
    handler, or that none is open."""
    view = next((v for v in tickets if v.state in OPEN_STATES), None)
    if view is None:
        return T.CHAT_NO_OPEN_TICKET
    who = view.handler_name
    return T.CHAT_PROGRESS.format(id=view.id, state=state_label(view.state), who=escape(who or T.CHAT_WHO_COMMUNITY))
