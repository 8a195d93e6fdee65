"""What the service-loop handlers are given (Dispatcher keyword argument `services`),
beside the core `deps`."""
from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot

from figures.assessment import Assessment
from service_orders.emergency import Emergency
from service_orders.matters import Matters
from service_orders.orders import OrderService
from service_orders.points import PointsService
from service_orders.review import ReviewService
from service_orders.roster import Roster


@dataclass(frozen=True)
class ServiceDeps:
    orders: OrderService
    review: ReviewService
    roster: Roster
    points: PointsService
    assessment: Assessment
    emergency: Emergency
    matters: Matters
    points_share: float = 0.2  # shown in the 五色 header
    bot_username: str | None = None  # settings.telegram.username; else asked of Telegram

    async def username(self, bot: Bot) -> str:
        return self.bot_username or (await bot.me()).username or ""
