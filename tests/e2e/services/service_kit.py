"""Shared steps for the 五单 tests: people, registration through the real commands, an
order through the resident's dialog, and reading the database."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from delivery.scripted import Person, buttons
from storage.models import PointEntry, ServiceOrder, ServiceOrderEvent
from tests.conftest import CADRE, FAR_CADRE, RESIDENT

PARTY = Person(950001, "党员老王", "党员")          # registered to 梧桐社区
VOLUNTEER = Person(950002, "志愿者小李", "志愿者")   # registered to 梧桐社区
FAR_VOLUNTEER = Person(950003, "枫林志愿者", "志愿者")  # registered to 枫林社区
SECRETARY = Person(950009, "支部书记老赵", "支部书记")  # when registered: 梧桐社区's branch secretary
NEED = "我家老人行动不便，麻烦帮忙买点降压药"
CODE = re.compile(r"svc_[A-Za-z0-9_-]{16,40}")


async def invite_code(chat, cadre: Person = CADRE, kind: str = "党员") -> str:
    out = await chat.say(cadre, f"/volunteer_invite {kind}")
    (text,) = chat.texts_to(cadre, out)
    return CODE.search(text).group(0)


async def register(chat, person: Person, cadre: Person = CADRE, kind: str = "志愿者") -> None:
    code = await invite_code(chat, cadre, kind)
    out = await chat.say(person, f"/start {code}")
    assert any("报到到" in t for t in chat.texts_to(person, out)), chat.texts_to(person, out)


async def community(chat) -> None:
    """The resident joined WT01; two members of 梧桐社区, one of 枫林社区."""
    await chat.say(RESIDENT, "/start WT01")
    await register(chat, PARTY, kind="党员")
    await register(chat, VOLUNTEER)
    await register(chat, FAR_VOLUNTEER, FAR_CADRE)


async def order(chat, text: str = NEED, when: str = "明天", person: Person = RESIDENT):
    await chat.say(person, "/order")
    await chat.say(person, text)
    return await chat.press(person, when)


def labels(request) -> list[str]:
    return [t for t, _ in buttons(request)]


def to(out, person: Person):
    return [r for r in out if r.chat_id == person.id and r.method == "sendMessage"]


async def load(core, order_id: int = 1) -> ServiceOrder:
    async with core.session_factory() as s:
        return await s.get(ServiceOrder, order_id)


async def order_events(core, order_id: int = 1) -> list[str]:
    async with core.session_factory() as s:
        q = select(ServiceOrderEvent.action).where(ServiceOrderEvent.order_id == order_id).order_by(ServiceOrderEvent.id)
        return list((await s.execute(q)).scalars())


async def events(core, action: str) -> list[ServiceOrderEvent]:
    """Every event of this action on any order, oldest first."""
    async with core.session_factory() as s:
        q = select(ServiceOrderEvent).where(ServiceOrderEvent.action == action).order_by(ServiceOrderEvent.id)
        return list((await s.execute(q)).scalars())


async def points_of(core, telegram_id: int) -> int:
    async with core.session_factory() as s:
        q = select(func.coalesce(func.sum(PointEntry.points), 0)).where(PointEntry.telegram_id == telegram_id)
        return (await s.execute(q)).scalar_one()


async def ledger_rows(core) -> int:
    async with core.session_factory() as s:
        return (await s.execute(select(func.count(PointEntry.id)))).scalar_one()
