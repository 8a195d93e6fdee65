"""deploy/ runs: its compose file, resolved by a Compose client with a test .env, started as
processes on this machine (no Docker engine here) — the one-shot `migrate`, then gridbot-1
and gridbot-2 in webhook mode once it has succeeded, then Caddy with deploy/Caddyfile —
against the machine's PostgreSQL and Redis, with the local Bot API server as Telegram.

Telegram's part is played through Caddy, over TLS, at the address the compose file gives
the webhook: a post without the secret, or with a wrong one, is refused; residents join and
report, and each report becomes one ticket with its acknowledgement and its grid member's
card. Then gridbot-1 is killed (SIGKILL) and the rest goes through gridbot-2: nothing lost,
and /healthz through Caddy still answers. Skipped with the reason where the Compose client,
Caddy, PostgreSQL or Redis is missing. What it does not run: the image build and Docker's
network (docs/deployment.md).
"""
from __future__ import annotations

import asyncio
import os
import resource
import secrets
import shutil
import signal
import ssl
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.conftest import EXAMPLE_ORG, STAFF_IDS
from tests.support.bot_api_server import FakeBotApi
from tests.support.compose_native import Loopback, NativeCompose, caddy_version, compose_client, resolve
from tests.support.webhook_poster import SECRET_HEADER, WebhookPoster
from tests.support.instances import free_port, redis_or_skip, tickets_by_resident

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

INSTANCES = ("gridbot-1", "gridbot-2")
# The compose file's Redis databases 0 (limits, caches) and 1 (dialogs) become 8 and 9 here:
# the other Redis tests use 5, and a developer's own bot may use 0.
REDIS_DBS = {0: 8, 1: 9}
PROBLEMS = (  # one per grid, each a different matter: no report is taken for another's duplicate
    "3号楼2单元楼道堆满杂物，堵住了消防通道，好几天了没人管",
    "小区东门的路灯坏了一个星期，晚上出入看不清路",
    "垃圾桶满了三天没人清运，天热味道很大",
    "楼下下水道堵了，污水漫到了人行道上",
    "有人在绿地里私搭乱建了一个棚子，占了大半块草坪",
    "广场舞音响太吵，晚上十点了还没停",
)


@dataclass
class Grid:
    code: str
    name: str
    member: int


def grids() -> list[Grid]:
    org = tomllib.loads(EXAMPLE_ORG.read_text(encoding="utf-8"))
    return [Grid(g["code"], g["name"], g["member"]["telegram_id"])
            for street in org["street"] for community in street["community"] for g in community["grid"]]


async def until_answered(api: FakeBotApi, residents: dict[int, Grid], report: dict[int, str]) -> None:
    """Every reporting resident's acknowledgement and its grid member's card arrived."""
    for uid in report:
        await api.wait_for_text(uid, "已受理", timeout=20)
        await api.wait_for(lambda c, uid=uid: c.ok and c.chat_id == residents[uid].member
                           and report[uid] in (c.text or ""), timeout=20)


