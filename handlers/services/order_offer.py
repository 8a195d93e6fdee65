"""求助: a message the classifier reads as a request for help gets one question first,
点单 (a service order) or 上报问题 (a complaint ticket). The text (with its photos and
location) is kept in the dialog data meanwhile, so either answer uses it as written.

Kept apart from handlers.services.orders so that handlers.residents.report can call it without a cycle."""
from __future__ import annotations

from dataclasses import asdict

from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from handlers.shared.deps import Deps
from handlers.shared.i18n import T
from handlers.shared.servicedeps import ServiceDeps
from handlers.views.service_cards import offer_buttons
from tickets.reports import Report

OFFER_KEY = "order_offer"


async def offer_order(message: Message, report: Report, deps: Deps, services: ServiceDeps,
                      state: FSMContext) -> bool:
    """True when the resident was asked to choose (the caller then stops)."""
    if not await services.orders.is_help_request(report.telegram_id, report.text):
        return False
    await state.update_data(**{OFFER_KEY: asdict(report)})
    await deps.notifier.send_message(message.chat.id, T.ORDER_OFFER, reply_markup=offer_buttons(report.message_id))
    return True
