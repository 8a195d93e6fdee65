"""deploy/ run without a Docker engine: its compose file resolved by a Compose client, and
its services started as processes on this machine, the way compose would start them.

What is taken from the resolved file, never re-typed: each service's command, environment
(with deploy/.env merged in), volumes, depends_on and healthcheck, and Caddy's own Caddyfile.
What changes, because there are no containers: the services' hostnames become loopback
(`Loopback`), the container port 8080 becomes a free port per instance, Telegram's address
becomes the local Bot API server, and `gridbot` is this checkout's console script.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CONTAINER_PORT = 8080  # what every gridbot service listens on inside its container


def compose_client() -> list[str] | None:
    """`docker-compose` (v1, Debian's) or `docker compose` (v2), whichever is installed."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


def resolve(client: list[str], folder: Path, dotenv: dict[str, str]) -> dict:
    """`compose config` on a copy of deploy/ (in `folder`/deploy) with `dotenv` as its .env:
    the file as compose would run it (anchors merged, ${...} filled, env_file folded into
    each service's environment, relative paths made absolute)."""
    import yaml

    copy = folder / "deploy"
    shutil.copytree(DEPLOY, copy)
    (copy / ".env").write_text("".join(f"{k}={v}\n" for k, v in dotenv.items()), encoding="utf-8")
    done = subprocess.run([*client, "-f", str(copy / "compose.yaml"), "config"],
                          capture_output=True, text=True, cwd=copy, timeout=60)
    if done.returncode:
        raise RuntimeError(f"compose config failed:\n{done.stderr}")
    return yaml.safe_load(done.stdout)


def start_order(services: dict, wanted: Iterable[str]) -> list[list[str]]:
    """`wanted` in waves, as compose starts them: a service comes in the wave after the last
    one it depends on. Dependencies outside `wanted` (the machine's own PostgreSQL and
    Redis) count as met."""
    wanted = set(wanted)
    waves: list[list[str]] = []
    placed: set[str] = set()
    while placed != wanted:
        wave = sorted(n for n in wanted - placed
                      if set(services[n].get("depends_on") or {}) & wanted <= placed)
        if not wave:
            raise ValueError(f"depends_on has a cycle among {sorted(wanted - placed)}")
        waves.append(wave)
        placed.update(wave)
    return waves


def conditions(service: dict) -> dict[str, str]:
    """depends_on as {service: condition} (a plain list means service_started)."""
    needs = service.get("depends_on") or {}
    if isinstance(needs, list):
        return {n: "service_started" for n in needs}
    return {n: (v or {}).get("condition", "service_started") for n, v in needs.items()}


@dataclass
class Loopback:
    """Where the compose network's names lead on this machine.

    database_url: the fresh test database that stands for service `postgres` (its user and
    database name, since trust authentication takes no password and the test database is
    new). redis_dbs: the compose file's Redis database numbers → numbers free for this test.
    ports: gridbot service → the port it gets in place of the container's 8080."""

    database_url: str
    api_base: str
    redis_dbs: dict[int, int]
    ports: dict[str, int] = field(default_factory=dict)
    redis_prefix: str = "gridbot"

    def url(self, value: str) -> str:
        """`value` with a compose hostname in a URL replaced; other values unchanged."""
        parts = urlsplit(value)
        if parts.hostname == "postgres":
            from sqlalchemy.engine import make_url

            test = make_url(self.database_url)
            return make_url(value).set(host=test.host, port=test.port, database=test.database,
                                       username=test.username).render_as_string(hide_password=False)
        if parts.hostname == "redis":
            db = int(parts.path.strip("/") or 0)
            return urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port or 6379}", path=f"/{self.redis_dbs[db]}"))
        return value


