"""The event taxonomy: categories with keywords and departments, urgency and request-kind cues.

The shipped default lives in ``nlp/data/categories.toml``; a city overrides it through the
app's config with a mapping of the same shape (``Taxonomy.from_mapping``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_TAXONOMY_PATH = DATA_DIR / "categories.toml"

FALLBACK_CATEGORY = "其他"
DEFAULT_REQUEST_KIND = "投诉"
REQUEST_KINDS = ("咨询", "求助", "投诉", "举报", "建议")


class TaxonomyError(ValueError):
    """The taxonomy file or mapping does not have the expected shape."""


@dataclass(frozen=True)
class CategorySpec:
    name: str
    keywords: tuple[str, ...]
    department: str


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[CategorySpec, ...]
    urgent_words: tuple[str, ...]
    request_kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Regular expressions over normalised text for urgency that no fixed word captures
    # ("电梯困了人", "老人摔倒了起不来"); the matched span is reported as the urgent word.
    urgent_patterns: tuple[str, ...] = ()

    # A dict field makes the dataclass unhashable; identity hashing is enough for caches.
    __hash__ = object.__hash__

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    def get(self, name: str) -> CategorySpec | None:
        for spec in self.categories:
            if spec.name == name:
                return spec
        return None

    def department_for(self, name: str) -> str | None:
        spec = self.get(name)
        return spec.department if spec else None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Taxonomy:
        """Build from the TOML's shape: ``urgent_words``, ``urgent_patterns``, ``request_kinds``,
        ``category`` list. Raises TaxonomyError on a wrong shape or an invalid pattern."""
        if not isinstance(data, Mapping):
            raise TaxonomyError("taxonomy must be a mapping")
        raw_categories = data.get("category", data.get("categories"))
        if not isinstance(raw_categories, list) or not raw_categories:
            raise TaxonomyError("taxonomy needs a non-empty 'category' list")
        categories: list[CategorySpec] = []
        seen: set[str] = set()
        for i, item in enumerate(raw_categories):
            if not isinstance(item, Mapping) or not str(item.get("name", "")).strip():
                raise TaxonomyError(f"category #{i + 1} needs a 'name'")
            name = str(item["name"]).strip()
            if name in seen:
                raise TaxonomyError(f"category {name!r} is listed twice")
            seen.add(name)
            categories.append(
                CategorySpec(
                    name=name,
                    keywords=_words(item.get("keywords", ()), f"category {name!r} keywords"),
                    department=str(item.get("department", "")).strip(),
                )
            )
        kinds_raw = data.get("request_kinds", {}) or {}
        if not isinstance(kinds_raw, Mapping):
            raise TaxonomyError("'request_kinds' must be a table of kind = [cue words]")
        kinds = {str(k).strip(): _words(v, f"request kind {k!r}") for k, v in kinds_raw.items()}
        patterns = _words(data.get("urgent_patterns", ()), "urgent_patterns")
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise TaxonomyError(f"urgent_patterns: {pattern!r} is not a valid regular expression: {exc}") from exc
        return cls(
            categories=tuple(categories),
            urgent_words=_words(data.get("urgent_words", ()), "urgent_words"),
            request_kinds=kinds,
            urgent_patterns=patterns,
        )


def _words(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TaxonomyError(f"{what} must be a list of strings")
    out: list[str] = []
    for w in value:
        if not isinstance(w, str):
            raise TaxonomyError(f"{what} must be a list of strings, got {w!r}")
        w = w.strip()
        if w and w not in out:
            out.append(w)
    return tuple(out)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read a taxonomy TOML file; ``None`` reads the shipped default."""
    path = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{path}: {exc}") from exc
    return Taxonomy.from_mapping(data)
