"""`gridbot demo`: the whole loop offline, printed as a transcript."""
from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.app import create_dispatcher
from bot.cli.orgtasks import import_org
from bot.core import build_core
from bot.settings import Settings
from delivery.notifier import Notifier
from delivery.offline import RecordingSession, Request, make_offline_bot
from delivery.scripted import Conversation, Person, buttons
from storage.migrate import upgrade_async

RESIDENT = Person(900001, "张阿姨", "居民")
MEMBER = Person(720101, "孙网格", "网格员")
TAG = re.compile(r"<[^>]+>")


def _show(request: Request, people: dict[int, Person]) -> str:
    who = people.get(request.chat_id)
    to = f"{who.role} {who.name}" if who else str(request.chat_id)
    if request.method == "answerCallbackQuery":
        return f"  🤖 (提示) {request.data['text']}" if request.data.get("text") else ""
    if request.method not in ("sendMessage", "sendPhoto", "sendLocation"):
        return ""
    body = html.unescape(TAG.sub("", request.text or ("📍 位置" if request.method == "sendLocation" else "🖼 照片")))
    lines = [f"  🤖 → {to}:"] + [f"     {line}" for line in body.splitlines()]
    keys = buttons(request)
    if keys:
        lines.append("     " + "  ".join(f"[{t}]" for t, _ in keys))
    return "\n".join(lines)


async def run_demo(org_file: Path, *, keep: Path | None, echo: Callable[[str], None] = print) -> None:
    with tempfile.TemporaryDirectory(prefix="gridbot-demo-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        settings = Settings(database={"url": f"sqlite+aiosqlite:///{folder / 'demo.sqlite3'}"})
        await upgrade_async(settings.database.url)
        await import_org(settings, org_file)
        core = build_core(settings)
        session = RecordingSession()
        bot = make_offline_bot(session)
        notifier = Notifier(bot, per_chat_interval=0, global_per_s=10_000)
        dp = create_dispatcher(core, notifier)
        chat = Conversation(dp, bot, session)
        session.reachable(MEMBER.id)  # the grid member started the bot when invited
        people = {p.id: p for p in (RESIDENT, MEMBER)}

        async def step(actor: Person, what: str, action) -> None:
            echo(f"\n👤 {actor.role} {actor.name}: {what}")
            for request in await action:
                shown = _show(request, people)
                if shown:
                    echo(shown)

        echo("gridbot demo: a temporary database, the example organisation (examples/org.example.toml),")
        echo("and a scripted conversation through the real handlers. Nothing leaves this machine.")
        try:
            await step(RESIDENT, "/start WT01  (扫描网格二维码)", chat.say(RESIDENT, "/start WT01"))
            report = "3号楼2单元楼道堆满杂物，堵住了消防通道，好几天了没人管"
            await step(RESIDENT, report, chat.say(RESIDENT, report))
            await step(MEMBER, "点 [签收]", chat.press(MEMBER, "签收"))
            await step(MEMBER, "点 [办结]", chat.press(MEMBER, "办结"))
            note = "已联系物业清理楼道杂物，消防通道已畅通"
            await step(MEMBER, note, chat.say(MEMBER, note))
            await step(RESIDENT, "点 [已解决]", chat.press(RESIDENT, "已解决"))
            await step(RESIDENT, "点 [满意]", chat.press(RESIDENT, "满意"))
            await step(RESIDENT, "/ticket 1", chat.say(RESIDENT, "/ticket 1"))
        finally:
            await notifier.aclose()
            await bot.session.close()
            await core.close()
        echo("\nThe ticket went 待签收 → 处理中 → 已办结 → 已关闭; every step is in its history above.")