def native_env(name: str, service: dict, loopback: Loopback, home: Path) -> dict[str, str]:
    """The process environment for service `name`: the resolved `environment`, its hostnames
    on loopback, its port its own, Telegram at the local server. Nothing of the caller's
    GRIDBOT_* leaks in: a container starts with its environment only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))  # the image pip-installs the checkout
    for key, value in (service.get("environment") or {}).items():
        env[key] = loopback.url(str(value))
    if env.get("GRIDBOT_WEB__HOST") == "0.0.0.0":  # all of the container's interfaces: here, loopback
        env["GRIDBOT_WEB__HOST"] = "127.0.0.1"
    if env.get("GRIDBOT_WEB__PORT") == str(CONTAINER_PORT) and name in loopback.ports:
        env["GRIDBOT_WEB__PORT"] = str(loopback.ports[name])
    env["GRIDBOT_TELEGRAM__API_BASE"] = loopback.api_base
    # Per run: the limits' counters (reports per hour...) of an earlier run stay out.
    env["GRIDBOT_REDIS__PREFIX"] = loopback.redis_prefix
    left = [k for k, v in env.items() if k.startswith("GRIDBOT_") and urlsplit(v).hostname in ("postgres", "redis")]
    assert not left, f"still pointing into the compose network: {left}"
    return env


def volume_map(service: dict) -> dict[str, Path]:
    """Container path → host path, from the resolved `volumes` (named volumes left out)."""
    out = {}
    for volume in service.get("volumes") or []:
        source, target, *_ = volume.split(":") if isinstance(volume, str) else (volume["source"], volume["target"])
        if source.startswith("/"):
            out[target] = Path(source)
    return out


def native_argv(command: list[str], service: dict) -> list[str]:
    """`command` for this machine: `gridbot` is this venv's console script (`python -m bot`
    without one), paths inside mounted volumes are their host paths."""
    mounts = volume_map(service)
    argv = []
    for arg in command:
        for target, source in mounts.items():
            if arg == target or arg.startswith(target + "/"):
                arg = str(source) + arg[len(target):]
        argv.append(arg)
    if argv[0] == "gridbot":
        script = Path(sys.executable).with_name("gridbot")
        argv[:1] = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    return argv


async def healthcheck(service: dict, port: int, env: dict[str, str]) -> bool:
    """One run of the service's own healthcheck command (CMD form), aimed at `port` in place
    of the container's 8080; True when it exits 0."""
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD", test
    argv = [a.replace(f"127.0.0.1:{CONTAINER_PORT}", f"127.0.0.1:{port}") for a in test[1:]]
    if argv[0] == "python":
        argv[0] = sys.executable
    proc = await asyncio.create_subprocess_exec(*argv, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)
    try:
        return await asyncio.wait_for(proc.wait(), 5) == 0
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return False


def caddyfile(text: str, upstreams: dict[str, int], http_port: int) -> str:
    """deploy/Caddyfile for loopback: each `<service>:8080` upstream → 127.0.0.1:<its port>.
    Global options added, for a test on a shared machine only: no admin endpoint (port 2019
    may be taken), Caddy's internal CA not installed into the system's trust store,
    listeners on loopback, and the HTTP→HTTPS redirect on a free port, not 80."""
    for name, port in upstreams.items():
        text, n = re.subn(rf"\b{re.escape(name)}:{CONTAINER_PORT}\b", f"127.0.0.1:{port}", text)
        assert n, f"{name}:{CONTAINER_PORT} is not an upstream in the Caddyfile"
    options = f"\tadmin off\n\tskip_install_trust\n\tdefault_bind 127.0.0.1\n\thttp_port {http_port}\n"
    # The global options block, if the file has one, is its first block: `{` alone on a line.
    first = re.search(r"^[ \t]*([^#\s].*)$", text, re.MULTILINE)
    if first and first.group(1).strip() == "{":
        return text[:first.end()] + "\n" + options + text[first.end() + 1:]
    return "{\n" + options + "}\n\n" + text


def caddy_version() -> tuple[int, ...]:
    """The installed Caddy's version, e.g. (2, 6, 2) from `caddy version`."""
    out = subprocess.run(["caddy", "version"], capture_output=True, text=True, timeout=30).stdout
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", out)
    assert found, out
    return tuple(int(n) for n in found.groups())


# The caddy:2 image's CMD (the compose file gives the service none).
CADDY_IMAGE_CMD = ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]


@dataclass
class Process:
    name: str
    proc: asyncio.subprocess.Process
    log: Path

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def tail(self, chars: int = 4000) -> str:
        return self.text()[-chars:]


