"""Forged callbacks, generated: for every CallbackData prefix the bot has, well-formed data
with other people's ids (another ticket, another grid, other staff) and malformed data
(missing or extra parts, wrong types, huge numbers, random characters), pressed by people
with no right to any of it: a resident, a stranger, staff of other grids, a department
contact, a deactivated grid member. Every press is answered, and the database is the same
afterwards, byte for byte. The random generator has a fixed seed, so a failure repeats."""
from __future__ import annotations

import inspect
import random
import re
import string

import pytest
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select, update

import handlers
from bot.settings import Settings
from delivery.scripted import Person
from storage.models import Base, Staff
from tests.conftest import (
    FAR_CADRE,
    FAR_MEMBER,
    MEMBER,
    NEIGHBOUR,
    OTHER_MEMBER,
    RESIDENT,
)
from tests.e2e.residents.test_core_loop import REPORT

STRANGER = Person(912345, "路人")
FL_RESIDENT = Person(900077, "枫林居民")
DEPARTMENT = Person(740001, "城管联络员", "部门")
PRESSERS = [STRANGER, FL_RESIDENT, OTHER_MEMBER, FAR_MEMBER, FAR_CADRE, DEPARTMENT, MEMBER]

# Buttons anyone may press for themselves (join a grid, pick a language, ask to volunteer):
# only malformed data is sent for these, since well-formed data is a legitimate choice.
SELF_SERVICE = {"jg", "jc", "lg", "sv"}
# Words the bot's buttons carry, so that forged data hits real handlers' branches.
WORDS = ["acc", "res", "ret", "rsg", "y", "n", "satisfied", "basically", "dissatisfied", "open", "remind",
         "esc", "cat", "merge", "dacc", "follow", "new", "today", "tomorrow", "week", "any", "ok", "no", "mg",
         "tk", "take", "done", "drop", "cancel", "party_member", "volunteer", "branch_secretary", "send", "close",
         "anon", "ask", "yes", "zh_CN", "en", "o", "t", "1", "0"]
PER_PREFIX = 24  # well-formed forgeries per prefix; malformed ones come on top


