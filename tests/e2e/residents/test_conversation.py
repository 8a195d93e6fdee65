"""A conversation, not a form (issue 11): greetings, thanks and acknowledgements get an
answer and no ticket; an unsure message is asked about in one tap; staff free text is
never a report, and /report is how anyone reports as a resident."""
from __future__ import annotations

from tests.conftest import CADRE, MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import REPORT, count_tickets, load


async def joined(chat):
    await chat.say(RESIDENT, "/start WT01")


async def test_greetings_and_thanks_open_no_ticket(chat, core):
    await joined(chat)
    for text in ("你好，在吗？", "谢谢", "好的", "👍 谢谢师傅", "测试"):
        out = await chat.say(RESIDENT, text)
        (reply,) = chat.texts_to(RESIDENT, out)
        assert "工单号" not in reply and "网格员" in reply or "不客气" in reply or "好的" in reply, (text, reply)
        assert not [r for r in out if r.chat_id == MEMBER.id], text
    assert await count_tickets(core) == 0
    thanks = chat.texts_to(RESIDENT, await chat.say(RESIDENT, "谢谢您"))[0]
    assert "不客气" in thanks


async def test_a_real_complaint_still_opens_a_ticket(chat, core):
    await joined(chat)
    out = await chat.say(RESIDENT, REPORT)
    assert any("已受理" in t for t in chat.texts_to(RESIDENT, out))
    assert await count_tickets(core) == 1


async def test_an_unsure_message_is_asked_about_and_reported_with_one_tap(chat, core, monkeypatch):
    await joined(chat)
    real = core.service.understand

    def unsure(text):
        return real(text).__class__(**{**real(text).__dict__, "intent": "unsure"})

    monkeypatch.setattr(core.service, "understand", unsure)
    out = await chat.say(RESIDENT, "门口那个事情你们管不管")
    assert "要把这条作为问题上报吗" in chat.texts_to(RESIDENT, out)[0]
    assert await count_tickets(core) == 0
    out = await chat.press(RESIDENT, "上报")
    assert any("已受理" in t for t in chat.texts_to(RESIDENT, out))
    assert (await load(core)).text == "门口那个事情你们管不管"
    again = await chat.press_data(RESIDENT, "in:yes")  # a second tap: the text is spent
    assert chat.alerts(again) and await count_tickets(core) == 1


async def test_staff_free_text_gets_a_menu_not_a_ticket(chat, core):
    for person, text in ((MEMBER, "收到，马上去看看"), (CADRE, "好的")):
        out = await chat.say(person, text)
        (reply,) = chat.texts_to(person, out)
        assert "不会生成工单" in reply and "/report" in reply
        assert not any("jc:" in str(r.data.get("reply_markup") or "") for r in out), "no community picker"
    assert await count_tickets(core) == 0


async def test_staff_report_as_residents_with_slash_report(chat, core):
    out = await chat.say(MEMBER, "/report 小区东门路灯不亮了")
    texts = chat.texts_to(MEMBER, out)
    assert texts and "不会生成工单" not in texts[0]  # asked for a grid, or acknowledged
    usage = chat.texts_to(MEMBER, await chat.say(MEMBER, "/report"))[0]
    assert "用法" in usage
