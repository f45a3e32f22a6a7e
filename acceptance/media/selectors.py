"""Reads of the audio-visual intake: the gallery's items, its filters and the photo catalog."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from ..checks import FileKind
from ..models import Case, Material, MediaItem

MEDIA_KINDS = (FileKind.PHOTO, FileKind.VIDEO)
FILTERS = {
    "failed": ("检测未通过", "failed checks"),
    "warnings": ("有提示", "with warnings"),
    "duplicates": ("疑似重复", "duplicates"),
    "uncaptioned": ("说明不全", "missing captions"),
    "undecided": ("待审核", "not yet decided"),
}


@dataclass
class GalleryItem:
    """One tile of the gallery: the material, its media row and its check results."""

    material: Material
    media: MediaItem | None
    failed: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    @property
    def is_video(self) -> bool:
        return self.material.format_kind == FileKind.VIDEO

    @property
    def missing_caption(self) -> list[str]:
        return self.media.missing_caption if self.media else ["title", *MediaItem.CAPTION_FIELDS]

    @property
    def decided(self) -> bool:
        return self.material.status in (Material.Status.APPROVED, Material.Status.RETURNED)


def media_materials(case: Case) -> QuerySet[Material]:
    """The case's current photos and recordings, with their media rows, in upload order."""
    return (
        case.materials.current()
        .filter(format_kind__in=MEDIA_KINDS)
        .select_related("media", "node", "media__duplicate_of__material")
        .order_by("media__group", "media__number", "pk")
    )


def gallery_items(
    case: Case, *, show: str = "", node: str = "", group: str = ""
) -> list[GalleryItem]:
    """The gallery's tiles, narrowed by ``show`` (a key of ``FILTERS``), node code and group."""
    materials = media_materials(case)
    if node:
        materials = materials.filter(node__code=node)
    if group:
        materials = materials.filter(media__group=group)
    if show == "failed":
        materials = materials.filter(status=Material.Status.CHECK_FAILED)
    elif show == "duplicates":
        materials = materials.filter(media__duplicate_of__isnull=False)
    elif show == "undecided":
        materials = materials.exclude(
            status__in=(Material.Status.APPROVED, Material.Status.RETURNED)
        )
    elif show == "uncaptioned":
        blank = Q(title="") | Q(media__isnull=True) | Q(media__taken_at__isnull=True)
        for name in ("place", "people", "background", "photographer"):
            blank |= Q(**{f"media__{name}": ""})
        materials = materials.filter(blank)
    items = []
    for material in materials:
        outcomes = material.check_report.get("outcomes", [])
        item = GalleryItem(
            material=material,
            media=getattr(material, "media", None),
            failed=[o for o in outcomes if o["result"] == "fail"],
            warnings=[o for o in outcomes if o["result"] == "warn"],
        )
        if show != "warnings" or item.warnings:
            items.append(item)
    return items


def media_groups(case: Case) -> list[str]:
    """The groups (组) used in the case, sorted."""
    return sorted(
        set(
            MediaItem.objects.filter(case=case)
            .exclude(material__status__in=Material.NOT_CURRENT)
            .exclude(group="")
            .values_list("group", flat=True)
        )
    )


def review_summary(case: Case) -> dict[str, int]:
    """How many current items are approved, returned, failed and still to decide."""
    statuses = list(media_materials(case).values_list("status", flat=True))
    approved = statuses.count(Material.Status.APPROVED)
    returned = statuses.count(Material.Status.RETURNED)
    return {
        "total": len(statuses),
        "approved": approved,
        "returned": returned,
        "failed": statuses.count(Material.Status.CHECK_FAILED),
        "undecided": len(statuses) - approved - returned,
    }


def photo_catalog_items(case: Case) -> list[MediaItem]:
    """The photo catalog's rows (照片档案目录): current photos by group and number."""
    return list(
        MediaItem.objects.filter(case=case, material__format_kind=FileKind.PHOTO)
        .exclude(material__status__in=Material.NOT_CURRENT)
        .select_related("material")
        .order_by("group", "number", "material__pk")
    )


def returned_media(case: Case) -> list[Material]:
    """Current photos and recordings a reviewer returned, in upload order."""
    return list(media_materials(case).filter(status=Material.Status.RETURNED).order_by("pk"))
