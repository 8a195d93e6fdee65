"""The recording session: what a handler sent, to whom, and how queued errors surface."""

from __future__ import annotations

import pytest
from aiogram import Dispatcher, F, Router
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from delivery.offline import RecordingSession, make_offline_bot


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="签收", callback_data="t:1:accept")],
            [InlineKeyboardButton(text="退回", callback_data="t:1:return"),
             InlineKeyboardButton(text="详情", url="https://example.org/t/1")],
        ]
    )


@pytest.fixture
async def session():
    # users who started the bot before the test (groups need no declaration)
    return RecordingSession(reachable=(1, 2, 3, 5, 7, 9, 1001))


@pytest.fixture
async def bot(session):
    bot = make_offline_bot(session, harmless=False)  # this file tests the refusals themselves
    yield bot
    await bot.session.close()


async def test_send_message_is_recorded_and_answered_with_a_message(bot, session):
    message = await bot.send_message(1001, "工单 <b>#12</b> 已受理", reply_markup=keyboard())

    assert isinstance(message, Message)
    assert message.chat.id == 1001 and message.chat.type == "private"
    assert message.text == "工单 <b>#12</b> 已受理"
    assert message.from_user.username == "gridbot_test_bot"
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "t:1:accept"

    [request] = session.sent(1001)
    assert request.method == "sendMessage"
    assert request.data["parse_mode"] == "HTML"  # the default of make_offline_bot
    assert request.data["reply_markup"]["inline_keyboard"][0][0]["text"] == "签收"
    assert session.buttons(request) == [
        ("签收", "t:1:accept"), ("退回", "t:1:return"), ("详情", None),
    ]


async def test_requests_are_kept_first_in_first_out_per_chat(bot, session):
    first = await bot.send_message(1, "one")
    await bot.send_message(2, "to someone else")
    second = await bot.send_message(1, "two")

    assert second.message_id > first.message_id
    assert session.texts(1) == ["one", "two"]
    assert session.texts() == ["one", "to someone else", "two"]
    assert session.last(1).data["text"] == "two"
    assert session.last().data["chat_id"] == 1
    assert [r.method for r in session.sent(method="sendMessage")] == ["sendMessage"] * 3


async def test_media_location_and_poll_come_back_well_formed(bot, session):
    photo = await bot.send_photo(5, BufferedInputFile(b"jpeg", "scene.jpg"), caption="现场照片")
    document = await bot.send_document(-100, "DOC-FILE-ID", caption="周报")
    place = await bot.send_location(5, 31.23, 121.47)
    poll = await bot.send_poll(-1001234567890, "是否满意？", ["满意", "不满意"])

    assert photo.photo and photo.caption == "现场照片"
    assert document.document.file_id == "DOC-FILE-ID" and document.chat.type == "group"
    assert (place.location.latitude, place.location.longitude) == (31.23, 121.47)
    assert [o.text for o in poll.poll.options] == ["满意", "不满意"]
    assert poll.chat.type == "supergroup"
    assert list(session.sent(5, "sendPhoto")[0].files.values()) == ["scene.jpg"]
    assert session.texts() == ["现场照片", "周报", "是否满意？"]


async def test_edits_return_the_edited_message(bot, session):
    sent = await bot.send_message(7, "待签收", reply_markup=keyboard())

    edited = await bot.edit_message_text("处理中", chat_id=7, message_id=sent.message_id)
    assert edited.message_id == sent.message_id
    assert edited.text == "处理中"
    assert edited.reply_markup is None  # an edit without a keyboard drops it, as on Telegram

    marked = await bot.edit_message_reply_markup(
        chat_id=7, message_id=sent.message_id, reply_markup=keyboard()
    )
    assert isinstance(marked, Message) and marked.text == "处理中"
    assert marked.reply_markup is not None

    assert await bot.edit_message_text("inline", inline_message_id="abc") is True
    assert session.texts(7) == ["待签收", "处理中"]


async def test_other_methods_answer_true_or_their_type(bot, session):
    me = await bot.get_me()
    assert me.is_bot and me.username == "gridbot_test_bot" and me.id == 42

    session.rules.press("cb-1", 7)  # as if user 7 had just pressed a button
    assert await bot.answer_callback_query("cb-1", text="已签收") is True
    assert await bot.delete_message(7, 1) is True
    assert await bot.set_my_commands([BotCommand(command="start", description="开始")]) is True
    assert await bot.delete_webhook() is True
    assert isinstance(await bot.get_file("F1"), File)
    assert await bot.get_updates() == []
    assert [r.method for r in session.requests] == [
        "getMe", "answerCallbackQuery", "deleteMessage", "setMyCommands", "deleteWebhook",
        "getFile", "getUpdates",
    ]
    assert session.sent(method="setMyCommands")[0].data["commands"] == [
        {"command": "start", "description": "开始"}
    ]


