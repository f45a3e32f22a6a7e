"""Pre-filing (预立卷): arrange a case's current records into volumes (案卷).

Records are grouped by the catalog's top category (A preparation, B supervision, C construction,
D as-built drawings, E completion acceptance), photos and video into their own audio-visual group,
in catalog order; a group larger than ``ACCEPTANCE_VOLUME_MAX_PAGES`` is split into parts. Each
volume takes the longest retention of its files and numbers its pages continuously.

Arranging is derived from the records and repeated whenever they change (each node check and the
completeness check call it from the process); its summary lands in those service results, which
the engine journals, so it writes no journal entry of its own.
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ..conf import setting
from ..models import Case, FormatKind, Material, Retention, Volume, VolumeEntry

AV_GROUP = "AV"
GROUP_ORDER = ("A", "B", "C", "D", "E", AV_GROUP)
GROUP_TITLES = {
    "A": "工程准备阶段文件",
    "B": "监理文件",
    "C": "施工文件",
    "D": "竣工图",
    "E": "工程竣工验收文件",
    AV_GROUP: "声像档案",
}
FILED = (Material.Status.RECEIVED, Material.Status.CHECKED, Material.Status.APPROVED)


def material_pages(material: Material) -> int:
    """Pages a record takes in its volume: a PDF's page count; one for a sheet, photo or clip."""
    if material.format_kind != FormatKind.DOCUMENT and material.detected_format != "pdf":
        return 1
    for outcome in (material.check_report or {}).get("outcomes", []):
        pages = outcome.get("detail", {}).get("pages")
        if outcome["code"] == "integrity.pdf_pages" and pages:
            return int(pages)
    from pypdf import PdfReader  # here, where used: it takes longer to load than Django

    try:
        with Path(material.file.path).open("rb") as handle:
            return max(1, len(PdfReader(handle).pages))
    except Exception:  # unreadable or not a PDF: its checks say why; it still takes a page
        return 1


def _group(material: Material) -> str:
    if material.format_kind in (FormatKind.PHOTO, FormatKind.VIDEO):
        return AV_GROUP
    return material.catalog_item.category[:1].upper()


def _group_rank(group: str) -> tuple[int, str]:
    return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), group)


def _title(case: Case, group: str, part: int, parts: int) -> str:
    name = GROUP_TITLES.get(group) or case.catalog_version.categories.get(group, group)
    suffix = f"（{part}/{parts}）" if parts > 1 else ""
    return f"{case.project.name} {name}{suffix}"


def _split(records: list[tuple[Material, int]], max_pages: int) -> list[list[tuple[Material, int]]]:
    parts: list[list[tuple[Material, int]]] = [[]]
    pages = 0
    for material, count in records:
        if parts[-1] and pages + count > max_pages:
            parts.append([])
            pages = 0
        parts[-1].append((material, count))
        pages += count
    return [part for part in parts if part]


def volumes_arrange(*, case: Case) -> list[Volume]:
    """Arrange the case's filed records into volumes again, replacing the previous arrangement."""
    records = sorted(
        case.materials.current().filter(status__in=FILED).select_related("catalog_item"),
        key=lambda m: (
            _group_rank(_group(m)),
            m.catalog_item.category,
            m.catalog_item.code,
            m.formed_on or m.uploaded_at.date(),
            m.pk,
        ),
    )
    max_pages = int(setting("ACCEPTANCE_VOLUME_MAX_PAGES"))
    now = timezone.now()
    volumes: list[Volume] = []
    parts_of: list[list[tuple[Material, int]]] = []
    number = 0
    for group, members in groupby(records, key=_group):
        parts = _split([(m, material_pages(m)) for m in members], max_pages)
        for part_number, part in enumerate(parts, start=1):
            number += 1
            dates = [m.formed_on or m.uploaded_at.date() for m, _ in part]
            volumes.append(
                Volume(
                    case=case,
                    number=number,
                    group=group,
                    part=part_number,
                    title=_title(case, group, part_number, len(parts)),
                    retention=Retention.longest(m.catalog_item.retention for m, _ in part),
                    page_count=sum(pages for _, pages in part),
                    item_count=len(part),
                    date_start=min(dates),
                    date_end=max(dates),
                    arranged_at=now,
                )
            )
            parts_of.append(part)
    # No savepoint: nothing catches a failure here, which rolls back the caller's transaction.
    with transaction.atomic(savepoint=False):
        Volume.objects.filter(case=case).delete()
        # One statement for the volumes and one for their entries, however many there are.
        Volume.objects.bulk_create(volumes)
        entries = []
        for volume, part in zip(volumes, parts_of, strict=True):
            page = 1
            for position, (material, pages) in enumerate(part, start=1):
                entries.append(
                    VolumeEntry(
                        volume=volume,
                        material=material,
                        position=position,
                        pages=pages,
                        start_page=page,
                        end_page=page + pages - 1,
                    )
                )
                page += pages
        VolumeEntry.objects.bulk_create(entries)
    return volumes


def volumes_summary(volumes: list[Volume]) -> list[dict]:
    """What a service result records of an arrangement: number, group, retention, counts."""
    return [
        {
            "number": v.number,
            "group": v.group,
            "retention": v.retention,
            "items": v.item_count,
            "pages": v.page_count,
        }
        for v in volumes
    ]
