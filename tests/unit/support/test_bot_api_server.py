"""The fake Bot API server, driven by a real aiogram Bot over loopback HTTP."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from delivery.notifier import Notifier
from tests.support.bot_api_server import FakeBotApi

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="签收", callback_data="t:7:accept")]]
)


@pytest.fixture
async def api():
    api = FakeBotApi(reachable=(1001, 5, 9))  # users who started the bot before the test
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def bot(api):
    bot = Bot("42:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
    yield bot
    await bot.session.close()


async def test_get_me(bot):
    me = await bot.get_me()
    assert me.is_bot and me.id == 42 and me.username == "gridbot_test_bot"


async def test_send_message_with_inline_keyboard_is_recorded(api, bot):
    message = await bot.send_message(1001, "新工单 #7", reply_markup=KEYBOARD)

    assert message.chat.id == 1001 and message.text == "新工单 #7"
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "t:7:accept"
    [call] = api.calls("sendMessage")
    assert call.chat_id == 1001 and call.ok
    assert call.params["text"] == "新工单 #7"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "签收", "callback_data": "t:7:accept"}]]
    }


async def test_the_methods_the_bot_uses(api, bot):
    photo = await bot.send_photo(5, BufferedInputFile(b"\xff\xd8jpeg", "scene.jpg"), caption="123")
    document = await bot.send_document(5, BufferedInputFile(b"a,b\n", "kpi.csv"))
    place = await bot.send_location(5, 31.23, 121.47)
    poll = await bot.send_poll(-100, "满意吗？", ["满意", "不满意"])
    edited = await bot.edit_message_caption(chat_id=5, message_id=photo.message_id, caption="已签收")
    marked = await bot.edit_message_reply_markup(
        chat_id=5, message_id=place.message_id, reply_markup=KEYBOARD
    )
    api.rules.press("77", 5)  # as if user 5 had just pressed a button
    assert await bot.answer_callback_query("77", text="好") is True
    assert await bot.delete_message(5, document.message_id) is True
    assert await bot.set_my_commands([BotCommand(command="report", description="上报")]) is True
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert (await bot.get_file("F1")).file_path == "files/F1"
    assert await bot.send_chat_action(5, "typing") is True  # anything else: ok True

    assert photo.photo and photo.caption == "123"  # form value stays text
    assert document.document is not None
    assert place.location.latitude == 31.23
    assert [o.text for o in poll.poll.options] == ["满意", "不满意"]
    assert edited.message_id == photo.message_id
    assert isinstance(marked, Message) and marked.reply_markup is not None
    sent_photo = api.calls("sendPhoto")[0]
    assert list(sent_photo.files.values()) == ["scene.jpg"]
    assert sent_photo.params["photo"].startswith("attach://")
    assert api.calls("setMyCommands")[0].params["commands"] == [
        {"command": "report", "description": "上报"}
    ]
    assert api.texts(5) == ["123", "已签收"]


async def test_get_updates_long_poll_wakes_up_on_a_pushed_update(api, bot):
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.ensure_future(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()  # parked, as Telegram parks it

    pushed = api.push_message(555, "3号楼楼道堆满杂物", photo=True, location=(31.2, 121.4))
    [update] = await poll

    assert loop.time() - started < 2
    assert update.update_id == pushed["update_id"]
    assert update.message.caption == "3号楼楼道堆满杂物"
    assert update.message.photo and update.message.location.latitude == 31.2
    assert update.message.from_user.id == 555
    # An offset past it confirms it: it is not delivered again.
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == []


async def test_get_updates_returns_empty_when_the_timeout_passes(bot):
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 <= loop.time() - started < 3


def build_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def on_text(message: Message) -> None:
        await message.answer(f"已受理：{message.text}", reply_markup=KEYBOARD)

    @router.callback_query(F.data == "t:7:accept")
    async def on_accept(query: CallbackQuery) -> None:
        await query.answer("已签收")
        await query.message.edit_text("工单 #7 处理中")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def test_a_polling_dispatcher_talks_to_it(api, bot):
    dispatcher = build_dispatcher()
    polling = asyncio.ensure_future(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=5)
    )
    try:
        api.push_message(555, "路灯坏了")
        reply = await api.wait_for_text(555, "已受理：路灯坏了", timeout=5)
        api.push_callback(555, "t:7:accept", reply.result["message_id"])
        answer = await api.wait_for(lambda c: c.method == "answerCallbackQuery", timeout=5)
        edit = await api.wait_for_text(555, "处理中", timeout=5)
    finally:
        await dispatcher.stop_polling()
        await polling

    assert answer.chat_id == 555 and answer.params["text"] == "已签收"
    assert edit.method == "editMessageText"
    assert edit.params["message_id"] == reply.result["message_id"]


async def test_wait_for_times_out_with_a_clear_error(api):
    with pytest.raises(TimeoutError, match="no matching call"):
        await api.wait_for(lambda call: call.method == "sendMessage", timeout=0.1)


async def test_queued_failure_reaches_aiogram_as_the_real_exception(api, bot):
    api.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(9, "x")
    assert api.calls(chat_id=9)[0].status == 403


async def test_limits_are_enforced_with_429():
    async with FakeBotApi(enforce_limits=True, global_per_s=3, per_chat_per_s=1, reachable=(1, 2, 3, 4)) as api:
        bot = api.bot()
        try:
            await bot.send_message(1, "first")
            with pytest.raises(TelegramRetryAfter) as too_fast:
                await bot.send_message(1, "same chat, too soon")
            await bot.send_message(2, "b")
            await bot.send_message(3, "c")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(4, "fourth in a second")
        finally:
            await bot.session.close()
    assert too_fast.value.retry_after >= 1
    assert api.violations == 2
    assert api.peak_global == 3 and api.peak_per_chat == 1


async def test_the_notifier_honours_injected_429s_from_the_server():
    async with FakeBotApi(enforce_limits=True, inject_429_every=4, reachable=range(1, 9)) as api:
        bot = api.bot()
        notifier = Notifier(bot)
        try:
            deliveries = await notifier.send_many([(chat, f"提醒{chat}") for chat in range(1, 9)])
        finally:
            await notifier.aclose()
            await bot.session.close()

    assert all(d.ok for d in deliveries)
    assert api.injected_429 == 2 and notifier.stats.rate_limited == 2
    assert api.violations == 0 and api.early_retries == 0
    for chat in range(1, 9):
        assert api.texts(chat) == [f"提醒{chat}"]  # each exactly once


# -- what Telegram refuses (delivery.telegram_rules), as a bot meets it over HTTP -----------------
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError  # noqa: E402

from delivery import telegram_rules as tg  # noqa: E402


async def refused(call, error, description: str) -> None:
    """The call fails with aiogram's real exception carrying Telegram's exact description."""
    with pytest.raises(error) as raised:
        await call
    assert raised.value.message == description


def keyboard_of(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=f"b{i}", callback_data=d)] for i, d in enumerate(data)]
    )


async def test_updates_stay_queued_until_a_higher_offset_confirms_them(api):
    first = api.bot()
    api.push_message(555, "一")
    api.push_message(555, "二")
    try:
        got = await first.get_updates(timeout=0)
    finally:
        await first.session.close()  # the bot dies before confirming
    assert [u.message.text for u in got] == ["一", "二"]

    restarted = api.bot()
    try:
        again = await restarted.get_updates(timeout=0)  # no offset: everything unconfirmed
        assert [u.update_id for u in again] == [u.update_id for u in got]
        rest = await restarted.get_updates(offset=again[0].update_id + 1, timeout=0)
        assert [u.message.text for u in rest] == ["二"]
        assert [u["message"]["text"] for u in api.pending_updates] == ["二"]
        assert await restarted.get_updates(offset=rest[0].update_id + 1, timeout=0) == []
        assert api.pending_updates == []
    finally:
        await restarted.session.close()


async def test_a_second_poller_ends_the_first_with_409(api, bot):
    parked = asyncio.ensure_future(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    other = api.bot()
    try:
        second = asyncio.ensure_future(other.get_updates(timeout=1))
        await refused(parked, TelegramConflictError, tg.GET_UPDATES_CONFLICT)
        assert await second == []
    finally:
        await other.session.close()


async def test_text_length_counts_visible_utf16_units_after_html(api):
    bot = api.bot()  # parse_mode HTML, like gridbot
    try:
        assert await bot.send_message(5, "<b>" + "x" * 4096 + "</b>")  # tags are not text
        assert await bot.send_message(5, "&lt;" * 4096)  # an entity is one character
        assert await bot.send_message(5, "😀" * 2048)  # 2 UTF-16 units each: exactly 4096
        await refused(bot.send_message(5, "😀" * 2048 + "x"), TelegramBadRequest, tg.MESSAGE_TOO_LONG)
        await refused(bot.send_message(5, "工" * 4097), TelegramBadRequest, tg.MESSAGE_TOO_LONG)
        sent = await bot.send_message(5, "短")
        await refused(
            bot.edit_message_text("x" * 4097, chat_id=5, message_id=sent.message_id),
            TelegramBadRequest, tg.MESSAGE_TOO_LONG,
        )
    finally:
        await bot.session.close()
    assert [c.status for c in api.calls("sendMessage")] == [200, 200, 200, 400, 400, 200]


async def test_captions_stop_at_1024_and_texts_may_not_be_empty(api, bot):
    assert await bot.send_photo(5, "PHOTO", caption="图" * 1024)
    await refused(bot.send_photo(5, "PHOTO", caption="图" * 1025), TelegramBadRequest, tg.CAPTION_TOO_LONG)
    await refused(bot.send_message(5, "   \n"), TelegramBadRequest, tg.TEXT_EMPTY)
    await refused(bot.send_message(5, "<b></b>", parse_mode="HTML"), TelegramBadRequest, tg.TEXT_EMPTY)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("换行<br>", 'Unsupported start tag "br" at byte offset 6'),
        ("水位 < 警戒线", 'Unsupported start tag "" at byte offset 7'),
        ("<b>工单", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>工单</i>", 'Unmatched end tag at byte offset 9, expected "</b>", found "</i>"'),
        ("工单</b>", "Unexpected end tag at byte offset 6"),
        ("<span>剧透</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("x <b", "Unclosed start tag at byte offset 2"),
    ],
)
async def test_bad_html_is_refused_with_tdlibs_reason(api, bot, text, reason):
    await refused(
        bot.send_message(5, text, parse_mode="HTML"), TelegramBadRequest, tg.CANT_PARSE_ENTITIES + reason
    )


async def test_every_documented_tag_and_entity_is_accepted(api, bot):
    text = (
        '<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike>'
        '<del>d</del><span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler>'
        '<a href="https://example.org/?a=1&amp;b=2">a</a><code>c</code><pre><code class="language-py">'
        'x</code></pre><blockquote>q</blockquote>&lt;&gt;&amp;&quot;&#20013;&#x4E2D; AT&T 1 > 0'
    )
    assert await bot.send_message(5, text, parse_mode="HTML")
    assert await bot.send_message(5, "a < b <br>", parse_mode=None)  # plain text: nothing parsed


async def test_inline_keyboards_callback_data_and_size(api, bot):
    assert await bot.send_message(5, "ok", reply_markup=keyboard_of("x" * 64))
    await refused(bot.send_message(5, "k", reply_markup=keyboard_of("x" * 65)),
                  TelegramBadRequest, tg.BUTTON_DATA_INVALID)
    await refused(bot.send_message(5, "k", reply_markup=keyboard_of("网格" * 11)),  # 66 bytes of UTF-8
                  TelegramBadRequest, tg.BUTTON_DATA_INVALID)
    await refused(bot.send_message(5, "k", reply_markup=keyboard_of("")), TelegramBadRequest, tg.BUTTON_DATA_INVALID)
    assert await bot.send_message(5, "ok", reply_markup=keyboard_of(*[str(i) for i in range(100)]))
    await refused(bot.send_message(5, "k", reply_markup=keyboard_of(*[str(i) for i in range(101)])),
                  TelegramBadRequest, tg.REPLY_MARKUP_TOO_LONG)


async def test_edits_must_change_something_and_name_a_message_of_the_bot(api, bot):
    sent = await bot.send_message(5, "<b>待签收</b>", reply_markup=KEYBOARD, parse_mode="HTML")
    same = bot.edit_message_text("<strong>待签收</strong>", chat_id=5, message_id=sent.message_id,
                                 reply_markup=KEYBOARD, parse_mode="HTML")
    await refused(same, TelegramBadRequest, tg.NOT_MODIFIED)
    await refused(bot.edit_message_reply_markup(chat_id=5, message_id=sent.message_id, reply_markup=KEYBOARD),
                  TelegramBadRequest, tg.NOT_MODIFIED)
    # Same text without the keyboard is a change (it removes the keyboard).
    assert await bot.edit_message_text("<b>待签收</b>", chat_id=5, message_id=sent.message_id, parse_mode="HTML")
    await refused(bot.edit_message_reply_markup(chat_id=5, message_id=sent.message_id),
                  TelegramBadRequest, tg.NOT_MODIFIED)
    await refused(bot.edit_message_text("x", chat_id=5, message_id=sent.message_id + 100),
                  TelegramBadRequest, tg.EDIT_NOT_FOUND)
    await refused(bot.edit_message_reply_markup(chat_id=9, message_id=sent.message_id, reply_markup=KEYBOARD),
                  TelegramBadRequest, tg.EDIT_NOT_FOUND)  # right id, wrong chat
    own = api.push_message(5, "居民的消息")["message"]
    await refused(bot.edit_message_text("x", chat_id=5, message_id=own["message_id"]),
                  TelegramBadRequest, tg.CANT_BE_EDITED)
    photo = await bot.send_photo(5, "PHOTO", caption="c")
    await refused(bot.edit_message_text("x", chat_id=5, message_id=photo.message_id),
                  TelegramBadRequest, tg.NO_TEXT_TO_EDIT)


async def test_only_users_who_wrote_or_were_declared_can_be_reached(api, bot):
    await refused(bot.send_message(777, "你好"), TelegramBadRequest, tg.CHAT_NOT_FOUND)
    api.push_message(777, "/start")
    assert await bot.send_message(777, "你好")
    api.reachable(778)
    assert await bot.send_message(778, "你好")
    assert await bot.send_message(-100123, "群")  # groups are not policed

    api.block(777)
    await refused(bot.send_message(777, "还在吗"), TelegramForbiddenError, tg.BOT_BLOCKED)
    await refused(bot.send_chat_action(777, "typing"), TelegramForbiddenError, tg.BOT_BLOCKED)
    api.push_message(777, "/start")  # writing again unblocks
    assert await bot.send_message(777, "欢迎回来")
    api.deactivate(778)
    await refused(bot.send_message(778, "x"), TelegramForbiddenError, tg.USER_DEACTIVATED)


async def test_a_callback_query_is_answered_once_within_15_seconds():
    clock = tg.ManualClock()
    async with FakeBotApi(clock=clock) as api:
        bot = api.bot()
        try:
            card = api.push_message(5, "/start")["message"]
            first = api.push_callback(5, "t:7:accept", card["message_id"])["callback_query"]["id"]
            second = api.push_callback(5, "t:7:accept", card["message_id"])["callback_query"]["id"]
            clock.advance(15)
            assert await bot.answer_callback_query(first, text="已签收") is True
            await refused(bot.answer_callback_query(first), TelegramBadRequest, tg.QUERY_TOO_OLD)
            clock.advance(0.5)
            await refused(bot.answer_callback_query(second), TelegramBadRequest, tg.QUERY_TOO_OLD)
            await refused(bot.answer_callback_query("nope"), TelegramBadRequest, tg.QUERY_TOO_OLD)
        finally:
            await bot.session.close()


async def test_hold_lets_a_test_kill_the_bot_mid_send(api):
    bot = api.bot()
    hold = api.hold("sendMessage", chat_id=5)
    try:
        sending = asyncio.ensure_future(bot.send_message(5, "工单 #7 已派单"))
        await asyncio.wait_for(hold.arrived.wait(), 5)
        assert not sending.done()
        sending.cancel()  # the bot dies before it reads Telegram's answer
        with pytest.raises(asyncio.CancelledError):
            await sending
        assert api.texts(5) == ["工单 #7 已派单"]  # ... but Telegram delivered it
        assert hold.request.result["message_id"]
    finally:
        hold.release()
        await bot.session.close()


async def test_transcript_is_per_chat_in_order(api, bot):
    await bot.send_message(5, "a")
    await bot.send_message(9, "b")
    await bot.send_message(5, "c")
    await refused(bot.send_message(5, ""), TelegramBadRequest, tg.TEXT_EMPTY)
    assert api.transcript() == {5: ["a", "c"], 9: ["b"]}
    assert [c.params["text"] for c in api.sent(5)] == ["a", "c"]
