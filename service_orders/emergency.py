"""一键呼叫: a resident's emergency button opens an urgent ticket through the ticket
workflow (urgent tickets are counted on the clock) and says who must be alerted at once:
the ticket's handler, the grid's member and backup, and the community's cadres. Quiet
hours do not apply: nothing here is held.

The report rate limit is not applied either: an emergency is never refused for having
reported a lot. The ticket is keyed on the message that carried the call (the shared
location), so a repeated delivery of it opens nothing and alerts nobody twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from nlp.prediction import Prediction
from service_orders.base import Workflow
from storage.models import AlertCard
from tickets import routing
from tickets.reports import Report
from tickets.views import NoticeKind, TicketView

ASSIGNEE, MEMBER, BACKUP, CADRE = "assignee", "member", "backup", "cadre"


@dataclass(frozen=True)
class Alert:
    chat_id: int
    role: str  # assignee / member / backup / cadre: the assignee and grid staff get 签收


@dataclass
class EmergencyOutcome:
    ticket: TicketView
    alerts: list[Alert] = field(default_factory=list)
    duplicate: bool = False
    # The outbox rows intake queued with the ticket: the caller's acknowledgement and the
    # handler's card. The 已呼叫 receipt and the handler's alert are sent as them (recorded
    # as them), so after a crash the sweep sends what did not go, and nothing goes twice.
    ack_row: int | None = None
    card_row: int | None = None


class Emergency(Workflow):
    def __init__(self, *args: Any, tickets: Any, category: str = "民生服务", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tickets = tickets  # tickets.service.TicketService
        self.category = category

    async def call(self, telegram_id: int, chat_id: int, message_id: int, text: str, name: str = "",
                   latitude: float | None = None, longitude: float | None = None) -> EmergencyOutcome:
        """Raises tickets.errors.NotRegistered for a resident with no grid yet."""
        now = self.clock()
        prediction = Prediction(category=self.category, confidence=1.0, keywords=(), urgent=True,
                                urgent_words=(), request_kind="求助", suggestions=())
        report = Report(telegram_id=telegram_id, chat_id=chat_id, message_id=message_id, text=text, name=name,
                        latitude=latitude, longitude=longitude)
        # acknowledge: the caller's receipt is queued with the ticket too (EmergencyOutcome.ack_row).
        outcome = await self.tickets.intake.submit(report, prediction, now, acknowledge=True)
        view = outcome.ticket
        if outcome.duplicate:
            return EmergencyOutcome(view, duplicate=True)
        async with self.sf() as session:
            route = await routing.route(session, view.grid_id, view.category)
            cadres = await routing.supervisors(session, view.grid_id)
        alerts: dict[int, Alert] = {}
        if view.assignee_telegram_id:
            alerts[view.assignee_telegram_id] = Alert(view.assignee_telegram_id, ASSIGNEE)
        for staff, role in ((route.assignee, MEMBER), (route.backup, BACKUP)):
            if staff is not None:
                alerts.setdefault(staff.telegram_id, Alert(staff.telegram_id, role))
        for cadre in cadres:
            alerts.setdefault(cadre.telegram_id, Alert(cadre.telegram_id, CADRE))
        alerts.pop(telegram_id, None)  # a staff member calling for themselves
        rows = {n.kind: n.outbox_id for n in outcome.notices}
        return EmergencyOutcome(view, list(alerts.values()), ack_row=rows.get(NoticeKind.REPORTED),
                                card_row=rows.get(NoticeKind.NEW_TASK) if view.assignee_telegram_id in alerts else None)

    async def record_cards(self, ticket_id: int, sent: list[tuple[int, int]]) -> None:
        """The (chat, message) of each alert card sent for this ticket."""
        if not sent:
            return
        now = self.clock()
        async with self.sf() as session, session.begin():
            session.add_all(AlertCard(ticket_id=ticket_id, chat_id=c, message_id=m, created_at=now) for c, m in sent)

    async def settle_cards(self, ticket_id: int, taken_by: int) -> list[tuple[int, int]]:
        """The cards of this ticket not yet settled, except the taker's own, marked settled:
        the caller edits each to say who took it. Claimed in one statement per card, so two
        presses at once never edit a card twice."""
        now = self.clock()
        out: list[tuple[int, int]] = []
        async with self.sf() as session, session.begin():
            rows = (await session.execute(select(AlertCard).where(
                AlertCard.ticket_id == ticket_id, AlertCard.settled_at.is_(None)))).scalars().all()
            for card in rows:
                if card.chat_id == taken_by:
                    continue
                claimed = await session.execute(update(AlertCard).where(
                    AlertCard.id == card.id, AlertCard.settled_at.is_(None)).values(settled_at=now))
                if claimed.rowcount:
                    out.append((card.chat_id, card.message_id))
        return out
