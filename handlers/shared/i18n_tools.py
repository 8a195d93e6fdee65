"""Keep the English catalog in step with the Chinese sources.

    python -m handlers.shared.i18n_tools check    # what is missing, untranslated, fuzzy or stale; exit 1 if any
    python -m handlers.shared.i18n_tools update   # add what is missing (empty msgstr), recompile the .mo

Sources: every str constant of handlers/texts.py, and the labels translated with a
context (ticket states, actions, roles, rating notes, the shipped category names).
A msgid whose Chinese changed keeps its old English marked fuzzy (not compiled, so the
Chinese shows until someone reviews it); one no longer used is kept as obsolete (#~).

Needs babel (the `test` extra); the running bot reads only the compiled .mo.
"""
from __future__ import annotations

import argparse
import gettext
import io
import string
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handlers import texts
from handlers.shared.i18n import (
    ACTION,
    CATEGORY,
    DOMAIN,
    LOCALES_DIR,
    ORDER_STATE,
    RATING,
    RATING_NOTES,
    ROLE,
    STATE,
    VOLUNTEER,
)
from service_orders.rules import KIND_LABELS
from service_orders.states import STATE_LABELS as ORDER_STATE_LABELS
from tickets.lifecycle import ACTION_LABELS, STATE_LABELS
from tickets.policy import ROLE_LABELS

LOCALE = "en"


def po_path(locale: str = LOCALE) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True)
class Source:
    msgid: str
    context: str | None
    names: tuple[str, ...]  # where it comes from, as a note for the translator

    @property
    def key(self) -> str | tuple[str, str]:
        return self.msgid if self.context is None else (self.msgid, self.context)


def _category_names() -> tuple[str, ...]:
    from nlp.taxonomy import load_taxonomy

    return load_taxonomy(None).names


def sources() -> list[Source]:
    """Every msgid, in the order they are written (the .po follows it)."""
    found: dict[Any, list[str]] = {}
    contexts: dict[Any, str | None] = {}

    def add(msgid: str, context: str | None, name: str) -> None:
        key = msgid if context is None else (msgid, context)
        found.setdefault(key, []).append(name)
        contexts[key] = context

    for name, value in vars(texts).items():
        if not name.isupper():
            continue
        if isinstance(value, str) and value:
            add(value, None, f"texts.{name}")
        elif isinstance(value, dict):  # a table of sentences: T.NAME translates each value
            for key, item in value.items():
                if isinstance(item, str) and item:
                    add(item, None, f"texts.{name}[{key}]")
    for state, label in STATE_LABELS.items():
        add(label, STATE, f"State.{state.name}")
    for action, label in ACTION_LABELS.items():
        add(label, ACTION, f"Action.{action.name}")
    for role, label in ROLE_LABELS.items():
        add(label, ROLE, f"Role.{role.name}")
    for order_state, label in ORDER_STATE_LABELS.items():
        add(label, ORDER_STATE, f"OrderState.{order_state.name}")
    for kind, label in KIND_LABELS.items():
        add(label, VOLUNTEER, f"kind {kind}")
    for note in RATING_NOTES:
        add(note, RATING, "rating note")
    for category in _category_names():
        add(category, CATEGORY, "category (nlp/data/categories.toml)")
    return [Source(k if isinstance(k, str) else k[0], contexts[k], tuple(v)) for k, v in found.items()]


