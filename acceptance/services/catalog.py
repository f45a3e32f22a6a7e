"""Writes of the filing catalog: seed, import as a new version, copy to a draft, publish.

A published version is frozen: cases that started with it keep it. Archive staff change the
catalog by importing an edited export (YAML or XLSX) or by copying a version to a draft, editing
the draft in the admin and publishing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from workflows.journal import journal_append

from ..exceptions import AcceptanceError
from ..exports.catalog import CatalogData, catalog_format_of, catalog_read
from ..models import CatalogItem, CatalogProfile, CatalogVersion

CATALOG_SEED = Path(__file__).resolve().parent.parent / "data" / "catalog.yaml"
CATALOG_CHAIN = "catalog"


def catalog_seed(*, path: Path = CATALOG_SEED) -> int:
    """Create catalog version 1 from the seed file when no version exists; items created."""
    if CatalogVersion.objects.exists():
        return 0
    version = catalog_import(
        source=path, name=path.name, note="初始归档范围 seeded from the bundled catalog"
    )
    return version.items.count()


def catalog_import(
    *,
    source: Path | BinaryIO,
    name: str,
    user=None,
    note: str = "",
    publish: bool = True,
) -> CatalogVersion:
    """Read a catalog file (YAML or XLSX, told by ``name``) into a new catalog version."""
    data = catalog_read(source, fmt=catalog_format_of(name))
    with transaction.atomic():
        version = _version_create(data, note=note, source=Path(name).name, publish=publish)
        journal_append(
            chain=CATALOG_CHAIN,
            kind="catalog.imported",
            actor=user,
            payload={
                "version": version.number,
                "source": version.source,
                "items": len(data.items),
                "published": publish,
                "profiles": {wt: len(codes) for wt, codes in data.profiles.items()},
            },
        )
    return version


def _next_number() -> int:
    # Lock the versions so two imports cannot take the same number.
    list(CatalogVersion.objects.select_for_update().values_list("pk", flat=True))
    return (CatalogVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1


def _version_create(data: CatalogData, *, note: str, source: str, publish: bool) -> CatalogVersion:
    version = CatalogVersion.objects.create(
        number=_next_number(),
        note=note,
        source=source,
        categories=data.categories,
        published_at=timezone.now() if publish else None,
    )
    items = CatalogItem.objects.bulk_create(
        CatalogItem(version=version, **row) for row in data.items
    )
    by_code = {item.code: item for item in items}
    for works_type, codes in data.profiles.items():
        profile = CatalogProfile.objects.create(version=version, works_type=works_type)
        profile.items.set(by_code[code] for code in codes)
    return version


def catalog_version_copy(*, version: CatalogVersion, user=None, note: str = "") -> CatalogVersion:
    """A draft copy of ``version`` (items and profiles) for archive staff to edit and publish."""
    with transaction.atomic():
        draft = CatalogVersion.objects.create(
            number=_next_number(),
            note=note or f"copy of version {version.number}",
            source=f"v{version.number}",
            categories=version.categories,
        )
        copies = {}
        for item in version.items.all():
            old_pk = item.pk
            item.pk = None
            item.version = draft
            item.save()
            copies[old_pk] = item
        for profile in version.profiles.all():
            new = CatalogProfile.objects.create(version=draft, works_type=profile.works_type)
            new.items.set(copies[pk] for pk in profile.items.values_list("pk", flat=True))
        journal_append(
            chain=CATALOG_CHAIN,
            kind="catalog.copied",
            actor=user,
            payload={"version": draft.number, "from": version.number},
        )
    return draft


def catalog_version_publish(*, version: CatalogVersion, user=None) -> CatalogVersion:
    """Publish a draft: new cases file against it from now on."""
    with transaction.atomic():
        version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
        if version.is_published:
            raise AcceptanceError(
                f"归档范围 v{version.number} 已经发布",
                f"catalog v{version.number} is already published",
            )
        if not version.items.exists():
            raise AcceptanceError(
                f"归档范围 v{version.number} 没有任何条目，不能发布",
                f"catalog v{version.number} has no items and cannot be published",
            )
        version.published_at = timezone.now()
        version.save(update_fields=("published_at",))
        journal_append(
            chain=CATALOG_CHAIN,
            kind="catalog.published",
            actor=user,
            payload={"version": version.number, "items": version.items.count()},
        )
    return version