@pytest.mark.parametrize(
    ("status", "description", "retry_after", "error"),
    [
        (429, "Too Many Requests: retry after 7", 7, TelegramRetryAfter),
        (403, "Forbidden: bot was blocked by the user", None, TelegramForbiddenError),
        (500, "Internal Server Error", None, TelegramServerError),
        (400, "Bad Request: chat not found", None, TelegramBadRequest),
    ],
)
async def test_queued_error_raises_aiograms_real_exception(
    bot, session, status, description, retry_after, error
):
    session.fail_next("sendMessage", status=status, description=description, retry_after=retry_after)

    with pytest.raises(error) as raised:
        await bot.send_message(9, "提醒")
    if retry_after:
        assert raised.value.retry_after == retry_after

    # The failed attempt is on record but was not delivered; the next call goes through.
    assert session.requests[-1].error == description
    assert session.sent(9) == []
    await bot.send_message(9, "提醒")
    assert session.texts(9) == ["提醒"]


async def test_queued_error_only_hits_the_matching_method_and_chat(bot, session):
    session.fail_next("sendMessage", status=403, description="Forbidden", chat_id=2)

    await bot.send_message(1, "fine")
    await bot.send_photo(2, "PHOTO-ID")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(2, "blocked")
    await bot.send_message(2, "fine again")
    assert session.texts(2) == ["fine again"]


async def test_timeout_raises_network_error(bot, session):
    session.fail_next_timeout()
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    assert (await bot.get_me()).is_bot


async def test_last_clear_and_custom_results(bot, session):
    with pytest.raises(LookupError):
        session.last(3)
    session.add_result("getChatMemberCount", 17)
    assert await bot.get_chat_member_count(-100) == 17
    session.fail_next(None, status=500, description="boom")
    session.clear()
    await bot.send_message(3, "after clear")  # the queued failure went with clear()
    assert [r.method for r in session.requests] == ["sendMessage"]


def build_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def reply(message: Message) -> None:
        await message.answer(f"收到：{message.text}", reply_markup=keyboard())

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def test_feeding_an_update_through_a_dispatcher(bot, session):
    update = Update.model_validate(
        {
            "update_id": 1,
            "message": {
                "message_id": 10,
                "date": 1_700_000_000,
                "chat": {"id": 555, "type": "private", "first_name": "居民"},
                "from": {"id": 555, "is_bot": False, "first_name": "居民"},
                "text": "楼道堆满杂物",
            },
        },
        context={"bot": bot},
    )
    session.observe(update)  # 555 wrote to the bot, so it may answer
    await build_dispatcher().feed_update(bot, update)

    assert session.texts(555) == ["收到：楼道堆满杂物"]
    assert session.buttons(session.last(555))[0] == ("签收", "t:1:accept")


# -- what Telegram refuses (delivery.telegram_rules), as the bot meets it in-process ------------
import asyncio  # noqa: E402

from delivery import telegram_rules as tg  # noqa: E402
from delivery.scripted import Conversation, Person  # noqa: E402


async def refused(call, error, description: str) -> None:
    """The call fails with aiogram's real exception carrying Telegram's exact description."""
    with pytest.raises(error) as raised:
        await call
    assert raised.value.message == description


def keys(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=f"b{i}", callback_data=d)] for i, d in enumerate(data)]
    )


async def test_long_texts_and_captions_are_refused_by_visible_utf16_length(bot, session):
    assert await bot.send_message(5, "<i>" + "x" * 4096 + "</i>")  # HTML is the default
    assert await bot.send_message(5, "😀" * 2048)
    await refused(bot.send_message(5, "😀" * 2048 + "!"), TelegramBadRequest, tg.MESSAGE_TOO_LONG)
    assert await bot.send_photo(5, "P", caption="&amp;" * 1024)
    await refused(bot.send_photo(5, "P", caption="照" * 1025), TelegramBadRequest, tg.CAPTION_TOO_LONG)
    await refused(bot.send_message(5, " "), TelegramBadRequest, tg.TEXT_EMPTY)
    assert session.requests[-1].error == tg.TEXT_EMPTY  # refused calls stay on record
    assert len(session.sent(5)) == 3


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<p>段落</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<i>未闭合", 'Can\'t find end tag corresponding to start tag "i"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ],
)
async def test_bad_html_is_refused(bot, text, reason):
    await refused(bot.send_message(5, text), TelegramBadRequest, tg.CANT_PARSE_ENTITIES + reason)


async def test_plain_text_and_tolerated_ampersands_pass(bot, session):
    assert await bot.send_message(5, "1 < 2 <p>", parse_mode=None)
    assert await bot.send_message(5, "AT&T &nbsp; 5 > 3")  # TDLib keeps a bare & as text


