"""deploy/ as containers: the compose file run by docker-compose against Podman's Docker API,
with the local Bot API server (tests/support/bot_api_server.py) as Telegram. Run by
deploy/sandbox/run.sh, which builds the stand-in images and starts Podman's service first.

It follows docs/deployment.md: `up -d` (migrate once, then the two instances), the first
start's `org import` and `webhook set` through the migrate service, reports through Caddy
over TLS, gridbot-1 killed, a backup (pg_dump) and its restore, and an upgrade (build, the
migrate service, the instances recreated one at a time). Prints PASS or FAIL with figures.
Needs root (Podman), the project's virtualenv and PYTHONPATH at the repository's root.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

import aiohttp

from tests.support.bot_api_server import FakeBotApi
from tests.support.webhook_poster import SECRET_HEADER, WebhookPoster

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = ["docker-compose", "-f", "compose.yaml", "-f", "sandbox/compose.sandbox.yaml"]
PROJECT = "deploy"  # docker-compose's project name: the folder's
ORIGIN = "https://localhost"  # BOT_DOMAIN=localhost: Caddy's internal certificate
PROBLEMS = (  # one per grid, each a different matter: none is taken for another's duplicate
    "3号楼楼道堆满杂物，堵住了消防通道",
    "小区东门的路灯坏了一个星期，晚上出入看不清路",
    "垃圾桶满了三天没人清运，天热味道很大",
    "楼下下水道堵了，污水漫到了人行道上",
    "有人在绿地里私搭乱建了一个棚子，占了大半块草坪",
    "广场舞音响太吵，晚上十点了还没停",
)


class Failed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    print(f"  ok  {what}", flush=True)


async def sh(*cmd: str, ok: bool = True, timeout: float = 600) -> tuple[int, str]:
    """Runs a command in deploy/ with its output captured; raises Failed on a non-zero exit
    unless ok=False."""
    proc = await asyncio.create_subprocess_exec(*cmd, cwd=DEPLOY, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    text = out.decode(errors="replace")
    if ok and proc.returncode:
        raise Failed(f"{' '.join(cmd)} exited {proc.returncode}:\n{text[-3000:]}")
    return proc.returncode, text


async def compose(*args: str, ok: bool = True, timeout: float = 900) -> str:
    print(f"  $ docker-compose {' '.join(args)}", flush=True)
    return (await sh(*COMPOSE, *args, ok=ok, timeout=timeout))[1]


async def container(service: str) -> str:
    ids = (await sh(*COMPOSE, "ps", "-q", service))[1].split()
    if not ids:
        raise Failed(f"no container for {service}")
    return ids[-1]


async def inspect(cid: str, fmt: str) -> str:
    return (await sh("podman", "inspect", cid, "--format", fmt))[1].strip()


async def health_ticker() -> None:
    """Podman 4.3 runs healthchecks from systemd timers; without systemd (this machine) it
    never runs them, and `depends_on: service_healthy` would wait forever. This plays the
    timer: every 5 s each running container of the project runs its healthcheck."""
    while True:
        _, ids = await sh("podman", "ps", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}")
        for cid in ids.split():
            await sh("podman", "healthcheck", "run", cid, ok=False)
        await asyncio.sleep(5)


async def wait_healthy(service: str, timeout: float = 240) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if await inspect(await container(service), "{{.State.Health.Status}}") == "healthy":
                return time.monotonic() - started
        except Failed:
            pass
        await asyncio.sleep(1)
    raise Failed(f"{service} not healthy after {timeout:.0f}s")


async def psql(sql: str, db: str = "gridbot") -> str:
    pg = await container("postgres")
    return (await sh("podman", "exec", pg, "psql", "-U", "gridbot", "-d", db, "-tAc", sql))[1].strip()


async def tickets() -> Counter:
    rows = await psql("SELECT r.telegram_id FROM tickets t JOIN residents r ON r.id = t.resident_id")
    return Counter(int(x) for x in rows.split())


async def report(api: FakeBotApi, telegram: WebhookPoster, uid: int, grid: dict, text: str) -> None:
    """A resident joins a grid (/start CODE) and reports: one acknowledgement to them, one
    card to the grid's member."""
    await telegram.deliver(api.push_message(uid, f"/start {grid['code']}", first_name="居民"))
    await api.wait_for_text(uid, grid["name"], timeout=30)
    await telegram.deliver(api.push_message(uid, text, first_name="居民"))
    await api.wait_for_text(uid, "已受理", timeout=30)
    member = grid["member"]["telegram_id"]
    await api.wait_for(lambda c: c.ok and c.chat_id == member and text in (c.text or ""), timeout=30)