class NativeCompose:
    """The resolved compose file's services as processes: `up` starts them in compose's
    order, honouring each depends_on condition; `run` is `compose run --rm SERVICE CMD`."""

    def __init__(self, config: dict, loopback: Loopback, folder: Path, *, caddy_http_port: int) -> None:
        self.services = config["services"]
        self.loopback = loopback
        self.folder = folder
        self.home = folder / "home"  # the containers' working directory: no config.toml there
        self.home.mkdir(exist_ok=True)
        self.caddy_http_port = caddy_http_port
        self.running: dict[str, Process] = {}
        self.processes: list[Process] = []  # services and one-off runs: `down` ends them all
        self._runs = 0

    @property
    def caddy_root(self) -> Path:
        """Caddy's internal CA certificate (what a client trusts to reach https://localhost)."""
        return self.folder / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"

    def env(self, name: str) -> dict[str, str]:
        return native_env(name, self.services[name], self.loopback, self.home)

    async def _spawn(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> Process:
        with log.open("wb") as out:  # the child keeps its own descriptor
            proc = await asyncio.create_subprocess_exec(*argv, cwd=self.home, env=env, stdout=out,
                                                        stderr=asyncio.subprocess.STDOUT)
        self.processes.append(Process(name, proc, log))
        return self.processes[-1]

    async def _start(self, name: str) -> Process:
        service = self.services[name]
        if name == "caddy":
            argv = native_argv(CADDY_IMAGE_CMD, service)
            config = self.folder / "Caddyfile.loopback"
            config.write_text(caddyfile(Path(argv[3]).read_text(encoding="utf-8"), self.loopback.ports,
                                        self.caddy_http_port), encoding="utf-8")
            argv[3] = str(config)
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home),
                   "XDG_DATA_HOME": str(self.folder / "caddy-data"),
                   "XDG_CONFIG_HOME": str(self.folder / "caddy-config"),
                   **{k: str(v) for k, v in (service.get("environment") or {}).items()}}
        else:
            argv, env = native_argv(service["command"], service), self.env(name)
        return await self._spawn(name, argv, env, self.folder / f"{name}.log")

    async def _met(self, name: str, condition: str, deadline: float) -> None:
        if name not in self.running:
            return  # the machine's own PostgreSQL and Redis: checked before `up`
        if condition == "service_completed_successfully":
            done = self.running[name]
            code = await asyncio.wait_for(done.proc.wait(), max(1.0, deadline - _now()))
            assert code == 0, f"{name} exited {code}:\n{done.tail()}"
        elif condition == "service_healthy":
            await self.wait_healthy(name, deadline - _now())

    async def up(self, names: Iterable[str], timeout: float = 180) -> None:
        deadline = _now() + timeout
        for wave in start_order(self.services, names):
            for name in wave:
                for needed, condition in conditions(self.services[name]).items():
                    await self._met(needed, condition, deadline)
            for name in wave:
                self.running[name] = await self._start(name)

    async def wait_healthy(self, name: str, timeout: float = 90) -> float:
        """Seconds until the service's healthcheck passes, tried every half second (compose
        waits `interval`, 10 s: too slow for a test); fails with its log when it dies or
        does not pass in `timeout`."""
        started = _now()
        running = self.running[name]
        env = self.env(name)
        port = self.loopback.ports[name]
        # The healthcheck is a Python process of its own: tried once the port takes connections.
        while not (await _listening(port) and await healthcheck(self.services[name], port, env)):
            if running.proc.returncode is not None:
                raise RuntimeError(f"{name} exited {running.proc.returncode}:\n{running.tail()}")
            if _now() - started > timeout:
                raise TimeoutError(f"{name} not healthy in {timeout}s:\n{running.tail()}")
            await asyncio.sleep(0.5)
        return _now() - started

    async def run(self, name: str, command: list[str], timeout: float = 180) -> str:
        """`compose run --rm <name> <command>`: the service's environment and volumes, this
        command; its output, or AssertionError with it when it fails."""
        self._runs += 1
        done = await self._spawn(name, native_argv(command, self.services[name]), self.env(name),
                                 self.folder / f"run-{self._runs}-{name}.log")
        code = await asyncio.wait_for(done.proc.wait(), timeout)
        out = done.log.read_text(encoding="utf-8", errors="replace")
        assert code == 0, f"{' '.join(command)} exited {code}:\n{out[-4000:]}"
        return out

    async def down(self) -> None:
        """SIGTERM to whatever still runs (compose's stop), SIGKILL after 20 s."""
        for running in self.processes:
            if running.proc.returncode is None:
                running.proc.terminate()
        for running in self.processes:
            try:
                await asyncio.wait_for(running.proc.wait(), 20)
            except TimeoutError:
                running.proc.kill()
                await running.proc.wait()


async def _listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


def _now() -> float:
    return asyncio.get_running_loop().time()
