"""Dialog steps as staff meet them: a note takes text, photos or both, and every step has
a one-tap 取消 (issue 16, items 1 and 10)."""
from __future__ import annotations

from sqlalchemy import select

from delivery.scripted import buttons
from storage.models import Attachment
from tests.conftest import MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import load, reported


async def resolution_photos(core) -> list[str]:
    async with core.session_factory() as s:
        rows = (await s.execute(select(Attachment).where(Attachment.stage == "resolution")
                                .order_by(Attachment.id))).scalars().all()
        return [a.file_id for a in rows]


async def accepted_and_asked(chat):
    await reported(chat)
    await chat.press(MEMBER, "签收")
    return await chat.press(MEMBER, "办结")


async def test_a_photo_without_a_caption_is_kept_and_reaches_the_resident_with_the_note(chat, core):
    await accepted_and_asked(chat)
    out = await chat.photo(MEMBER, "done-1")
    (reply,) = chat.texts_to(MEMBER, out)
    assert "不能为空" not in reply and "照片已收到" in reply
    assert (await load(core)).state == "accepted"
    out = await chat.say(MEMBER, "杂物已清走，通道畅通")
    assert (await load(core)).state == "resolved"
    assert await resolution_photos(core) == ["done-1"]
    to_resident = [r for r in out if r.chat_id == RESIDENT.id]
    assert to_resident[0].method == "sendPhoto" and to_resident[0].data["photo"] == "done-1"
    assert "杂物已清走" in to_resident[0].text
    assert [t for t, _ in buttons(to_resident[-1])] == ["已解决", "未解决"]


async def test_a_photo_with_a_caption_closes_at_once(chat, core):
    await accepted_and_asked(chat)
    out = await chat.photo(MEMBER, "done-1", caption="已清理完毕")
    assert (await load(core)).state == "resolved"
    (notice,) = [r for r in out if r.chat_id == RESIDENT.id]
    assert notice.data["photo"] == "done-1" and "已清理完毕" in notice.text


async def test_an_album_is_collected_whole_and_closed_with_done(chat, core):
    await accepted_and_asked(chat)
    first = await chat.photo(MEMBER, "a-1", caption="清理前后对比", album="g1")
    rest = [await chat.photo(MEMBER, f"a-{i}", album="g1") for i in (2, 3)]
    assert len(chat.texts_to(MEMBER, first)) == 1 and all(not chat.texts_to(MEMBER, o) for o in rest)
    assert (await load(core)).state == "accepted"
    out = await chat.press(MEMBER, "完成")
    assert (await load(core)).state == "resolved"
    assert await resolution_photos(core) == ["a-1", "a-2", "a-3"]
    to_resident = [r for r in out if r.chat_id == RESIDENT.id]
    assert [r.data.get("photo") for r in to_resident if r.method == "sendPhoto"] == ["a-1", "a-2", "a-3"]
    assert "清理前后对比" in to_resident[-1].text


async def test_photos_alone_close_with_done_and_a_plain_note(chat, core):
    await accepted_and_asked(chat)
    await chat.photo(MEMBER, "p-1")
    await chat.photo(MEMBER, "p-2")
    out = await chat.press(MEMBER, "完成")
    assert (await load(core)).state == "resolved"
    assert "见现场照片" in [r for r in out if r.chat_id == RESIDENT.id][-1].text


async def test_the_note_prompt_has_a_cancel_button_that_leaves_the_ticket_as_it_was(chat, core):
    out = await accepted_and_asked(chat)
    prompt = [r for r in out if r.chat_id == MEMBER.id][-1]
    assert "取消" in [t for t, _ in buttons(prompt)][-1]
    await chat.photo(MEMBER, "x-1")
    out = await chat.press(MEMBER, "取消")
    assert "已取消" in chat.texts_to(MEMBER, out)[-1]
    assert (await load(core)).state == "accepted"
    # What is written next is a message again, not a note: no ticket is resolved by it.
    await chat.say(MEMBER, "/cancel")
    assert (await load(core)).state == "accepted" and await resolution_photos(core) == []


async def test_the_return_reason_and_the_order_dialog_have_cancel_too(chat, core):
    await reported(chat)
    out = await chat.press(MEMBER, "退回")
    assert "取消" in [t for t, _ in buttons(out[-1])][-1]
    await chat.press(MEMBER, "取消")
    assert (await load(core)).state == "dispatched"
    out = await chat.say(RESIDENT, "/order")
    assert "取消" in [t for t, _ in buttons(out[-1])][-1]
    out = await chat.say(RESIDENT, "/cancel")  # typed, in a step that otherwise wants text
    assert "已取消" in chat.texts_to(RESIDENT, out)[-1]


async def test_a_second_round_shows_its_own_result_not_the_rejected_photo(chat, core, clock):
    await accepted_and_asked(chat)
    await chat.photo(MEMBER, "round-1", caption="已清理完毕")
    clock.advance(hours=2)
    await chat.press(RESIDENT, "未解决")  # reopened (重办): the first round's photo was not the answer
    clock.advance(hours=1)
    await chat.press(MEMBER, "签收")
    await chat.press(MEMBER, "办结")
    out = await chat.say(MEMBER, "物业已彻底清走，拍照确认")
    assert (await load(core)).state == "resolved"
    to_resident = [r for r in out if r.chat_id == RESIDENT.id]
    assert not [r for r in to_resident if r.method == "sendPhoto"]
    assert "彻底清走" in to_resident[0].text
    assert await resolution_photos(core) == ["round-1"]  # kept in the history all the same


async def test_the_returned_card_of_the_member_who_returned_it_offers_no_reassign_they_cannot_do(chat, core):
    await reported(chat)
    card = chat.session.sent(chat_id=MEMBER.id)[-1].result["message_id"]
    await chat.press(MEMBER, "退回")
    out = await chat.say(MEMBER, "这栋楼归二网格")
    (edited,) = [r for r in out if r.chat_id == MEMBER.id and r.method == "editMessageText"
                 and r.data["message_id"] == card]
    assert "已退回" in edited.text and "🔀 转派" not in [t for t, _ in buttons(edited)]
    # Every button left on it works for them.
    for _, data in buttons(edited):
        out = await chat.press_data(MEMBER, data, card)
        assert not [a for a in chat.alerts(out) if "无权" in a], data
