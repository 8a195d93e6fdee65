"""Languages through the Dispatcher: replies follow the person, notices follow the recipient."""
from __future__ import annotations

from typing import Any

import pytest

from bot.app import create_dispatcher
from bot.core import build_core
from bot.settings import Settings
from delivery.notifier import Notifier
from delivery.offline import RecordingSession, make_offline_bot
from delivery.scripted import Conversation, Person, buttons
from organisation.languages import LanguagePrefs
from storage.models import UserSetting
from tests.conftest import MEMBER, RESIDENT, STAFF_IDS, local_day
from tests.support.reminder_kit import MEMBER as KIT_MEMBER
from tests.support.reminder_kit import Clock, local, make_kit

REPORT = "3号楼2单元楼道堆满杂物，堵住了消防通道，好几天了没人管"
ALICE = Person(900003, "Alice")  # a resident whose Telegram speaks English


class Polyglot(Conversation):
    """A conversation whose people may run Telegram in another language than Chinese."""

    def __init__(self, *args: Any, languages: dict[int, str] | None = None) -> None:
        super().__init__(*args)
        self.languages = languages or {}

    def _user(self, p: Person) -> dict[str, Any]:  # type: ignore[override]
        return {**Conversation._user(p), "language_code": self.languages.get(p.id, "zh-hans")}


@pytest.fixture
async def talk(core):
    made = []

    async def open_chat(c=None) -> Polyglot:
        session = RecordingSession(reachable=STAFF_IDS)
        bot = make_offline_bot(session)
        notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000)
        chat = Polyglot(create_dispatcher(c or core, notifier), bot, session, languages={ALICE.id: "en-GB"})
        made.append((notifier, bot))
        return chat

    yield open_chat
    for notifier, bot in made:
        await notifier.aclose()
        await bot.session.close()


async def stored(core, telegram_id: int) -> tuple[str, bool] | None:
    async with core.session_factory() as s:
        row = await s.get(UserSetting, telegram_id)
        return (row.language, row.chosen) if row else None


async def test_an_english_telegram_gets_english_replies_buttons_and_dates(talk, core):
    chat = await talk()
    (welcome,) = chat.texts_to(ALICE, await chat.say(ALICE, "/start WT01"))
    assert welcome.startswith("Hello! You are registered in") and "梧桐社区" in welcome  # names are data
    out = await chat.say(ALICE, REPORT)
    (ack,) = chat.texts_to(ALICE, out)
    thursday = local_day(core.service.clock(), 3)
    assert "Received: ticket" in ack and f"Deadline: Thu {thursday.day} {thursday:%b} 09:00" in ack
    # The grid member reads Chinese: the card and its buttons are in Chinese.
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert "新工单" in card.text and [t for t, _ in buttons(card)] == ["✅ 签收", "↩️ 退回", "🚫 无效", "💬 联系反映人"]
    # Only what differs from the default is written down.
    assert await stored(core, ALICE.id) == ("en", False)
    assert await stored(core, MEMBER.id) is None


async def test_lang_switches_confirms_in_the_new_language_and_persists(talk, core, settings, clock,
                                                                         classifier_override):
    chat = await talk()
    out = await chat.say(RESIDENT, "/lang")
    (pick,) = [r for r in out if r.chat_id == RESIDENT.id]
    assert [t for t, _ in buttons(pick)] == ["中文", "English"]
    out = await chat.press(RESIDENT, "English")
    assert chat.texts_to(RESIDENT, out) == ["OK, I will reply in English from now on."]
    (menu,) = [r for r in out if r.method == "setMyCommands"]
    assert menu.data["scope"]["chat_id"] == RESIDENT.id
    assert {c["command"]: c["description"] for c in menu.data["commands"]}["my"] == "My tickets"
    (help_text,) = chat.texts_to(RESIDENT, await chat.say(RESIDENT, "/help"))
    assert "How to use" in help_text and "/lang" in help_text
    assert await stored(core, RESIDENT.id) == ("en", True)

    # A new process (new core, empty cache, new Dispatcher) on the same database: still English,
    # though this person's Telegram runs in Chinese.
    other = build_core(settings, classifier=classifier_override, clock=clock)
    try:
        chat = await talk(other)
        (help_text,) = chat.texts_to(RESIDENT, await chat.say(RESIDENT, "/help"))
        assert "How to use" in help_text
        out = await chat.say(RESIDENT, "/lang zh")
        assert chat.texts_to(RESIDENT, out) == ["好的，以后我用中文回复您。"]
        assert "怎么用" in chat.texts_to(RESIDENT, await chat.say(RESIDENT, "/help"))[0]
    finally:
        await other.close()
    assert await stored(core, RESIDENT.id) == ("zh_CN", True)


