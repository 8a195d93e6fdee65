"""The house rules (docs/architecture.md), checked on the source: no import circles, no
import that points up a layer, aiogram and SQLAlchemy only where they belong, modules
under 400 lines and folders under about 15 modules.

Every import counts, including those inside functions and under TYPE_CHECKING: a lazy
import hides a circle, it does not remove it.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

DOMAIN = {"tickets", "organisation", "supervision", "figures", "service_orders"}
# What each top-level package may import of the project (besides itself).
ALLOWED: dict[str, set[str]] = {
    "nlp": set(),
    "storage": set(),
    **{name: DOMAIN | {"storage", "nlp"} for name in DOMAIN},
    "documents": DOMAIN | {"storage"},
    "delivery": {"storage"},
    "handlers": DOMAIN | {"documents", "delivery", "storage", "nlp"},
    # The command centre: like handlers, and it sends notices through handlers' delivery and views.
    "web": DOMAIN | {"documents", "delivery", "handlers", "storage", "nlp"},
    "bot": DOMAIN | {"documents", "delivery", "handlers", "web", "storage", "nlp"},
}
# Third-party packages a top-level package must not import.
FORBIDDEN: dict[str, set[str]] = {
    "nlp": {"aiogram", "sqlalchemy"},
    "storage": {"aiogram"},
    **{name: {"aiogram"} for name in DOMAIN},
    "documents": {"aiogram", "sqlalchemy"},
    "handlers": {"sqlalchemy"},  # thin: queries live in the domain and storage
    "web": {"sqlalchemy", "aiogram"},  # thin too; Telegram only through delivery and handlers
}
# The HTTP plumbing is where Telegram's updates come in and the database is probed for
# readiness: there, and only there, web meets aiogram and SQLAlchemy directly.
EXEMPT = {"web.webhook", "web.health", "web.server"}
PACKAGES = sorted(ALLOWED)
MAX_LINES = 400
MAX_MODULES = 16


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # Alembic's revisions: a chain of their own, never imported
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    mods = modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {}
    for name, path in mods.items():
        targets = {resolve(i) for i in imports(path)} - {None, name}
        # `from pkg import module` names the package too; the package is not the point.
        edges[name] = {t for t in targets if not name.startswith(t + ".")}
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_there_are_no_import_circles():
    assert circles(graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_points_up_a_layer():
    wrong = []
    for name, targets in graph().items():
        top = name.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if other != top and other not in ALLOWED[top]:
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_aiogram_and_sqlalchemy_only_where_they_belong():
    wrong = []
    for name, path in modules().items():
        banned = set() if name in EXEMPT else FORBIDDEN.get(name.split(".")[0], set())
        for imported in imports(path):
            if imported.split(".")[0] in banned:
                wrong.append(f"{name} imports {imported}")
    assert sorted(set(wrong)) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_stay_small_and_folders_few(package):
    too_long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in modules().items()
                if n.split(".")[0] == package}
    assert {n: lines for n, lines in too_long.items() if lines > MAX_LINES} == {}
    for folder in {p.parent for n, p in modules().items() if n.split(".")[0] == package}:
        count = len([p for p in folder.glob("*.py") if p.name != "__init__.py"])
        assert count <= MAX_MODULES, f"{folder.relative_to(ROOT)} holds {count} modules"


def test_every_package_says_what_it_owns():
    for name, path in modules().items():
        if path.name == "__init__.py" and name.count(".") == 0:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert doc and len(doc) > 40, f"{name} has no docstring saying what it owns"
