"""A card that went out as a photo is edited as one: its words are a caption, not a text.

Most reports with a photo reach the grid member as a photo card. A press on it (签收), or a
card redrawn later (撤销, 重办原因), must edit the caption: Telegram refuses editMessageText
on a photo ("there is no text in the message to edit") and editMessageCaption on a text
message. Otherwise the card keeps 签收 after the ticket moved, and the member is shown an
apology for a press that worked."""
from __future__ import annotations

from delivery.scripted import buttons
from tests.conftest import MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import load

APOLOGY = "系统出了点问题"


def labels(request) -> list[str]:
    return [t for t, _ in buttons(request)]


async def photo_report(chat) -> None:
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.photo(RESIDENT, "photo-123", caption="5栋门口井盖丢了，晚上很危险")
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert card.method == "sendPhoto"


async def test_accepting_a_photo_card_edits_its_caption_and_tells_the_resident(chat, core):
    await photo_report(chat)
    out = await chat.press(MEMBER, "签收")
    edits = [r for r in out if r.method.startswith("editMessage") and r.chat_id == MEMBER.id]
    edit = edits[-1]  # a refused editMessageText may come first: the edit is made again as a caption
    assert edit.error is None and edit.method == "editMessageCaption" and "处理中" in edit.data["caption"]
    assert "🏁 办结" in labels(edit) and "✅ 签收" not in labels(edit)
    assert any("签收" in t for t in chat.texts_to(RESIDENT, out))
    assert not any(APOLOGY in (r.text or "") for r in out)
    assert (await load(core)).state == "accepted"


async def test_a_text_card_redrawn_after_the_ticket_gained_a_photo_is_edited_as_text(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, "5栋门口井盖丢了，晚上很危险")
    await chat.photo(RESIDENT, "photo-456")  # within minutes: asked 补充到 #1 or 这是新问题
    await chat.press(RESIDENT, "补充到 #1")
    out = await chat.press(RESIDENT, "↩️ 撤销")
    out += await chat.press(RESIDENT, "确认撤销")
    edits = [r for r in out if r.method.startswith("editMessage") and r.chat_id == MEMBER.id and r.error is None]
    # The card went out as a text: it is edited as one, whatever the ticket shows now.
    assert [e.method for e in edits] == ["editMessageText"] and "撤销" in edits[0].text
    assert "✅ 签收" not in labels(edits[0])
    assert not any(APOLOGY in (r.text or "") for r in out)
    assert (await load(core)).state == "cancelled"
