"""Staff set access levels: per catalog item (or category), and per file over its item's level.

Each change is journaled (a file's on its case's chain, an item's on the ``access-levels`` chain)
and the affected projects' catalog entries are rebuilt once it commits.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from acceptance.models import Material
from workflows.journal import journal_append

from .exceptions import LevelRefused
from .index import catalog_project_index, catalog_reindex
from .models import AccessLevel, CatalogItemAccess, MaterialAccess

LEVELS_CHAIN = "access-levels"


def _level_checked(level: str) -> None:
    if level not in AccessLevel.values:
        raise LevelRefused(
            f"未知的开放等级“{level}”，可选：开放、控制使用、不开放",
            f"unknown access level {level!r}: choose open, controlled or closed",
            level=level,
        )


def _reason_checked(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise LevelRefused(
            "调整开放等级须说明依据", "a reason is required to change an access level"
        )
    return reason


def material_access_set(*, material: Material, level: str, reason: str, actor) -> MaterialAccess:
    """Set ``material``'s own level (over its catalog item's)."""
    _level_checked(level)
    reason = _reason_checked(reason)
    with transaction.atomic():
        override, _ = MaterialAccess.objects.update_or_create(
            material=material,
            defaults={"level": level, "reason": reason, "set_by": actor, "set_at": timezone.now()},
        )
        journal_append(
            chain=material.case.reference,
            kind="access.level_set",
            actor=actor,
            payload={"material": material.pk, "level": level, "reason": reason},
        )
        project = material.case.project
        transaction.on_commit(lambda: catalog_project_index(project))
    return override


def material_access_clear(*, material: Material, reason: str, actor) -> None:
    """The file takes its catalog item's level again."""
    reason = _reason_checked(reason)
    with transaction.atomic():
        MaterialAccess.objects.filter(material=material).delete()
        journal_append(
            chain=material.case.reference,
            kind="access.level_cleared",
            actor=actor,
            payload={"material": material.pk, "reason": reason},
        )
        transaction.on_commit(lambda: catalog_project_index(material.case.project))


def catalog_item_access_set(*, code: str, level: str, reason: str, actor) -> CatalogItemAccess:
    """Set the level of the records of catalog item (or category) ``code``."""
    _level_checked(level)
    reason = _reason_checked(reason)
    code = (code or "").strip()
    with transaction.atomic():
        item_access, _ = CatalogItemAccess.objects.update_or_create(
            code=code, defaults={"level": level, "reason": reason, "updated_by": actor}
        )
        journal_append(
            chain=LEVELS_CHAIN,
            kind="access.item_level_set",
            actor=actor,
            payload={"code": code, "level": level, "reason": reason},
        )
        transaction.on_commit(catalog_reindex)
    return item_access
