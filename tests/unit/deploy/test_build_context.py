"""The image's build context (deploy/compose.yaml: context `..`, the repository) and the
Dockerfile's `COPY . /app`: .dockerignore keeps deploy/.env (the token, the webhook's secret,
the database's password) and the git history out of the image, and leaves in what
`pip install .` needs. Without it the first `docker compose build` after filling in
deploy/.env baked the secrets into a layer of gridbot:latest (seen preparing deploy/sandbox, whose smoke test checks the built image).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _rules() -> list[tuple[bool, re.Pattern]]:
    """.dockerignore as (excludes, regex): Docker's patterns are Go's filepath.Match with `**`
    for any number of folders; a `!` pattern lets a path back in; the last match wins."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
        rules.append((not keep, re.compile(regex)))
    return rules


def excluded(path: str) -> bool:
    """A path is left out when it, or a folder above it, matches (Docker skips an excluded
    folder's content)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    verdict = False
    for excludes, regex in _rules():
        if any(regex.fullmatch(p) for p in prefixes):
            verdict = excludes
    return verdict


@pytest.mark.parametrize("path", ["deploy/.env", ".env", ".git/config", ".venv/bin/python",
                                  "deploy/config/org.toml", "data/gridbot.sqlite3", "bot/__pycache__/x.pyc"])
def test_secrets_and_local_state_stay_out_of_the_image(path):
    assert excluded(path), path


@pytest.mark.parametrize("path", ["pyproject.toml", "README.md", "bot/cli/main.py", "storage/migrations/env.py",
                                  "nlp/model/intent", "handlers/locales", "web/templates", "deploy/Dockerfile"])
def test_what_pip_install_needs_is_sent(path):
    assert (ROOT / path).exists(), path
    assert not excluded(path), path


def test_the_matcher_reads_patterns_as_docker_does():
    # Checks of the helper itself, so a wrong reading cannot pass the tests above by accident.
    rule = dict((regex.pattern, excludes) for excludes, regex in _rules())
    assert rule and all(rule.values())  # no `!` patterns yet: every rule excludes
    assert re.fullmatch(r"(?:.*/)?\.env", ".env") and re.fullmatch(r"(?:.*/)?\.env", "a/b/.env")
    assert not excluded("deploy/env.py") and not excluded("docs/deployment.md")
