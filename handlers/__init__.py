"""aiogram routers, one per feature. Thin: parse the update, call the workflow, render."""
from __future__ import annotations

from aiogram import Router

from handlers import errors, lookup, rating, report, start, tasks


def build_routers() -> list[Router]:
    """Fresh routers every call (a Router attaches to one Dispatcher only). Order matters:
    commands before the staff dialog, the dialog before free text (a report)."""
    return [
        errors.build_router(),
        start.build_router(),
        lookup.build_router(),
        tasks.build_router(),
        rating.build_router(),
        report.build_router(),
    ]