def prefixes() -> dict[str, type[CallbackData]]:
    """Every CallbackData class the bot's routers can see."""
    handlers.build_routers()  # imports every handler module, and so every callback class
    found: dict[str, type[CallbackData]] = {}
    stack = list(CallbackData.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        prefix = cls.__prefix__ if hasattr(cls, "__prefix__") else None
        if prefix and cls.__module__.startswith("handlers"):
            found[prefix] = cls
    return found


def garbage(rnd: random.Random, n: int | None = None) -> str:
    alphabet = string.ascii_letters + string.digits + ":_-#%/\\'\"<>&;|~ 网格工单💥"
    return "".join(rnd.choice(alphabet) for _ in range(n or rnd.randint(1, 20)))


def documented_words(cls: type[CallbackData]) -> dict[str, list[str]]:
    """The values a field's comment lists ("action: str  # acc | res | ret"): the words
    the bot's own buttons use, so forgeries reach the handlers' real branches."""
    found, above = {}, ""
    for line in inspect.getsource(cls).splitlines():
        m = re.match(r"\s*(\w+): str\s*(?:#\s*(.+))?$", line)
        comment = (m.group(2) or above) if m else ""
        if m and "|" in comment:
            found[m.group(1)] = [chunk.split()[0].rstrip(":") for chunk in comment.split("|") if chunk.split()]
        above = line.strip().lstrip("#").strip() if line.strip().startswith("#") else ""
    return found


def value_for(name: str, annotation, rnd: random.Random, ids: list[int], words: dict[str, list[str]]) -> str:
    if annotation is int:
        roll = rnd.random()
        if roll < 0.5:
            return str(rnd.choice([1, 2]))  # the tickets that exist
        if roll < 0.8:
            return str(rnd.choice(ids))
        return str(rnd.choice([0, -1, 999_999, 2**31, 2**63 - 1, 2**63, 10**30]))
    if name in words and rnd.random() < 0.8:
        return rnd.choice(words[name])
    return rnd.choice(WORDS + [garbage(rnd, 3), "", "x" * 40])


def well_formed(cls: type[CallbackData], rnd: random.Random, ids: list[int]) -> str:
    words = documented_words(cls)
    parts = [cls.__prefix__] + [value_for(n, f.annotation, rnd, ids, words) for n, f in cls.model_fields.items()]
    return ":".join(parts)[:64]


def malformed(cls: type[CallbackData], rnd: random.Random, ids: list[int]) -> list[str]:
    fields = list(cls.model_fields.values())
    good = [value_for(n, f.annotation, rnd, ids, {}) for n, f in cls.model_fields.items()]
    prefix = cls.__prefix__
    return [s[:64] for s in (
        prefix,                                             # no parts
        ":".join([prefix, *good[:-1]]),                     # one part short
        ":".join([prefix, *good, "extra"]),                 # one part too many
        ":".join([prefix] + ["abc"] * len(fields)),         # words for numbers
        ":".join([prefix] + ["1.5"] * len(fields)),
        ":".join([prefix] + [garbage(rnd) for _ in fields]),
        prefix + ":" + garbage(rnd, 60),
        garbage(rnd, 64),
    )]


@pytest.fixture
def settings(db_url) -> Settings:
    # The flood guard would drop presses of this quick a test: it is tested on its own.
    return Settings(database={"url": db_url}, limits={"flood_updates": 0})


async def snapshot(core) -> dict[str, list[tuple]]:
    async with core.session_factory() as s:
        return {t.name: [tuple(r) for r in (await s.execute(select(t).order_by(*t.primary_key.columns))).all()]
                for t in Base.metadata.sorted_tables
                if t.name != "processed_updates"}  # which updates were handled: bookkeeping, not a change


async def setup_tickets(chat, core) -> None:
    """Ticket 1 resolved and waiting for 回访, ticket 2 just dispatched, both in WT01; then
    WT01's member is deactivated (still the assignee on record)."""
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, REPORT)
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "已清理")
    await chat.say(NEIGHBOUR, "/start WT01")
    await chat.say(NEIGHBOUR, "5号楼门口路灯坏了")
    await chat.say(FL_RESIDENT, "/start FL01")
    async with core.session_factory() as s, s.begin():
        await s.execute(update(Staff).where(Staff.telegram_id == MEMBER.id).values(active=False))


async def test_forged_callbacks_are_refused_and_change_nothing(chat, core):
    await setup_tickets(chat, core)
    async with core.session_factory() as s:
        staff_ids = list((await s.execute(select(Staff.id))).scalars())
    ids = [3] + staff_ids + [7, 8, 9]  # staff and units: other people's
    rnd = random.Random(20261123)
    found = prefixes()
    assert {"tk", "as", "rt", "ct", "jg", "jc", "pv"} <= found.keys()
    before = await snapshot(core)
    presses = 0
    for prefix, cls in sorted(found.items()):
        datas = [] if prefix in SELF_SERVICE else [well_formed(cls, rnd, ids) for _ in range(PER_PREFIX)]
        datas += malformed(cls, rnd, ids)
        for data in datas:
            presser = PRESSERS[presses % len(PRESSERS)]
            presses += 1
            out = await chat.press_data(presser, data)
            answers = [r for r in out if r.method == "answerCallbackQuery"]
            assert answers, f"{presser.name} pressing {data!r} got no answer"
            leaked = [r for r in out if r.method != "answerCallbackQuery" and r.chat_id not in (presser.id, None)]
            assert not leaked, f"{presser.name} pressing {data!r} made the bot write to others: {leaked}"
            internal = [a for a in chat.alerts(out) if "参考号" in a]
            assert not internal, f"{presser.name} pressing {data!r} caused an internal error"
        after = await snapshot(core)
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, f"forged {prefix!r} buttons changed {changed}"
    assert presses > 300
