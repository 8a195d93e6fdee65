"""`gridbot webhook set` registers the URL with the secret and the update types that have
handlers; `gridbot webhook delete` takes it back. The secret never reaches the output."""
from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from tests.support.bot_api_server import FakeBotApi

ROOT = Path(__file__).resolve().parents[3]
SECRET = "cli-secret_VALUE-1234"


async def gridbot(api: FakeBotApi, tmp_path, *args: str, **extra: str) -> tuple[int, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), GRIDBOT_TELEGRAM__TOKEN="4242:CLI-TOKEN",
               GRIDBOT_TELEGRAM__API_BASE=api.base_url,
               GRIDBOT_DATABASE__URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}", **extra)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return proc.returncode, out.decode()


async def test_set_and_delete_the_webhook(tmp_path):
    async with FakeBotApi() as api:
        code, out = await gridbot(api, tmp_path, "webhook", "set", GRIDBOT_TELEGRAM__WEBHOOK_SECRET=SECRET,
                                  GRIDBOT_TELEGRAM__WEBHOOK_URL="https://bot.example.org/telegram/webhook")
        assert code == 0, out
        (call,) = api.calls("setWebhook")
        assert call.params["url"] == "https://bot.example.org/telegram/webhook"
        assert call.params["secret_token"] == SECRET
        allowed = call.params["allowed_updates"]
        allowed = json.loads(allowed) if isinstance(allowed, str) else allowed
        assert {"message", "callback_query"} <= set(allowed)
        assert SECRET not in out
        # The URL printed is the one Telegram reports back (getWebhookInfo), not the setting's.
        assert "webhook set: https://bot.example.org/telegram/webhook (updates: " in out, out

        code, out = await gridbot(api, tmp_path, "webhook", "set")  # no secret: refused
        assert code != 0 and "webhook_url" in out

        code, out = await gridbot(api, tmp_path, "webhook", "delete")
        assert code == 0, out
        assert api.calls("deleteWebhook")
