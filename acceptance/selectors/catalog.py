"""Reads of the filing catalog: which version, which items apply, which are required."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from ..exceptions import CatalogNotReady
from ..models import Case, CatalogItem, CatalogVersion


def catalog_current_version() -> CatalogVersion:
    """The latest published version; refused clearly when the catalog was never seeded."""
    version = CatalogVersion.objects.current()
    if version is None:
        raise CatalogNotReady(
            "尚未发布任何归档范围版本：请先导入或初始化归档范围（manage.py demo 或 catalog_import）",
            "no filing catalog version is published yet: seed or import one first",
        )
    return version


def catalog_items(version: CatalogVersion, works_type: str | None = None) -> QuerySet:
    """Active items of ``version`` that apply to ``works_type`` (all works types when None).

    A works type without a profile in that version takes every item.
    """
    items = version.items.filter(active=True)
    if works_type is not None:
        profile = version.profiles.filter(works_type=works_type).first()
        if profile is not None:
            items = items.filter(profiles=profile)
    return items.order_by("category", "code")


def required_items(
    *, version: CatalogVersion | None = None, works_type: str | None = None
) -> list[CatalogItem]:
    """Items the archive requires (▲ for ucab), of ``version`` (default: the current one)."""
    version = version or catalog_current_version()
    return [item for item in catalog_items(version, works_type) if item.required_by_archive]


def case_catalog_items(case: Case) -> QuerySet:
    return catalog_items(case.catalog_version, case.project.works_type)


def case_required_items(case: Case) -> list[CatalogItem]:
    return required_items(version=case.catalog_version, works_type=case.project.works_type)


def case_catalog_item(case: Case, code: str) -> CatalogItem:
    """The item ``code`` of the case's catalog version."""
    item = case.catalog_version.items.filter(code=code).first()
    if item is None:
        raise CatalogNotReady(
            f"案件所用的归档范围 v{case.catalog_version.number} 中没有条目 {code}",
            f"the case's catalog v{case.catalog_version.number} has no item {code}",
            code=code,
        )
    return item


@dataclass(frozen=True)
class CatalogMatch:
    """Which catalog item a file seems to be, and how that was found (for the owner to confirm).

    ``how`` is ``code`` (the item's code is in the file's name or one of its folders' names),
    ``name`` (the file's name is close to the item's name) or empty (no match).
    """

    path: str
    item: CatalogItem | None
    how: str = ""

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "item": self.item.code if self.item else None,
            "item_name": self.item.name_zh if self.item else "",
            "how": self.how,
        }


# Below this similarity of names (difflib's ratio), a name match is no match.
NAME_MATCH_RATIO = 0.5


def _normal(text: str) -> str:
    """Full-width forms, case and the dashes people type made alike (ＡⅠ－１ → A1-1)."""
    text = unicodedata.normalize("NFKC", text).upper()
    return re.sub(r"[‐‑‒–—―−_]", "-", text)


def _code_pattern(code: str) -> re.Pattern:
    # A code stands alone: A1-1 is not in A1-10 nor in BA1-1; A1-1-2 (a second file) is A1-1.
    return re.compile(rf"(?<![0-9A-Z]){re.escape(_normal(code))}(?![0-9A-Z])")


def catalog_match(items: Iterable[CatalogItem], paths: Iterable[str]) -> list[CatalogMatch]:
    """Match each file path (``folder/A1-1 立项批复.pdf``) to an item of ``items``.

    The file's own name is read first, then its folders' names from the nearest: an item code in
    it wins (the longest, then the first in the name); else, in the file's own name only, the
    item whose Chinese name is closest, if close enough.
    """
    items = list(items)
    patterns = sorted(
        ((item, _code_pattern(item.code)) for item in items),
        key=lambda pair: -len(pair[0].code),
    )
    names = [(item, _normal(item.name_zh)) for item in items]
    matches = []
    for path in paths:
        parts = [p for p in path.replace("\\", "/").split("/") if p]
        stem = parts[-1].rsplit(".", 1)[0] if parts else ""
        found = None
        for part in [stem, *reversed(parts[:-1])]:
            text = _normal(part)
            hits = [(m.start(), item) for item, p in patterns if (m := p.search(text))]
            if hits:
                found = CatalogMatch(path, min(hits, key=lambda hit: hit[0])[1], "code")
                break
        if found is None and stem:
            words = re.sub(r"[0-9A-Z\-\s.()（）\[\]【】]+", "", _normal(stem))
            best = max(
                names,
                key=lambda pair: difflib.SequenceMatcher(None, words, pair[1]).ratio(),
                default=None,
            )
            if (
                words
                and best
                and (difflib.SequenceMatcher(None, words, best[1]).ratio() >= NAME_MATCH_RATIO)
            ):
                found = CatalogMatch(path, best[0], "name")
        matches.append(found or CatalogMatch(path, None))
    return matches


def code_order(code: str) -> list:
    """A sort key for catalog codes that reads their numbers as numbers: E1-2 before E1-10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code)]
