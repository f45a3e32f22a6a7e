"""Reads of the filing catalog: which version, which items apply, which are required."""

from __future__ import annotations

import re

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


def code_order(code: str) -> list:
    """A sort key for catalog codes that reads their numbers as numbers: E1-2 before E1-10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code)]
