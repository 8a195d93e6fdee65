"""Wires the organisation, onboarding and privacy services (staffing, privacy, the grid
map, the outbox) for the Dispatcher's `org` keyword argument."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.jobs.outbox import OutboxSender
from delivery.notifier import Notifier
from handlers.shared.orgdeps import OrgDeps
from organisation.gridmap import GridMap
from organisation.privacy import Privacy
from organisation.staffing import Staffing

if TYPE_CHECKING:
    from bot.core import Core


def build_org_deps(core: Core, notifier: Notifier) -> OrgDeps:
    settings = core.settings
    # SQLite has one writer: these services queue behind the workflow's lock.
    lock = core.service.write_lock
    clock = core.service.clock
    return OrgDeps(
        staffing=Staffing(core.session_factory, admins=settings.admins, lock=lock, clock=clock,
                          invite_ttl=timedelta(hours=settings.onboarding.invite_ttl_hours)),
        privacy=Privacy(core.session_factory, lock=lock, clock=clock),
        gridmap=GridMap(core.session_factory, max_distance_m=settings.onboarding.nearest_grid_m),
        outbox=OutboxSender(core.session_factory, notifier, core.tz, clock=clock, languages=core.languages,
                            lease=timedelta(seconds=settings.scheduler.outbox_lease_seconds), write_lock=lock,
                            categories=list(core.taxonomy.names)),
        bot_username=settings.telegram.username,
    )