async def test_a_choice_is_not_overridden_by_the_telegram_language(talk, core):
    chat = await talk()
    await chat.say(ALICE, "/lang 中文")
    (help_text,) = chat.texts_to(ALICE, await chat.say(ALICE, "/help"))
    assert "怎么用" in help_text
    assert await stored(core, ALICE.id) == ("zh_CN", True)
    out = await chat.say(ALICE, "/lang klingon")
    assert "/lang en" in chat.texts_to(ALICE, out)[0]
    out = await chat.press_data(ALICE, "lg:xx")  # a forged locale
    assert chat.alerts(out) == ["这个按钮已失效。"]


async def test_a_chinese_report_reaches_an_english_grid_member_in_english_and_back(talk):
    chat = await talk()
    await chat.say(MEMBER, "/lang en")
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.say(RESIDENT, REPORT)
    (ack,) = chat.texts_to(RESIDENT, out)
    assert "已受理" in ack
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert "New ticket" in card.text and "Category: Fire safety (because of:" in card.text
    assert REPORT in card.text  # what the resident wrote stays as written
    assert [t for t, _ in buttons(card)] == ["✅ Accept", "↩️ Return", "🚫 Invalid", "💬 Contact the reporter"]
    out = await chat.press(MEMBER, "Accept")
    assert chat.alerts(out)[0].startswith("You accepted ticket")
    (notice,) = chat.texts_to(RESIDENT, out)
    assert "已由网格员 孙网格 签收" in notice
    await chat.press(MEMBER, "Resolve")
    out = await chat.say(MEMBER, "已联系物业清理")
    (resolved,) = [r for r in out if r.chat_id == RESIDENT.id]
    assert [t for t, _ in buttons(resolved)] == ["已解决", "未解决"]
    await chat.press(RESIDENT, "已解决")
    out = await chat.press(RESIDENT, "满意")
    (closed,) = chat.texts_to(MEMBER, out)
    assert "The resident's rating: satisfied." in closed


async def test_an_english_resident_is_told_in_english_by_a_chinese_grid_member(talk):
    chat = await talk()
    await chat.say(ALICE, "/start WT01")
    out = await chat.say(ALICE, REPORT)
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert "新工单" in card.text
    out = await chat.press(MEMBER, "签收")
    (notice,) = chat.texts_to(ALICE, out)
    assert notice.startswith("The problem you reported") and "孙网格" in notice
    out = await chat.say(ALICE, "/ticket 1")
    (detail,) = chat.texts_to(ALICE, out)
    assert "<b>History</b>" in detail and "resident · reported" in detail and "孙网格 · accepted" in detail


async def test_reminders_go_out_in_the_recipients_language(tmp_path):
    kit = await make_kit(tmp_path, Clock(local(2026, 11, 23, 9, 0)))
    try:
        await LanguagePrefs(kit.session_factory).choose(KIT_MEMBER, "en")
        tid = await kit.report()
        await kit.sweep(local(2026, 11, 23, 9, 0))
        await kit.sweep(local(2026, 11, 23, 11, 0))  # the 签收 deadline: the member and the cadre
        (late,) = kit.reminders_to(KIT_MEMBER, tid)
        assert late.text.startswith(f"⚠️ Ticket #{tid} has reached its deadline to accept (Mon 23 Nov 11:00)")
        assert RecordingSession.buttons(late)[0][0] == "✅ Accept"
        [cadre] = [t for t in kit.texts(710001) if f"#{tid}" in t]
        assert "督办" in cadre and "已到签收时限" in cadre
    finally:
        await kit.close()


async def test_the_apology_for_an_error_and_the_flood_warning_are_in_the_persons_language(
        talk, db_url, clock, classifier_override, monkeypatch):
    flood = Settings(database={"url": db_url}, limits={"flood_updates": 3})
    strict = build_core(flood, classifier=classifier_override, clock=clock)
    try:
        chat = await talk(strict)
        await chat.say(ALICE, "/start WT01")

        async def boom(*args, **kwargs):
            raise RuntimeError("database on fire")

        monkeypatch.setattr(chat.dp["deps"].service, "report", boom)
        (apology,) = chat.texts_to(ALICE, await chat.say(ALICE, REPORT))
        assert apology.startswith("Sorry, something went wrong")  # the error handler's own context
        await chat.say(ALICE, "/help")
        (warning,) = chat.texts_to(ALICE, await chat.say(ALICE, "/help"))
        assert warning.startswith("You are sending too fast")  # dropped before any handler
    finally:
        await strict.close()