async def test_the_deployment_folder_runs(postgres_url, tmp_path):
    client = compose_client()
    if client is None:
        pytest.skip("no Compose client (docker-compose or docker compose) to resolve deploy/compose.yaml")
    if shutil.which("caddy") is None:
        pytest.skip("caddy is not installed (Debian package caddy)")
    for db in REDIS_DBS.values():
        await redis_or_skip(f"redis://127.0.0.1:6379/{db}")
    pytest.importorskip("yaml", reason="PyYAML (the test extra) reads the resolved compose file")
    started, cpu = time.monotonic(), _cpu_seconds()

    proxy_port = free_port()
    token = f"{secrets.randbelow(10**8) + 10**8}:DEPLOY-TEST-TOKEN-NEVER-LOGGED"
    secret = "deploy-test_" + secrets.token_urlsafe(24)
    config = resolve(client, tmp_path, {
        "GRIDBOT_TELEGRAM__TOKEN": token, "GRIDBOT_TELEGRAM__WEBHOOK_SECRET": secret,
        "BOT_DOMAIN": f"localhost:{proxy_port}", "POSTGRES_PASSWORD": secrets.token_hex(8)})
    webhook_url = config["services"]["gridbot-1"]["environment"]["GRIDBOT_TELEGRAM__WEBHOOK_URL"]
    assert urlsplit(webhook_url).netloc == f"localhost:{proxy_port}"  # Telegram posts to Caddy
    (tmp_path / "deploy" / "config").mkdir()
    shutil.copy(EXAMPLE_ORG, tmp_path / "deploy" / "config" / "org.toml")  # ./config:/config:ro

    # Residents with ids of this run: dialogs in Redis are keyed by user, not by bot.
    base = 970_000_000 + secrets.randbelow(10**6) * 10
    residents = {base + i: grid for i, grid in enumerate(grids())}
    before, after = list(residents)[:3], list(residents)[3:]
    intruder = base + 9

    async with FakeBotApi(reachable=STAFF_IDS) as api:
        loopback = Loopback(postgres_url, api.base_url, REDIS_DBS, {n: free_port() for n in INSTANCES},
                            redis_prefix=f"gridbot-deploytest-{secrets.token_hex(4)}")
        compose = NativeCompose(config, loopback, tmp_path, caddy_http_port=free_port())
        try:
            await compose.up(["migrate", *INSTANCES, "caddy"])  # `up -d`: all started, migrate done
            migrated = time.monotonic() - started
            # The first start's remaining steps, as the compose file's comment gives them, while
            # the instances come up (`up --wait` would wait for their healthchecks).
            async with asyncio.TaskGroup() as steps:
                steps.create_task(compose.run("migrate", ["gridbot", "org", "import", "/config/org.toml"]))
                steps.create_task(compose.run("migrate", ["gridbot", "webhook", "set"]))
                for name in INSTANCES:
                    steps.create_task(compose.wait_healthy(name, timeout=180))
            up = time.monotonic() - started
            (hook,) = api.calls("setWebhook")
            assert hook.params["url"] == webhook_url and hook.params["secret_token"] == secret

            tls = ssl.create_default_context(cafile=str(compose.caddy_root))  # Caddy's internal CA
            origin = f"https://localhost:{proxy_port}"
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls),
                                             timeout=aiohttp.ClientTimeout(total=30)) as http:
                telegram = WebhookPoster(http, webhook_url, secret)
                # Only the webhook and /healthz are passed on; the secret is checked behind Caddy.
                async with http.get(origin + "/healthz") as r:
                    assert r.status == 200
                for path in ("/readyz", "/"):
                    async with http.get(origin + path) as r:
                        assert r.status == 404, path
                # Posts without the secret or with a wrong one, until each instance has refused
                # one: Caddy's round robin reaches both once its own /readyz checks (every 5 s)
                # have seen them ready; until then it answers 503 itself.
                probe = api.push_message(intruder, PROBLEMS[0], first_name="冒充者")
                for attempt in range(40):
                    headers = {SECRET_HEADER: "not-" + secret} if attempt % 2 else {}
                    async with http.post(webhook_url, json=probe, headers=headers) as r:
                        assert r.status in (401, 503), (r.status, headers)
                    if all("refused" in compose.running[n].text() for n in INSTANCES):
                        break
                    await asyncio.sleep(0.5)
                refusing = [n for n in INSTANCES if "refused" in compose.running[n].text()]
                assert refusing == list(INSTANCES), "Caddy did not spread the posts over both instances"

                for uid, grid in residents.items():
                    await telegram.deliver(api.push_message(uid, f"/start {grid.code}", first_name="居民"))
                    await api.wait_for_text(uid, grid.name, timeout=20)  # the welcome names the grid
                report = {uid: PROBLEMS[i] for i, uid in enumerate(residents)}
                for uid in before:
                    await telegram.deliver(api.push_message(uid, report[uid], first_name="居民"))
                await until_answered(api, residents, {u: report[u] for u in before})

                killed = compose.running["gridbot-1"].proc
                killed.send_signal(signal.SIGKILL)
                assert await killed.wait() == -signal.SIGKILL
                posts = telegram.posts
                for uid in after:  # joined through either instance, report through gridbot-2
                    await telegram.deliver(api.push_message(uid, report[uid], first_name="居民"))
                await until_answered(api, residents, {u: report[u] for u in after})
                retried = telegram.posts - posts - len(after)
                if caddy_version() >= (2, 11, 2):
                    assert retried == 0, telegram.statuses  # Caddy itself re-sent them to gridbot-2
                # Older Caddy cannot re-send a POST's body after a refused connection (caddy
                # issue 7546): such an update gets a 502, and Telegram delivers it again.
                async with http.get(origin + "/healthz") as r:
                    assert r.status == 200  # a monitor still sees the service alive
            survivor = compose.running["gridbot-2"]
            assert survivor.proc.returncode is None, survivor.tail()
        finally:
            await compose.down()
            await _forget(loopback, residents)
        elapsed = time.monotonic() - started

    tickets = await tickets_by_resident(postgres_url)
    assert tickets == Counter(list(residents))  # every report one ticket, the intruder's none
    for uid, grid in residents.items():
        acks = [t for t in api.texts(uid) if "已受理" in t]
        cards = [t for t in api.texts(grid.member) if report[uid] in t]
        assert len(acks) == 1 and len(cards) == 1, (uid, acks, cards)
    assert api.texts(intruder) == []
    for process in compose.processes:  # the services and the one-off runs
        log = process.text()
        assert token.split(":")[1] not in log and secret not in log, process.log.name
        if process.proc.returncode != -signal.SIGKILL:
            assert "Traceback" not in log, (process.log.name, log[-3000:])
    print(f"\ndeploy: migrated in {migrated:.1f}s, up and healthy in {up:.1f}s, "
          f"{len(residents)} reports, gridbot-1 killed, {retried} posts retried after (Caddy "
          f"{'.'.join(map(str, caddy_version()))}; answers {dict(telegram.statuses)}); {elapsed:.1f}s in all, "
          f"CPU {_cpu_seconds() - cpu:.1f}s, load average {os.getloadavg()[0]:.1f}")


def _cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (the services), user + system."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def _forget(loopback: Loopback, residents: dict) -> None:
    """This run's keys out of Redis: its prefix in the limits' database, its residents'
    dialogs in the dialogs' database."""
    from redis.asyncio import Redis

    for db, patterns in ((loopback.redis_dbs[0], [f"{loopback.redis_prefix}:*"]),
                         (loopback.redis_dbs[1], [f"fsm:{uid}:*" for uid in residents])):
        client = Redis.from_url(f"redis://127.0.0.1:6379/{db}")
        try:
            for pattern in patterns:
                keys = [k async for k in client.scan_iter(match=pattern)]
                if keys:
                    await client.delete(*keys)
        finally:
            await client.aclose()