def placeholders(text: str) -> set[str]:
    """The str.format fields of a text ("{id}", "{what}"); ValueError on unbalanced braces."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


# -- catalogs (babel) ---------------------------------------------------------------------
def _babel() -> Any:
    try:
        from babel.messages import catalog, mofile, pofile
    except ImportError as exc:  # pragma: no cover - a dev tool; babel is in the `test` extra
        raise SystemExit("babel is needed: pip install -e '.[test]'") from exc
    return catalog, mofile, pofile


def template() -> Any:
    catalog_mod, _, _ = _babel()
    pot = catalog_mod.Catalog(locale=None, domain=DOMAIN, project="gridbot", fuzzy=False)
    for src in sources():
        pot.add(src.msgid, context=src.context, auto_comments=list(src.names))
    return pot


def read_catalog(path: Path | None = None) -> Any:
    catalog_mod, _, pofile = _babel()
    path = path or po_path()
    if not path.exists():
        return catalog_mod.Catalog(locale=LOCALE, domain=DOMAIN, project="gridbot", fuzzy=False)
    with path.open("rb") as fp:
        return pofile.read_po(fp, locale=LOCALE, domain=DOMAIN)


def po_bytes(catalog: Any) -> bytes:
    _, _, pofile = _babel()
    out = io.BytesIO()
    # No wrapping and no line numbers: a diff shows a changed sentence, not a reflow.
    pofile.write_po(out, catalog, width=0, no_location=True, include_previous=True)
    return out.getvalue()


def mo_bytes(catalog: Any) -> bytes:
    _, mofile, _ = _babel()
    out = io.BytesIO()
    mofile.write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def mo_messages(data: bytes) -> dict[str, str]:
    """The translations a compiled catalog holds, without its header.

    The header names the Babel version and the compile date, so two compilations of the
    same .po differ in bytes; what the bot reads is this mapping, so compare that.
    """
    translations = gettext.GNUTranslations(io.BytesIO(data))
    return {k: v for k, v in translations._catalog.items() if k != ""}  # type: ignore[attr-defined]


def mo_is_current(mo: Path, catalog: Any) -> bool:
    return mo.exists() and mo_messages(mo.read_bytes()) == mo_messages(mo_bytes(catalog))


@dataclass
class Report:
    missing: list[str]
    untranslated: list[str]
    fuzzy: list[str]
    bad_placeholders: list[str]
    stale_mo: bool

    @property
    def ok(self) -> bool:
        return not (self.missing or self.untranslated or self.fuzzy or self.bad_placeholders or self.stale_mo)


def _label(msgid: str, context: str | None) -> str:
    short = msgid.replace("\n", "\\n")
    short = short if len(short) <= 60 else short[:60] + "…"
    return f"[{context}] {short}" if context else short


def check(path: Path | None = None) -> Report:
    path = path or po_path()
    catalog = read_catalog(path)
    missing, untranslated, fuzzy, bad = [], [], [], []
    for src in sources():
        message = catalog.get(src.msgid, context=src.context)
        label = f"{_label(src.msgid, src.context)}  ({', '.join(src.names)})"
        if message is None:
            missing.append(label)
        elif message.fuzzy:
            fuzzy.append(label)
        elif not message.string:
            untranslated.append(label)
        else:
            try:
                same = placeholders(message.string) == placeholders(src.msgid)
            except ValueError:
                same = False
            if not same:
                bad.append(label)
    mo = path.with_suffix(".mo")
    stale = not mo_is_current(mo, catalog)
    return Report(missing, untranslated, fuzzy, bad, stale)


def update(path: Path | None = None) -> Report:
    """Adds missing msgids (empty msgstr), marks changed ones fuzzy, recompiles the .mo."""
    path = path or po_path()
    catalog = read_catalog(path)
    catalog.update(template(), update_creation_date=False)
    catalog.fuzzy = False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(po_bytes(catalog))
    path.with_suffix(".mo").write_bytes(mo_bytes(read_catalog(path)))
    return check(path)


def _print(report: Report, out: Any) -> None:
    for title, items in (("missing from the catalog", report.missing), ("untranslated", report.untranslated),
                         ("fuzzy (the Chinese changed: review)", report.fuzzy),
                         ("placeholders differ from the Chinese", report.bad_placeholders)):
        if items:
            print(f"{title}: {len(items)}", file=out)
            for item in items:
                print(f"  {item}", file=out)
    if report.stale_mo:
        print("the .mo does not match the .po: run `python -m handlers.shared.i18n_tools update`", file=out)
    if report.ok:
        print(f"{po_path().relative_to(LOCALES_DIR.parent.parent)}: complete", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handlers.shared.i18n_tools", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["check", "update"])
    args = parser.parse_args(argv)
    report = update() if args.command == "update" else check()
    _print(report, sys.stdout)
    return 0 if report.ok or args.command == "update" else 1


if __name__ == "__main__":
    sys.exit(main())
