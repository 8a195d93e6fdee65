"""The notifier: pacing, retries and failure handling, on virtual time (no real sleeping)."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage

from delivery.notifier import Delivery, Notifier
from delivery.offline import RecordingSession, make_offline_bot

TOKEN = "42:SECRET-TOKEN-abcdef"


class VirtualClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@pytest.fixture
def clock():
    return VirtualClock()


@pytest.fixture
def session():
    # pacing tests: every recipient started the bot before (1..2999, including 1000-2999)
    return RecordingSession(reachable=range(1, 3000))


@pytest.fixture
async def bot(session):
    bot = make_offline_bot(session, token=TOKEN)
    yield bot
    await bot.session.close()


@pytest.fixture
def arrivals(bot, session, clock):
    """(virtual time, chat_id, method) of every request the bot makes, failed ones included."""
    seen: list[tuple[float, object, str]] = []

    async def record(make_request, bot, method):
        seen.append((clock(), getattr(method, "chat_id", None), method.__api_method__))
        return await make_request(bot, method)

    session.middleware(record)
    return seen


@pytest.fixture
async def notifier(bot, clock):
    notifier = Notifier(bot, clock=clock, sleep=clock.sleep)
    yield notifier
    await notifier.aclose()


def times_for(arrivals, chat_id):
    return [t for t, chat, _ in arrivals if chat == chat_id]


def busiest_window(times, span):
    """Most events in any window [t, t + span) (tiny epsilon against float rounding)."""
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] < t - span + 1e-9:
            j += 1
        best = max(best, i - j + 1)
    return best


async def test_a_message_arrives_and_its_id_comes_back(notifier, session):
    delivery = await notifier.send_message(1001, "工单 #12 已派给你")
    assert delivery == Delivery(ok=True, message_id=1, attempts=1)
    assert session.texts(1001) == ["工单 #12 已派给你"]
    assert notifier.stats.sent == 1


async def test_every_kind_of_message_goes_through(notifier, session):
    first = await notifier.send_message(5, "现场")
    await notifier.send_photo(5, "PHOTO-ID", caption="照片")
    await notifier.send_document(5, "DOC-ID", caption="报表")
    await notifier.send_location(5, 31.2, 121.4)
    await notifier.send_poll(-100, "满意吗？", ["满意", "不满意"])
    edit = await notifier.edit_message_text(5, first.message_id, "已办结")
    assert edit.ok and edit.message_id == first.message_id
    assert [r.method for r in session.sent()] == [
        "sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendPoll", "editMessageText",
    ]
    assert session.texts(5) == ["现场", "照片", "报表", "已办结"]


async def test_429_waits_retry_after_then_the_message_arrives_once(notifier, session, arrivals):
    session.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 3",
                      retry_after=3)

    delivery = await notifier.send_message(7, "超期提醒")

    assert delivery.ok and delivery.attempts == 2
    assert session.texts(7) == ["超期提醒"]
    first, second = times_for(arrivals, 7)
    assert second - first >= 3
    assert notifier.stats.rate_limited == 1 and notifier.stats.retried == 1


async def test_429_also_holds_back_other_chats_briefly(notifier, session, arrivals):
    session.fail_next("sendMessage", status=429, description="Too Many Requests", retry_after=10,
                      chat_id=1)

    await asyncio.gather(notifier.send_message(1, "a"), notifier.send_message(2, "b"))

    assert times_for(arrivals, 2)[0] >= 1.0  # the global pause
    assert times_for(arrivals, 2)[0] < 10  # but not the other chat's whole retry_after
    assert times_for(arrivals, 1)[1] >= 10


async def test_403_calls_on_blocked_and_stops(bot, clock, session, arrivals):
    blocked: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        blocked.append(chat_id)

    notifier = Notifier(bot, clock=clock, sleep=clock.sleep, on_blocked=on_blocked)
    session.fail_next(None, status=403, description="Forbidden: bot was blocked by the user")

    delivery = await notifier.send_message(8, "回访")
    other = await notifier.send_message(9, "回访")

    assert delivery.blocked and not delivery.ok and delivery.attempts == 1
    assert "TelegramForbiddenError" in delivery.error
    assert blocked == [8] and notifier.blocked_chats == {8}
    assert len(times_for(arrivals, 8)) == 1  # not retried
    assert other.ok and notifier.stats.blocked == 1 and notifier.stats.failed == 0


async def test_a_failing_on_blocked_hook_does_not_raise(bot, clock, session):
    async def broken(chat_id: int) -> None:
        raise RuntimeError("database down")

    notifier = Notifier(bot, clock=clock, sleep=clock.sleep, on_blocked=broken)
    session.fail_next(None, status=403, description="Forbidden: user is deactivated")
    assert (await notifier.send_message(8, "x")).blocked


async def test_server_errors_and_timeouts_are_retried_with_growing_backoff(notifier, session, arrivals):
    session.fail_next(None, status=500, description="Internal Server Error")
    session.fail_next_timeout()
    session.fail_next(None, status=502, description="Bad Gateway")
    session.fail_next(None, status=500, description="Internal Server Error")

    delivery = await notifier.send_message(3, "派单通知")

    assert delivery.ok and delivery.attempts == 5
    assert session.texts(3) == ["派单通知"]
    times = times_for(arrivals, 3)
    gaps = [b - a for a, b in zip(times, times[1:])]
    # 0.5, 1, 2, 4 s of backoff, never closer than the per-chat interval
    assert gaps == pytest.approx([1.05, 1.05, 2.0, 4.0], abs=0.01)
    assert notifier.stats.retried == 4 and notifier.stats.sent == 1


async def test_gives_up_after_max_retries_without_raising(bot, clock, session):
    notifier = Notifier(bot, clock=clock, sleep=clock.sleep, max_retries=2)
    for _ in range(3):
        session.fail_next(None, status=500, description="Internal Server Error")

    delivery = await notifier.send_message(3, "x")

    assert not delivery.ok and not delivery.blocked and delivery.attempts == 3
    assert delivery.error.startswith("TelegramServerError")
    assert notifier.stats.failed == 1


async def test_bad_request_is_not_retried(notifier, session, arrivals):
    session.fail_next(None, status=400, description="Bad Request: can't parse entities")

    delivery = await notifier.send_message(4, "<b>broken")

    assert delivery == Delivery(
        ok=False, error="TelegramBadRequest: Bad Request: can't parse entities", attempts=1
    )
    assert len(arrivals) == 1 and notifier.stats.failed == 1


async def test_one_chat_gets_one_message_per_interval_in_order(notifier, session, arrivals):
    deliveries = await asyncio.gather(*(notifier.send_message(6, f"第{i}条") for i in range(5)))

    assert all(d.ok for d in deliveries)
    assert session.texts(6) == [f"第{i}条" for i in range(5)]
    times = times_for(arrivals, 6)
    assert min(b - a for a, b in zip(times, times[1:])) >= 1.05 - 1e-9


async def test_one_chats_backlog_does_not_hold_up_the_others(notifier, arrivals):
    sends = [notifier.send_message(1, f"m{i}") for i in range(20)]
    sends += [notifier.send_message(chat, "hello") for chat in range(2, 12)]
    await asyncio.gather(*sends)

    latest_other = max(t for t, chat, _ in arrivals if chat != 1)
    assert latest_other < 1.0  # ten other chats served within the first second
    assert max(times_for(arrivals, 1)) >= 19 * 1.05


async def test_group_chats_keep_under_twenty_a_minute(notifier, arrivals):
    await asyncio.gather(*(notifier.send_message(-100, f"通报{i}") for i in range(25)))

    times = times_for(arrivals, -100)
    assert len(times) == 25
    assert busiest_window(times, 60.0) == 19
    assert times[19] >= 60.0


async def test_ten_thousand_concurrent_sends_keep_the_limits(notifier, session, arrivals, clock):
    items = [(1000 + i % 2000, f"n{i}") for i in range(10_000)]

    deliveries = await notifier.send_many(items)

    assert all(d.ok for d in deliveries) and notifier.stats.sent == 10_000
    assert len(session.sent()) == 10_000  # each exactly once
    times = [t for t, _, _ in arrivals]
    assert busiest_window(times, 1.0) <= 28
    per_chat = defaultdict(list)
    for t, chat, _ in arrivals:
        per_chat[chat].append(t)
    assert min(b - a for ts in per_chat.values() for a, b in zip(ts, ts[1:])) >= 1.05
    assert clock.now == pytest.approx(10_000 / 28, rel=0.01)  # no time wasted either
    assert session.texts(1000) == ["n0", "n2000", "n4000", "n6000", "n8000"]


async def test_one_failure_does_not_stop_a_sweep(notifier, session):
    session.fail_next(None, status=400, description="Bad Request: chat not found", chat_id=2)

    async def boom(make_request, bot, method):
        if getattr(method, "chat_id", None) == 3:
            raise RuntimeError("unexpected")
        return await make_request(bot, method)

    session.middleware(boom)
    deliveries = await notifier.send_many([(1, "a"), (2, "b"), (3, "c"), (4, "d")])

    assert [d.ok for d in deliveries] == [True, False, False, True]
    assert deliveries[2].error == "RuntimeError: unexpected"


async def test_a_cancelled_send_does_not_stall_its_chat(notifier, session):
    first = asyncio.ensure_future(notifier.send_message(1, "one"))
    second = asyncio.ensure_future(notifier.send_message(1, "two"))
    third = asyncio.ensure_future(notifier.send_message(1, "three"))
    await first
    second.cancel()
    assert (await third).ok
    assert session.texts(1) == ["one", "three"]
    assert notifier.waiting == 0


async def test_aclose_cancels_sends_still_waiting(bot, session):
    notifier = Notifier(bot, per_chat_interval=60)  # real time: the others wait a minute
    sends = [asyncio.ensure_future(notifier.send_message(1, f"m{i}")) for i in range(3)]
    await sends[0]
    await notifier.aclose()
    results = await asyncio.gather(*sends[1:], return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    assert session.texts(1) == ["m0"]


async def test_calls_without_a_chat_are_paced_globally_only(notifier, session):
    for i in range(3):
        session.rules.press(str(i), 1)  # three buttons just pressed
    deliveries = await notifier.send_many(
        [AnswerCallbackQuery(callback_query_id=str(i)) for i in range(3)]
        + [SendMessage(chat_id=1, text="x")]
    )
    assert all(d.ok for d in deliveries)
    assert len(session.sent(method="answerCallbackQuery")) == 3


async def test_failures_are_logged_without_token_or_text(notifier, session, caplog):
    session.fail_next(None, status=400, description="Bad Request: chat not found")
    session.fail_next(None, status=403, description="Forbidden: bot was blocked by the user")
    session.fail_next(None, status=500, description="Internal Server Error")

    with caplog.at_level(logging.INFO, logger="delivery.notifier"):
        for chat in (11, 12, 13):
            await notifier.send_message(chat, "住址：幸福小区3号楼")

    assert "幸福小区" not in caplog.text and "SECRET-TOKEN" not in caplog.text
    for expected in ("11", "12", "13", "TelegramBadRequest", "TelegramForbiddenError", "sendMessage"):
        assert expected in caplog.text


async def test_a_recorded_send_goes_only_once_the_previous_one_is_recorded(notifier, session, arrivals):
    """Between Telegram's answer and the outbox mark, a crash would send the message again:
    only one such message is ever in that window (the others wait before their call)."""
    events: list[str] = []
    first_recorded = asyncio.Event()
    release = asyncio.Event()

    def record(name):
        async def done(d: Delivery) -> None:
            events.append(f"recording {name}")
            if name == "first":
                first_recorded.set()
                await release.wait()  # a slow commit
            events.append(f"recorded {name} ok={d.ok}")
        return done

    first = asyncio.create_task(notifier.send_message(1, "甲", record=record("first")))
    await first_recorded.wait()
    second = asyncio.create_task(notifier.send_message(2, "乙", record=record("second")))
    plain = asyncio.create_task(notifier.send_message(3, "丙"))  # no outbox row: not held back
    await plain
    for _ in range(20):
        await asyncio.sleep(0)
    assert [chat for _, chat, _ in arrivals] == [1, 3], "the second recorded send waits for the first's record"
    release.set()
    await asyncio.gather(first, second)
    assert [chat for _, chat, _ in arrivals] == [1, 3, 2]
    assert events == ["recording first", "recorded first ok=True", "recording second", "recorded second ok=True"]


async def test_a_failed_recorded_send_is_recorded_as_failed_and_a_record_error_does_not_raise(bot, clock, session):
    notifier = Notifier(bot, clock=clock, sleep=clock.sleep, max_retries=0)
    seen: list[Delivery] = []

    async def record(d: Delivery) -> None:
        seen.append(d)
        raise RuntimeError("database away")

    session.fail_next("sendMessage", status=400, description="Bad Request: message text is empty")
    failed = await notifier.send_message(1, "x", record=record)
    sent = await notifier.send_message(1, "y", record=record)
    assert [d.ok for d in seen] == [False, True] and not failed.ok and sent.ok
    await notifier.aclose()
