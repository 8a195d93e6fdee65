"""Several `gridbot run` processes in webhook mode on loopback, for the scale test and
bench/scale.py: a generated organisation with many grids (one grid member each, so the
1/s per chat limit does not make the test about one person), a process launcher, and a
stand-in for Telegram that posts updates to the instances and fails over when one dies."""
from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import signal
import socket
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
SECRET = "scale-test-secret_" + "x" * 8
GRIDS = 25
MEMBER_BASE = 800_000


def org_file(folder: Path, grids: int = GRIDS) -> Path:
    lines = ['[[street]]', 'code = "SC"', 'name = "规模街道"', 'cadres = [{ telegram_id = 810000, name = "街道主任" }]',
             '', '[[street.community]]', 'code = "SC-C"', 'name = "规模社区"',
             'cadres = [{ telegram_id = 810001, name = "社区书记" }]']
    for n in range(1, grids + 1):
        lines += ['', '[[street.community.grid]]', f'code = "G{n:02d}"', f'name = "规模{n}网格"',
                  f'member = {{ telegram_id = {MEMBER_BASE + n}, name = "网格员{n}" }}']
    path = folder / "org.scale.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def member_ids(grids: int = GRIDS) -> list[int]:
    return [MEMBER_BASE + n for n in range(1, grids + 1)] + [810000, 810001]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def redis_or_skip(url: str) -> str:
    """`url`, or the test skipped with the reason when Redis does not answer there."""
    import pytest
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception:  # noqa: BLE001 - whatever the reason, the test cannot run
        pytest.skip(f"Redis does not answer at {url}")
    finally:
        await client.aclose()
    return url


async def tickets_by_resident(db_url: str) -> Counter:
    """Tickets per resident's Telegram id, read straight from PostgreSQL at `db_url`."""
    import asyncpg

    conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch("SELECT r.telegram_id FROM tickets t JOIN residents r ON r.id = t.resident_id")
    finally:
        await conn.close()
    return Counter(r["telegram_id"] for r in rows)


def base_env(api_base: str, db_url: str, redis_url: str | None, token: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.update({
        "GRIDBOT_TELEGRAM__TOKEN": token or f"{secrets.randbelow(10**8) + 10**8}:SCALE-TOKEN-NEVER-LOGGED",
        "GRIDBOT_TELEGRAM__API_BASE": api_base,
        "GRIDBOT_TELEGRAM__MODE": "webhook",
        "GRIDBOT_TELEGRAM__WEBHOOK_SECRET": SECRET,
        "GRIDBOT_DATABASE__URL": db_url,
        "GRIDBOT_CADRE__DUPLICATE_DAYS": "0",  # every report opens a ticket: no "follow this one?"
        "GRIDBOT_DIGESTS__DAILY": "", "GRIDBOT_DIGESTS__WEEKLY": "",
        "GRIDBOT_DIGESTS__HALF_MONTH": "", "GRIDBOT_DIGESTS__MONTHLY": "", "GRIDBOT_CADRE__BULLETIN": "",
    })
    if redis_url:
        env["GRIDBOT_REDIS__URL"] = redis_url
        env["GRIDBOT_REDIS__PREFIX"] = f"gridbot-test-{secrets.token_hex(4)}"
        env["GRIDBOT_FSM_STORAGE"] = redis_url
    return env


class ThreadedApi:
    """FakeBotApi on its own event loop in its own thread: a load generator sharing its loop
    would stamp requests late in bursts, and the limits it checks would measure the test."""

    def __init__(self, **kwargs: Any) -> None:
        from tests.support.bot_api_server import FakeBotApi

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-bot-api", daemon=True)
        self.thread.start()
        self.api = FakeBotApi(**kwargs)
        asyncio.run_coroutine_threadsafe(self.api.start(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.api.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Instance:
    port: int
    proc: asyncio.subprocess.Process
    log: Path
    alive: bool = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.alive = False
        self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def start_instance(env: dict[str, str], folder: Path, *args: str) -> Instance:
    port = free_port()
    env = dict(env, GRIDBOT_WEB__PORT=str(port),
               GRIDBOT_TELEGRAM__WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook")
    log = folder / f"gridbot-{port}.log"
    with log.open("wb") as out:  # the child keeps its own descriptor
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *args, cwd=folder, env=env,
            stdout=out, stderr=asyncio.subprocess.STDOUT)
    return Instance(port, proc, log)


async def wait_ready(instances: list[Instance], timeout: float = 90) -> float:
    """Seconds until every instance's /readyz answers 200; fails with the log otherwise."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        for inst in instances:
            while True:
                if inst.proc.returncode is not None:
                    raise RuntimeError(f"gridbot exited {inst.proc.returncode}:\n{inst.log.read_text()[-3000:]}")
                try:
                    # ready, and taking webhooks: the route appears once the Dispatcher exists
                    async with http.get(inst.url + "/readyz") as r, http.post(inst.url + "/telegram/webhook") as w:
                        if r.status == 200 and w.status == 401:
                            break
                except aiohttp.ClientError:
                    pass
                if loop.time() - started > timeout:
                    inst.proc.send_signal(signal.SIGUSR1)  # its stacks, into its log
                    await asyncio.sleep(1)
                    raise TimeoutError(f"not ready in {timeout}s:\n{inst.log.read_text()[-6000:]}")
                await asyncio.sleep(0.2)
    return loop.time() - started


@dataclass
class Telegram:
    """Posts updates to the instances as Telegram would: round robin, at most `connections`
    at once, and an update whose post fails goes again to another live instance."""

    instances: list[Instance]
    connections: int = 40
    posted: int = 0
    acknowledged: int = 0
    redelivered: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    _turn: Any = field(default_factory=itertools.count)

    async def __aenter__(self) -> Self:
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        self.slots = asyncio.Semaphore(self.connections)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()

    def _next(self) -> Instance:
        live = [i for i in self.instances if i.alive]
        return live[next(self._turn) % len(live)]

    async def post(self, update: dict[str, Any]) -> None:
        async with self.slots:
            for attempt in range(10):
                inst = self._next()
                self.posted += 1
                try:
                    async with self.http.post(inst.url + "/telegram/webhook", json=update,
                                              headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
                        self.statuses[r.status] = self.statuses.get(r.status, 0) + 1
                        if r.status == 200:
                            self.acknowledged += 1
                            return
                except (TimeoutError, aiohttp.ClientError):
                    pass
                self.redelivered += 1  # no 200: Telegram sends it again
                await asyncio.sleep(0.2 * (attempt + 1))
            raise RuntimeError(f"update {update['update_id']} never acknowledged")
