"""A conversation, not a form (issue 11): greetings, thanks and acknowledgements get an
answer and no ticket; an unsure message is asked about in one tap; staff free text is
never a report, and /report is how anyone reports as a resident."""
from __future__ import annotations

from delivery.scripted import buttons
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
    again = await chat.press(RESIDENT, "上报")  # a second tap: the text is spent
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


def forced_unsure(core, monkeypatch) -> None:
    """The classifier reads every text as unsure (the one-tap question is what is tested)."""
    real = core.service.understand

    def unsure(text):
        return real(text).__class__(**{**real(text).__dict__, "intent": "unsure"})

    monkeypatch.setattr(core.service, "understand", unsure)


def sent_id(chat, out, person) -> int:
    (prompt,) = [r for r in out if r.chat_id == person.id and r.method == "sendMessage"]
    return prompt.result["message_id"]


async def test_each_unsure_question_reports_its_own_text(chat, core, monkeypatch):
    await joined(chat)
    forced_unsure(core, monkeypatch)
    first = await chat.say(RESIDENT, "门口那个事情你们管不管")
    second = await chat.say(RESIDENT, "楼下那个人天天这样")
    first_yes = next(d for _, d in buttons(first[-1]) if d.startswith("in:yes"))
    out = await chat.press_data(RESIDENT, first_yes, sent_id(chat, first, RESIDENT))
    assert any("已受理" in t for t in chat.texts_to(RESIDENT, out))
    assert (await load(core, 1)).text == "门口那个事情你们管不管"
    out = await chat.press(RESIDENT, "上报")  # the second question, still open: its own words
    assert any("#2" in t for t in chat.texts_to(RESIDENT, out)) and not chat.alerts(out)
    assert (await load(core, 2)).text == "楼下那个人天天这样"
    again = await chat.press_data(RESIDENT, first_yes, sent_id(chat, first, RESIDENT))
    assert chat.alerts(again) and await count_tickets(core) == 2


async def test_no_thanks_keeps_the_text_and_a_report_button_that_works(chat, core, monkeypatch):
    await joined(chat)
    forced_unsure(core, monkeypatch)
    asked = await chat.say(RESIDENT, "门口那个事情你们管不管")
    out = await chat.press(RESIDENT, "不用了")
    (redrawn,) = [r for r in out if r.method == "editMessageReplyMarkup"]
    assert redrawn.data["message_id"] == sent_id(chat, asked, RESIDENT)
    assert [t for t, _ in buttons(redrawn)] == ["📮 上报"]  # what the answer tells them to press
    assert "上报" in chat.texts_to(RESIDENT, out)[0] and await count_tickets(core) == 0
    out = await chat.press(RESIDENT, "上报")
    assert any("已受理" in t for t in chat.texts_to(RESIDENT, out))
    assert (await load(core)).text == "门口那个事情你们管不管"


async def test_an_unsure_question_answered_after_its_text_expired_says_to_send_it_again(chat, core, monkeypatch):
    await joined(chat)
    forced_unsure(core, monkeypatch)
    asked = await chat.say(RESIDENT, "门口那个事情你们管不管")
    core.service.clock.advance(hours=core.settings.dialog_ttl_hours + 1)
    out = await chat.press(RESIDENT, "上报")
    (alert,) = chat.alerts(out)
    assert "重新发送" in alert
    (redrawn,) = [r for r in out if r.method == "editMessageReplyMarkup"]
    assert redrawn.data["message_id"] == sent_id(chat, asked, RESIDENT) and not buttons(redrawn)
    assert await count_tickets(core) == 0


async def test_staff_symbols_photos_and_locations_get_the_menu_not_a_residents_prompt(chat, core):
    for out in (await chat.say(MEMBER, "?"), await chat.location(MEMBER, 31.23, 121.47),
                await chat.say(CADRE, "👍")):
        (reply,) = [r.text for r in out if r.method == "sendMessage"]
        assert "不会生成工单" in reply and "位置会附在工单上" not in reply and "遇到了什么问题" not in reply
    await chat.say(MEMBER, "/report 小区东门路灯不亮了")  # reporting as a resident: asked for a grid
    assert await count_tickets(core) == 0


