"""The README's commands, run as a newcomer runs them: in an empty folder, with nothing but
the package installed. `data/` does not exist yet; every command must create what it needs."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.bot_api_server import FakeBotApi

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "examples" / "org.example.toml"


def gridbot(folder: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_the_readme_names_the_commands_tested_here():
    commands = re.findall(r"gridbot [a-z][^\n`]*", README)
    assert any(c.startswith("gridbot run --load-example") for c in commands)
    assert "python -m pytest -q" in README and "gridbot demo" in README
    assert "gridbot db upgrade" in README and "gridbot org import" in README


def test_db_upgrade_then_org_import_in_an_empty_folder(tmp_path):
    upgraded = gridbot(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "data" / "gridbot.sqlite3").is_file()
    imported = gridbot(tmp_path, "org", "import", str(EXAMPLE))
    assert imported.returncode == 0, imported.stderr
    assert "created" in imported.stdout
    shown = gridbot(tmp_path, "org", "show")
    assert "WT01" in shown.stdout and "join: https://t.me/" in shown.stdout


def test_org_import_alone_creates_the_database(tmp_path):
    imported = gridbot(tmp_path, "org", "import", str(EXAMPLE))
    assert imported.returncode == 0, imported.stderr
    assert (tmp_path / "data" / "gridbot.sqlite3").is_file()


def test_demo_plays_the_loop_in_an_empty_folder(tmp_path):
    demo = gridbot(tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "签收" in demo.stdout and "满意" in demo.stdout
    assert not (tmp_path / "data").exists(), "the demo keeps nothing unless asked"


async def test_run_load_example_in_an_empty_folder_reaches_telegram(tmp_path):
    api = FakeBotApi()
    await api.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
    env.update({"GRIDBOT_TELEGRAM__TOKEN": "4242:NEWCOMER", "GRIDBOT_TELEGRAM__API_BASE": api.base_url,
                "GRIDBOT_TELEGRAM__POLLING_TIMEOUT": "2"})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--load-example", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        polling = asyncio.ensure_future(api.wait_for(lambda c: c.method == "getUpdates", timeout=120))
        exited = asyncio.ensure_future(proc.wait())
        await asyncio.wait({polling, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            polling.cancel()
            pytest.fail(f"gridbot run exited with {proc.returncode}:\n{(await proc.stdout.read()).decode()}")
        exited.cancel()
        assert (tmp_path / "data" / "gridbot.sqlite3").is_file()
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await api.stop()
    output = (await proc.stdout.read()).decode()
    assert "Traceback" not in output, output
