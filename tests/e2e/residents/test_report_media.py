"""Reports with photos and locations, and the one-tap category pick when unsure."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from delivery.scripted import buttons
from tests.conftest import MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import load


async def test_a_photo_with_a_caption_reaches_the_grid_member_with_its_buttons(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.photo(RESIDENT, "photo-123", caption="5栋门口井盖丢了，晚上很危险")
    (card,) = [r for r in out if r.chat_id == MEMBER.id]
    assert card.method == "sendPhoto" and card.data["photo"] == "photo-123"
    assert "井盖" in card.text and [t for t, _ in buttons(card)] == ["✅ 签收", "↩️ 退回", "🚫 无效", "💬 联系反映人"]
    assert "已受理" in chat.texts_to(RESIDENT, out)[0]


async def test_a_location_sent_first_is_attached_to_the_next_report(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.location(RESIDENT, 31.2304, 121.4737)
    assert "位置" in chat.texts_to(RESIDENT, out)[0]
    out = await chat.say(RESIDENT, "这里的路灯坏了一个星期了")
    ticket = await load(core)
    assert (ticket.latitude, ticket.longitude) == (31.2304, 121.4737)
    (where,) = [r for r in out if r.chat_id == MEMBER.id and r.method == "sendLocation"]
    assert where.data["latitude"] == 31.2304


@dataclass
class Unsure:
    category: str = "其他"
    confidence: float = 0.3
    keywords: tuple = ()
    urgent: bool = False
    urgent_words: tuple = ()
    request_kind: str = "投诉"
    suggestions: tuple = (("物业服务", 0.3), ("市政设施", 0.25), ("其他", 0.2))


class UnsureClassifier:
    def classify(self, text):
        return Unsure()


@pytest.fixture
def classifier_override():
    return UnsureClassifier()


async def test_an_unsure_category_is_picked_with_one_tap_and_the_ticket_opens_anyway(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.say(RESIDENT, "那个东西又坏了，谁来管管")
    (ack,) = [r for r in out if r.chat_id == RESIDENT.id]
    labels = [t for t, _ in buttons(ack)]
    # The twelve categories, then 撤销 (a report sent by mistake is withdrawn from here).
    assert labels[:3] == ["物业服务", "市政设施", "其他"] and len(labels) == 13 and labels[-1] == "↩️ 撤销"
    assert (await load(core)).state == "dispatched"
    out = await chat.press(RESIDENT, "市政设施")
    assert (await load(core)).category == "市政设施"
    assert any("市政设施" in t for t in chat.texts_to(MEMBER, out))
    # The choice is the reporter's alone, and only while nobody has started on it.
    await chat.press(MEMBER, "签收")
    out = await chat.press(RESIDENT, "物业服务")
    assert chat.alerts(out) and (await load(core)).category == "市政设施"