async def test_a_volunteer_is_not_called_staff_and_gets_the_volunteer_menu(chat, core):
    from tests.e2e.services.service_kit import VOLUNTEER, register

    await register(chat, VOLUNTEER)
    (reply,) = chat.texts_to(VOLUNTEER, await chat.say(VOLUNTEER, "今天临时要加班，去不了"))
    assert "工作人员" not in reply and "志愿者" in reply and "/orders" in reply and "/report" in reply
    assert await count_tickets(core) == 0


async def test_short_follow_ups_right_after_an_event_are_answered_in_context(chat, core):
    await joined(chat)
    await chat.say(RESIDENT, REPORT)
    await chat.press(MEMBER, "签收")
    (ok,) = chat.texts_to(RESIDENT, await chat.say(RESIDENT, "好的"))
    assert "#1" in ok and "孙网格" in ok and "处理" in ok
    await chat.press(MEMBER, "办结")
    await chat.say(MEMBER, "已清理，通道已畅通")
    (waiting,) = chat.texts_to(RESIDENT, await chat.say(RESIDENT, "谢谢师傅"))
    assert "#1" in waiting and "已解决" in waiting  # the 回访 question still waits for them
    await chat.press(RESIDENT, "已解决")
    await chat.press(RESIDENT, "满意")
    (closed,) = chat.texts_to(RESIDENT, await chat.say(RESIDENT, "谢谢"))
    assert "不客气" in closed and "#1" in closed
    core.service.clock.advance(hours=6)  # out of context: the plain answer
    (later,) = chat.texts_to(RESIDENT, await chat.say(RESIDENT, "谢谢"))
    assert "不客气" in later and "#1" not in later
    assert await count_tickets(core) == 1


async def test_a_question_about_progress_is_answered_with_their_open_ticket(chat, core):
    await joined(chat)
    (none,) = chat.texts_to(RESIDENT, await chat.say(RESIDENT, "我的问题处理得怎么样了"))
    assert "没有" in none and "/my" in none
    await chat.say(RESIDENT, REPORT)
    await chat.press(MEMBER, "签收")
    core.service.clock.advance(hours=5)
    (status,) = chat.texts_to(RESIDENT, await chat.say(RESIDENT, "那个工单怎么样了"))
    assert "#1" in status and "处理中" in status and "孙网格" in status and "/ticket 1" in status
    assert await count_tickets(core) == 1


async def test_asking_why_a_ticket_is_invalid_opens_no_ticket(chat, core):
    await joined(chat)
    await chat.say(RESIDENT, "测试测试，3号楼门口路灯坏了不亮")
    await chat.press(MEMBER, "无效")
    await chat.press(MEMBER, "测试")
    out = await chat.say(RESIDENT, "为什么无效？")
    (reply,) = chat.texts_to(RESIDENT, out)
    assert "#1" in reply and "无效" in reply and "再描述" in reply
    assert not [r for r in out if r.chat_id == MEMBER.id]
    assert await count_tickets(core) == 1
    core.service.clock.advance(hours=6)  # long after: a message like any other
    out = await chat.say(RESIDENT, "楼道灯无效了，一直不亮")
    assert any("已受理" in t for t in chat.texts_to(RESIDENT, out))
    assert await count_tickets(core) == 2


async def test_chasing_an_open_ticket_is_answered_with_it_not_a_new_ticket(chat, core):
    await joined(chat)
    await chat.say(RESIDENT, REPORT)
    await chat.press(MEMBER, "签收")
    core.service.clock.advance(hours=30)  # long after any event: the words alone tell
    for text in ("怎么还没人来", "还要等多久", "什么时候来修", "我投诉的那个怎么样了"):
        out = await chat.say(RESIDENT, text)
        (reply,) = chat.texts_to(RESIDENT, out)
        assert "#1" in reply and "处理中" in reply and "孙网格" in reply and "新问题" in reply, (text, reply)
        assert not [r for r in out if r.chat_id == MEMBER.id], text
    assert await count_tickets(core) == 1
    # A new problem is still a report, and so is chasing with nothing open.
    out = await chat.say(RESIDENT, "小区东门的路灯坏了好几天了，一直没人来修")
    assert any("已受理" in t for t in chat.texts_to(RESIDENT, out))
    assert await count_tickets(core) == 2


async def test_chasing_with_no_open_ticket_goes_the_usual_way(chat, core):
    await joined(chat)
    out = await chat.say(RESIDENT, "怎么还没人来")
    (reply,) = chat.texts_to(RESIDENT, out)
    assert "目前" not in reply and "新问题" not in reply  # no ticket's progress: they have none
