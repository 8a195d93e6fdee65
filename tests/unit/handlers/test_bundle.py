"""The monthly bulletin to someone who cannot be reached: one refused part, not every part."""
from __future__ import annotations

from types import SimpleNamespace

from delivery.notifier import Notifier
from delivery.offline import RecordingSession, make_offline_bot
from handlers.cadres.publishing import send_bundle

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 16


async def test_a_bundle_stops_at_the_first_refused_part():
    session = RecordingSession(reachable=[1])
    bot = make_offline_bot(session)
    notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000)
    bundle = SimpleNamespace(files=[("a.png", PNG), ("b.png", PNG), ("c.xlsx", b"x")])
    try:
        refused = await send_bundle(notifier, 2, bundle, "一月一通报")  # never opened the bot
        assert len(refused) == 1 and refused[0].blocked
        sent = await send_bundle(notifier, 1, bundle, "一月一通报")
        assert [d.ok for d in sent] == [True, True, True]
    finally:
        await notifier.aclose()
        await bot.session.close()
