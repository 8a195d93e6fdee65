"""aiogram routers, grouped by audience: residents/, staff/, cadres/, services/ (五单),
admin/; with shared/ (i18n, callback data, deps, delivery), views/ (rendering), texts/
(every sentence) and guards/ (middlewares, the error handler).

Thin: parse the update, call the workflow (tickets, organisation, ...), render.
May import: the domain packages, delivery, documents, storage, nlp. Never bot."""
from __future__ import annotations

from aiogram import Router

from handlers.admin import staff as admin
from handlers.cadres import console, oversight, publishing
from handlers.guards import errors
from handlers.residents import (
    duplicates,
    emergency,
    followup,
    language,
    lookup,
    privacy,
    rating,
    report,
    start,
    withdrawal,
)
from handlers.services import matters, order_review, orders, volunteers
from handlers.services import points as service_points
from handlers.shared import dialogs
from handlers.staff import closing, contact, corrections, escalation, tasks


def build_routers() -> list[Router]:
    """Fresh routers every call (a Router attaches to one Dispatcher only). Order matters:
    commands before the staff dialog, the dialog before free text (a report)."""
    return [
        errors.build_router(),
        volunteers.build_start_router(),  # /start svc_… before start reads it as a grid code
        start.build_router(),
        dialogs.build_router(),  # 取消 and /cancel, in any dialog step
        emergency.build_router(),  # 紧急求助 works whatever dialog one is in
        lookup.build_router(),
        # Cadre tools: commands before the staff dialog, like lookup's.
        oversight.build_router(),
        console.build_router(),  # /web: the command centre's login link
        escalation.build_router(),
        corrections.build_router(),
        duplicates.build_router(),
        publishing.build_router(),
        language.build_router(),
        admin.build_router(),
        privacy.build_router(),
        # 五单 service loop (issue 7): commands before the staff dialog.
        orders.build_router(),
        order_review.build_router(),
        volunteers.build_router(),
        service_points.build_router(),
        matters.build_router(),
        tasks.build_router(),
        closing.build_router(),  # 无效
        contact.build_router(),  # 联系反映人: the handler's side
        followup.build_router(),  # 补充 and the reporter's 回复
        rating.build_router(),
        withdrawal.build_router(),  # 撤销
        report.build_router(),
    ]
