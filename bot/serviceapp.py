"""Wires the 五单 service loop (service_orders) for the Dispatcher's `services` keyword
argument and for the scheduler's jobs."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from figures.assessment import Assessment, Band, ScoreRules
from handlers.shared.servicedeps import ServiceDeps
from service_orders.desk import PointRules
from service_orders.emergency import Emergency
from service_orders.matters import Matters
from service_orders.orders import OrderService
from service_orders.points import PointsService
from service_orders.review import ReviewService
from service_orders.roster import Roster

if TYPE_CHECKING:
    from bot.core import Core


def score_rules(core: Core) -> ScoreRules:
    """五色: the cadre tools' weights and bands ([cadre]) with the points share ([points])."""
    cadre, points = core.settings.cadre, core.settings.points
    return ScoreRules(
        weights=dict(cadre.score_weights),
        bands=tuple(Band(b.name, b.label, b.min, b.color) for b in cadre.bands),
        overdue_penalty=cadre.overdue_penalty, overdue_penalty_cap=cadre.overdue_penalty_cap,
        points_share=points.wuse_points_share, points_target=points.wuse_points_target,
        min_samples=cadre.min_samples,
    )


def build_service_deps(core: Core) -> ServiceDeps:
    settings = core.settings
    svc = settings.services
    # Broadcasts to residents and members (orders' notices, 联手说事) keep quiet hours.
    hold = core.quiet_release
    # SQLite has one writer: every workflow queues behind the ticket workflow's lock.
    common = dict(write_lock=core.service.write_lock, clock=core.service.clock, admins=settings.admins)
    p = settings.points
    desk = dict(tz=core.tz, quiet=hold, units=core.service.units,
                points=PointRules(p.order_done, p.satisfied_bonus, p.abandoned),
                categories=svc.categories, auto_approve=svc.auto_approve)
    category = svc.emergency_category if svc.emergency_category in core.taxonomy.names else "其他"
    sf = core.session_factory
    return ServiceDeps(
        orders=OrderService(sf, classifier=core.classifier, per_hour=settings.limits.reports_per_hour, **desk, **common),
        review=ReviewService(sf, tickets=core.service, **desk, **common),
        roster=Roster(sf, invite_ttl=timedelta(days=svc.invite_ttl_days), invite_uses=svc.invite_uses, **common),
        points=PointsService(sf, on_time_points=p.ticket_on_time, **common),
        assessment=Assessment(sf, rules=score_rules(core), **common),
        emergency=Emergency(sf, tickets=core.service, category=category, **common),
        matters=Matters(sf, default_hours=svc.matter_hours, quiet=hold, **common),
        points_share=p.wuse_points_share,
        bot_username=settings.telegram.username,
    )