async def test_keyboards_are_checked(bot):
    await refused(bot.send_message(5, "x", reply_markup=keys("d" * 65)), TelegramBadRequest, tg.BUTTON_DATA_INVALID)
    await refused(bot.send_message(5, "x", reply_markup=keys(*map(str, range(101)))),
                  TelegramBadRequest, tg.REPLY_MARKUP_TOO_LONG)
    sent = await bot.send_message(5, "x", reply_markup=keys("d" * 64))
    await refused(bot.edit_message_reply_markup(chat_id=5, message_id=sent.message_id, reply_markup=keys("é" * 33)),
                  TelegramBadRequest, tg.BUTTON_DATA_INVALID)


async def test_edits_that_change_nothing_or_miss_are_refused(bot, session):
    sent = await bot.send_message(7, "处理中", reply_markup=keyboard())
    await refused(bot.edit_message_text("处理中", chat_id=7, message_id=sent.message_id, reply_markup=keyboard()),
                  TelegramBadRequest, tg.NOT_MODIFIED)
    await refused(bot.edit_message_reply_markup(chat_id=7, message_id=sent.message_id, reply_markup=keyboard()),
                  TelegramBadRequest, tg.NOT_MODIFIED)
    await refused(bot.edit_message_text("已办结", chat_id=7, message_id=999),
                  TelegramBadRequest, tg.EDIT_NOT_FOUND)
    await refused(bot.edit_message_reply_markup(chat_id=7, message_id=999),
                  TelegramBadRequest, tg.EDIT_NOT_FOUND)
    await refused(bot.edit_message_text("", chat_id=7, message_id=sent.message_id),
                  TelegramBadRequest, tg.TEXT_EMPTY)
    assert await bot.edit_message_text("已办结", chat_id=7, message_id=sent.message_id)
    await refused(bot.edit_message_text("已办结", chat_id=7, message_id=sent.message_id),
                  TelegramBadRequest, tg.NOT_MODIFIED)


async def test_reachability_blocking_and_deactivation(bot, session):
    await refused(bot.send_message(4242, "hi"), TelegramBadRequest, tg.CHAT_NOT_FOUND)
    session.reachable(4242)
    assert await bot.send_message(4242, "hi")
    session.block(4242)
    await refused(bot.send_message(4242, "hi"), TelegramForbiddenError, tg.BOT_BLOCKED)
    session.deactivate(5)
    await refused(bot.send_photo(5, "P"), TelegramForbiddenError, tg.USER_DEACTIVATED)
    assert await bot.send_message(-100, "groups are not policed")


async def test_lenient_session_keeps_only_the_stateless_rules():
    session = RecordingSession(strict=False)
    bot = make_offline_bot(session, harmless=False)
    assert await bot.send_message(31337, "never wrote")
    assert await bot.answer_callback_query("whatever") is True
    await refused(bot.send_message(31337, "<x>"), TelegramBadRequest,
                  tg.CANT_PARSE_ENTITIES + 'Unsupported start tag "x" at byte offset 0')


def pressing_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def card(message: Message) -> None:
        await message.answer("工单 #1", reply_markup=keys("t:1:accept"))

    @router.callback_query(F.data == "t:1:accept")
    async def accept(query) -> None:
        await query.message.edit_text("工单 #1 已签收")
        await query.answer("已签收")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def test_a_conversation_makes_its_people_reachable_and_times_their_presses():
    clock = tg.ManualClock(1000)
    session = RecordingSession(clock=clock)
    bot = make_offline_bot(session, harmless=False)
    chat = Conversation(pressing_dispatcher(), bot, session)
    resident = Person(600001, "居民")
    await chat.say(resident, "路灯坏了")  # now the bot may answer
    out = await chat.press(resident, "b0")  # pressed on the card itself
    assert [r.method for r in out] == ["editMessageText", "answerCallbackQuery"]
    assert all(r.error is None for r in out)
    query_id = out[-1].data["callback_query_id"]
    await refused(bot.answer_callback_query(query_id), TelegramBadRequest, tg.QUERY_TOO_OLD)  # once only

    session.rules.press("late", resident.id)
    clock.advance(15.01)
    await refused(bot.answer_callback_query("late"), TelegramBadRequest, tg.QUERY_TOO_OLD)
    assert session.transcript() == {resident.id: ["工单 #1", "工单 #1 已签收"]}


async def test_hold_parks_a_delivered_send_until_released(bot, session):
    hold = session.hold("sendMessage", chat_id=5)
    sending = asyncio.ensure_future(bot.send_message(5, "派单"))
    await asyncio.wait_for(hold.arrived.wait(), 1)
    assert session.texts(5) == ["派单"] and not sending.done()
    hold.release()
    assert (await sending).message_id == hold.request.result["message_id"]
