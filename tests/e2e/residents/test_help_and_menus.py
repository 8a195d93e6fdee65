"""/help and the command menu show everything a person can do (issue 16, item 16)."""
from __future__ import annotations

from handlers.residents.language import bot_commands
from delivery.scripted import Person
from tests.conftest import CADRE, MEMBER, RESIDENT


def menu_sets(chat, person=None) -> list[list[str]]:
    calls = [r for r in chat.session.requests if r.method == "setMyCommands"]
    if person is not None:
        calls = [r for r in calls if (r.data.get("scope") or {}).get("chat_id") == person.id]
    return [[c["command"] for c in r.data["commands"]] for r in calls]


def test_the_residents_menu_has_orders_and_no_staff_commands():
    commands = [c.command for c in bot_commands()]
    assert {"order", "orders", "menu", "my", "help"} <= set(commands) and "tasks" not in commands


async def test_resident_help_mentions_ordering_the_emergency_button_and_orders(chat):
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.say(RESIDENT, "/help")
    (text,) = chat.texts_to(RESIDENT, out)
    assert "我要点单" in text and "紧急求助" in text and "/orders" in text and "/my" in text


async def test_staff_get_a_staff_menu_when_they_start_the_bot(chat):
    await chat.say(MEMBER, "/start")
    (member_menu,) = menu_sets(chat, MEMBER)
    assert member_menu[0] == "tasks" and "order" not in member_menu
    await chat.say(CADRE, "/start")
    (cadre_menu,) = menu_sets(chat, CADRE)
    assert {"tasks", "overdue", "stats"} <= set(cadre_menu)
    out = await chat.say(CADRE, "/help")
    assert "/volunteer_invite" in chat.texts_to(CADRE, out)[0]


async def test_switching_language_keeps_the_staff_menu(chat):
    await chat.say(MEMBER, "/lang en")
    assert menu_sets(chat, MEMBER)[-1][0] == "tasks"
    await chat.say(RESIDENT, "/lang en")
    assert "order" in menu_sets(chat, RESIDENT)[-1]


async def test_staff_help_shows_their_task_list_and_how_to_report_as_a_resident(chat):
    department = Person(740002, "市政联络员", "职能部门")
    for person in (MEMBER, CADRE, department):
        (text,) = chat.texts_to(person, await chat.say(person, "/help"))
        assert "/tasks" in text and "/report" in text, (person.name, text)
