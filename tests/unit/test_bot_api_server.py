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

from bot.notifier import Notifier
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
