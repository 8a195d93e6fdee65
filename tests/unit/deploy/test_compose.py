"""deploy/: the compose file and the proxy in front (issue 14's deployment), read as files.

No Docker engine here: the shape is checked (two instances in webhook mode, each starting
with --no-migrate after a one-shot migrate service; PostgreSQL, Redis; the proxy passing on
the webhook's path and /healthz to both), and `docker compose config` validates the file
where a Compose client is installed.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.compose_native import compose_client, resolve, start_order

yaml = pytest.importorskip("yaml", reason="PyYAML (the test extra) reads the compose file")

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
INSTANCES = ("gridbot-1", "gridbot-2")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _caddy_block(text: str, matcher: str) -> str:
    """The body of `handle <matcher> { ... }` in the Caddyfile (braces balanced)."""
    start = re.search(rf"^\s*handle {re.escape(matcher)} \{{", text, re.MULTILINE)
    assert start, f"no `handle {matcher}` in the Caddyfile"
    depth, i = 1, start.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start.end():i - 1]


def test_the_services(compose):
    services = compose["services"]
    assert {"postgres", "redis", "migrate", *INSTANCES, "caddy"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["redis"]


def test_migrations_run_once_before_the_instances(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["gridbot", "db", "upgrade"]
    assert migrate["restart"] == "no" and "profiles" not in migrate  # part of `up`, runs once
    for name in INSTANCES:
        service = services[name]
        assert service["command"] == ["gridbot", "run", "--no-migrate"], name
        needs = service["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}, name
        assert needs["postgres"] == {"condition": "service_healthy"}, name
        assert needs["redis"] == {"condition": "service_healthy"}, name


def test_compose_starts_migrate_then_the_instances_then_the_proxy(compose):
    # PostgreSQL and Redis come first in any case: every other service waits for them.
    assert start_order(compose["services"], ["migrate", *INSTANCES, "caddy"]) == [
        ["migrate"], list(INSTANCES), ["caddy"]]


def test_every_instance_takes_updates_by_webhook_with_shared_state(compose):
    for name in INSTANCES:
        env = compose["services"][name]["environment"]
        assert env["GRIDBOT_TELEGRAM__MODE"] == "webhook", name
        assert urlsplit(env["GRIDBOT_TELEGRAM__WEBHOOK_URL"]).scheme == "https", name
        assert env["GRIDBOT_DATABASE__URL"].startswith("postgresql+asyncpg://"), name
        assert env["GRIDBOT_REDIS__URL"].startswith("redis://redis:"), name
        assert env["GRIDBOT_WEB__HOST"] == "0.0.0.0" and env["GRIDBOT_WEB__PORT"] == "8080", name
        assert "readyz" in " ".join(compose["services"][name]["healthcheck"]["test"]), name
        # Secrets come from deploy/.env, never from the file itself.
        assert "GRIDBOT_TELEGRAM__TOKEN" not in env and "GRIDBOT_TELEGRAM__WEBHOOK_SECRET" not in env, name


def test_the_proxy_routes_the_webhook_and_healthz_to_both_instances(compose):
    caddy = compose["services"]["caddy"]
    assert any(v.startswith("./Caddyfile:") for v in caddy["volumes"])
    assert set(INSTANCES) <= set(caddy["depends_on"])
    text = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    webhook_path = urlsplit(compose["services"]["gridbot-1"]["environment"]["GRIDBOT_TELEGRAM__WEBHOOK_URL"]).path
    upstreams = "reverse_proxy " + " ".join(f"{name}:8080" for name in INSTANCES)
    webhook = _caddy_block(text, webhook_path)
    assert upstreams in webhook and "health_uri /readyz" in webhook  # only ready instances get updates
    healthz = _caddy_block(text, "/healthz")
    # `first` with no health check of its own would pick a dead first instance again and again.
    assert upstreams in healthz and "fail_duration" in healthz
    # An outside monitor sees 503 when no instance is ready (Redis away, say), not a green
    # light while every webhook post is refused.
    assert "health_uri /readyz" in healthz
    assert re.search(r"handle \{\s*respond 404", text), "everything else (readiness, the console) stays private"
    # Caddy logs a failed request's headers: the webhook's secret is filtered out.
    assert re.search(r"request>headers>X-Telegram-Bot-Api-Secret-Token\s+delete", text)


def test_docker_compose_accepts_the_file(tmp_path):
    client = compose_client()
    if client is None:
        pytest.skip("no Compose client (docker compose or docker-compose) installed")
    resolved = resolve(client, tmp_path, {"GRIDBOT_TELEGRAM__TOKEN": "1:X", "GRIDBOT_TELEGRAM__WEBHOOK_SECRET": "s",
                                          "BOT_DOMAIN": "bot.example.org", "POSTGRES_PASSWORD": "pw"})
    env = resolved["services"]["gridbot-1"]["environment"]
    assert env["GRIDBOT_TELEGRAM__WEBHOOK_URL"] == "https://bot.example.org/telegram/webhook"
    assert env["GRIDBOT_TELEGRAM__TOKEN"] == "1:X"  # deploy/.env reaches the instances