async def stats() -> dict[str, str]:
    """Each running container's memory as its cgroup counts it (`podman stats`: page cache
    included) and the RSS of its main process (/proc/PID/status on the host)."""
    _, out = await sh("podman", "stats", "--no-stream", "--format", "json", ok=False)
    try:
        cgroup = {s["name"]: s["mem_usage"].split(" / ")[0] for s in json.loads(out)}
    except (ValueError, KeyError, TypeError):
        return {"podman stats": out.strip()[:200]}
    figures = {}
    for name, mem in sorted(cgroup.items()):
        pid = await inspect(name, "{{.State.Pid}}")
        if pid == "0":
            continue  # not running
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
        figures[name] = f"cgroup {mem}, PID 1 RSS {rss:.0f} MB"
    return figures


async def main() -> int:
    env = dict(line.split("=", 1) for line in (DEPLOY / ".env").read_text().splitlines()
               if "=" in line and not line.startswith("#"))
    secret, token = env["GRIDBOT_TELEGRAM__WEBHOOK_SECRET"], env["GRIDBOT_TELEGRAM__TOKEN"]
    api_host, api_port = re.match(r"http://([\d.]+):(\d+)$", env["GRIDBOT_TELEGRAM__API_BASE"]).groups()
    org = tomllib.loads((DEPLOY / "config" / "org.toml").read_text(encoding="utf-8"))
    grids = [g for s in org["street"] for c in s["community"] for g in c["grid"]]
    staff = {int(i) for i in re.findall(r"telegram_id\s*=\s*(\d+)", (DEPLOY / "config" / "org.toml").read_text())}
    residents = {970_000_001 + i: (grid, PROBLEMS[i]) for i, grid in enumerate(grids[:len(PROBLEMS)])}
    figures: dict[str, object] = {}
    ticker = asyncio.create_task(health_ticker())
    api = FakeBotApi(reachable=staff)
    t0 = time.monotonic()
    try:
        print("== up", flush=True)
        # The network's bridge exists once a container is on it: the stand-in for Telegram
        # listens on its gateway, so the data services start first.
        await compose("up", "-d", "postgres", "redis")
        await api.start(api_host, int(api_port))
        await compose("up", "-d")
        for name in ("gridbot-1", "gridbot-2"):
            await wait_healthy(name)
        figures["up -d to both instances healthy"] = f"{time.monotonic() - t0:.1f}s"
        migrate = await container("migrate")
        check(await inspect(migrate, "{{.State.Status}} {{.State.ExitCode}}") == "exited 0", "migrate ran and exited 0")
        check(await psql("SELECT version_num FROM alembic_version") != "", "schema migrated")

        print("== first start (docs/deployment.md, compose.yaml's comment)", flush=True)
        await compose("run", "--rm", "migrate", "gridbot", "org", "import", "/config/org.toml")
        said = await compose("run", "--rm", "migrate", "gridbot", "webhook", "set")
        (hook,) = api.calls("setWebhook")
        check(hook.params["url"] == f"{ORIGIN}/telegram/webhook" and hook.params["secret_token"] == secret
              and f"webhook set: {ORIGIN}/telegram/webhook" in said and secret not in said,
              "setWebhook registered https://localhost/telegram/webhook with the secret (not printed)")

        print("== through Caddy over TLS", flush=True)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False),
                                         timeout=aiohttp.ClientTimeout(total=30)) as http:
            async with http.get(ORIGIN + "/healthz") as r:
                check(r.status == 200, "/healthz answers 200")
            for path in ("/readyz", "/"):
                async with http.get(ORIGIN + path) as r:
                    check(r.status == 404, f"{path} is not passed on (404)")
            probe = api.push_message(970_000_999, PROBLEMS[0], first_name="冒充者")
            for headers in ({}, {SECRET_HEADER: "wrong-" + secret}):
                for _ in range(20):  # 503 from Caddy until its /readyz checks (every 5 s) see an instance
                    async with http.post(f"{ORIGIN}/telegram/webhook", json=probe, headers=headers) as r:
                        if r.status != 503:
                            break
                    await asyncio.sleep(1)
                check(r.status == 401, f"a post {'with a wrong' if headers else 'without the'} secret is refused (401)")
            telegram = WebhookPoster(http, f"{ORIGIN}/telegram/webhook", secret, attempts=10)
            order = list(residents)
            for uid in order[:3]:
                await report(api, telegram, uid, *residents[uid])
            check(await tickets() == Counter(order[:3]), "3 reports, 3 tickets in PostgreSQL, acks and cards sent")

            print("== gridbot-1 killed", flush=True)
            await sh("podman", "kill", await container("gridbot-1"))
            await report(api, telegram, order[3], *residents[order[3]])
            check(await tickets() == Counter(order[:4]), "a report after the kill went through gridbot-2")
            async with http.get(ORIGIN + "/healthz") as r:
                check(r.status == 200, "/healthz still 200 with gridbot-1 dead")
            figures["gridbot-1 after podman kill"] = await inspect(await container("gridbot-1"), "{{.State.Status}}")

            print("== backup and restore (docs/deployment.md: Backups)", flush=True)
            pg, url = await container("postgres"), f"postgresql://gridbot:{env['POSTGRES_PASSWORD']}@127.0.0.1/gridbot"
            await sh("podman", "exec", pg, "pg_dump", "--format=custom", "--no-owner", "--file", "/tmp/gridbot.dump", url)
            await sh("podman", "exec", pg, "createdb", "-U", "gridbot", "gridbot_restored")
            await sh("podman", "exec", pg, "pg_restore", "--no-owner", "-U", "gridbot", "--dbname", "gridbot_restored", "/tmp/gridbot.dump")
            count = "SELECT count(*) FROM tickets"
            check(await psql(count, "gridbot_restored") == await psql(count) == "4"
                  and await psql("SELECT version_num FROM alembic_version", "gridbot_restored")
                  == await psql("SELECT version_num FROM alembic_version"), "the dump restores: 4 tickets, same migration")

            print("== upgrade (docs/deployment.md: build, migrate, one instance at a time)", flush=True)
            before = {n: await inspect(await container(n), "{{.Image}}") for n in ("gridbot-1", "gridbot-2")}
            # --no-cache stands for a new version: the same source would give the same image,
            # and compose would leave the instances as they are.
            t = time.monotonic()
            await compose("build", "--no-cache", "migrate")
            figures["image rebuild (--no-cache)"] = f"{time.monotonic() - t:.0f}s"
            await compose("run", "--rm", "migrate")
            rolling = asyncio.create_task(report(api, telegram, order[4], *residents[order[4]]))
            for name in ("gridbot-1", "gridbot-2"):
                await compose("up", "-d", "--no-deps", name)
                figures[f"{name} recreated, healthy after"] = f"{await wait_healthy(name):.1f}s"
            await rolling
            await report(api, telegram, order[5], *residents[order[5]])
            after = {n: await inspect(await container(n), "{{.Image}}") for n in before}
            check(all(after[n] != before[n] for n in before), "both instances run the new image")
            check(await tickets() == Counter(order), "reports during and after the roll: one ticket each")

            print("== a crash: gridbot-2's process killed (not `podman kill`)", flush=True)
            # `restart: unless-stopped` brings a crashed instance back; a container stopped
            # by hand (`podman kill` above) stays down, as Docker does.
            cid = await container("gridbot-2")
            os.kill(int(await inspect(cid, "{{.State.Pid}}")), signal.SIGKILL)
            t = time.monotonic()
            while await inspect(cid, "{{.RestartCount}}") == "0" and time.monotonic() - t < 60:
                await asyncio.sleep(0.5)
            check(await inspect(cid, "{{.RestartCount}}") != "0", "the restart policy restarted the crashed instance")
            await wait_healthy("gridbot-2")
            figures["gridbot-2 crashed, restarted and healthy after"] = f"{time.monotonic() - t:.1f}s"
            async with http.get(ORIGIN + "/healthz") as r:
                check(r.status == 200, "/healthz 200 after the crash")

            print("== a clean stop (SIGTERM to the container's PID 1)", flush=True)
            t = time.monotonic()
            await compose("stop", "gridbot-1")  # compose's 10 s, then SIGKILL
            figures["gridbot-1 stopped in"] = f"{time.monotonic() - t:.1f}s"
            code = await inspect(await container("gridbot-1"), "{{.State.ExitCode}}")
            check(code in ("0", "143"), f"gridbot-1 stopped on SIGTERM, not killed at the timeout (exit {code})")

        print("== what was sent and logged", flush=True)
        for uid, (grid, text) in residents.items():
            acks = [t for t in api.texts(uid) if "已受理" in t]
            cards = [t for t in api.texts(grid["member"]["telegram_id"]) if text in t]
            check(len(acks) == 1 and len(cards) == 1, f"resident {uid}: 1 acknowledgement, 1 card")
        check(api.texts(970_000_999) == [] and await psql(count) == str(len(residents)), "the refused posts made nothing")
        _, image_files = await sh("podman", "run", "--rm", "gridbot:latest", "find", "/app", "-name", ".env")
        check(image_files.strip() == "", "no .env in the image (.dockerignore)")
        _, names = await sh(*COMPOSE, "ps", "-q", "-a")
        for cid in names.split():
            _, log = await sh("podman", "logs", cid)
            check(token.split(":")[1] not in log and secret not in log,
                  f"{await inspect(cid, '{{.Name}}')}: no token or secret in its log")
        figures["memory (podman stats)"] = await stats()
        figures["Telegram's posts answered"] = dict(telegram.statuses)
        print(f"PASS in {time.monotonic() - t0:.0f}s", flush=True)
        return 0
    except (Failed, AssertionError, asyncio.TimeoutError) as exc:
        print(f"FAIL: {exc!r}", flush=True)
        return 1
    finally:
        for key, value in figures.items():
            print(f"  {key}: {value}")
        ticker.cancel()
        await api.stop()


if __name__ == "__main__":
    os.environ.setdefault("DOCKER_HOST", "unix:///run/podman/podman.sock")
    sys.exit(asyncio.run(main()))
