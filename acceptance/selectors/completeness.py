"""归档范围核对: which required items a case has, lacks, may lack for now, and what to fix.

The required items are those of the case's own catalog version, in the profile of its project's
works type, that the archive requires (▲ for ``ucab``). The report's notice (一次性告知) lists
everything the owner has to fix at once: missing items, files that failed their checks and files
a reviewer returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from ..models import Case, CatalogItem, Material
from .catalog import case_required_items, required_items
from .checks import MaterialCheck, material_check, material_delivered

__all__ = [
    "CompletenessReport",
    "ItemStatus",
    "NoticeEntry",
    "completeness_report",
    "material_line",
    "required_items",
]

NOT_DELIVERED = (Material.Status.CHECK_FAILED, Material.Status.RETURNED)


@dataclass(frozen=True)
class MaterialLine:
    """One current file of an item, as the report shows it."""

    pk: int
    name: str
    version: int
    status: str
    status_label: str
    check: MaterialCheck

    @property
    def properties(self) -> dict[str, str]:
        return self.check.properties

    @property
    def problems(self) -> tuple[dict, ...]:
        """Failing and warning outcomes: code, result, message_zh/_en and the rule's label."""
        return self.check.findings

    def as_dict(self) -> dict:
        return {
            "id": self.pk,
            "name": self.name,
            "version": self.version,
            "status": self.status,
            "check_state": self.check.state.value,
            "properties": dict(self.properties),
            "problems": [
                {key: p[key] for key in ("code", "result", "message_zh", "message_en")}
                for p in self.problems
            ],
        }


@dataclass(frozen=True)
class ItemStatus:
    """One catalog item of the case: present, missing, failed checks or returned."""

    PRESENT = "present"
    MISSING = "missing"
    FAILED = "failed"
    RETURNED = "returned"

    code: str
    name_zh: str
    name_en: str
    category: str
    retention: str
    tolerable: bool
    required: bool
    status: str
    materials: tuple[MaterialLine, ...] = ()

    @property
    def present(self) -> bool:
        return self.status == self.PRESENT

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "category": self.category,
            "retention": self.retention,
            "tolerable": self.tolerable,
            "required": self.required,
            "status": self.status,
            "materials": [m.as_dict() for m in self.materials],
        }


@dataclass(frozen=True)
class NoticeEntry:
    """One thing the owner must fix, with what to do in Chinese and English."""

    code: str
    problem: str  # missing, failed or returned
    tolerable: bool
    message_zh: str
    message_en: str
    file: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "problem": self.problem,
            "tolerable": self.tolerable,
            "file": self.file,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class CompletenessReport:
    """归档范围核对: required items present, missing but tolerable, missing and blocking."""

    present: tuple[str, ...]
    missing_tolerable: tuple[str, ...]
    missing_blocking: tuple[str, ...]
    items: tuple[ItemStatus, ...] = ()
    notice: tuple[NoticeEntry, ...] = ()
    case_reference: str = ""
    project_name: str = ""
    works_type: str = ""
    catalog_version: int | None = None
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def acceptable(self) -> bool:
        """Nothing blocking is missing (tolerable gaps may be covered by a commitment)."""
        return not self.missing_blocking

    @property
    def complete(self) -> bool:
        return self.acceptable and not self.missing_tolerable

    @property
    def required(self) -> tuple[ItemStatus, ...]:
        return tuple(item for item in self.items if item.required)

    def as_dict(self) -> dict:
        """The compact form handed to the process (and shown with the owner's tasks)."""
        return {
            "complete": self.complete,
            "acceptable": self.acceptable,
            "present": list(self.present),
            "missing_tolerable": list(self.missing_tolerable),
            "missing_blocking": list(self.missing_blocking),
            "notice": [entry.as_dict() for entry in self.notice],
        }

    def as_report_dict(self) -> dict:
        """Everything, for the JSON download: the case, the catalog used and every item."""
        return {
            "case": self.case_reference,
            "project": self.project_name,
            "works_type": self.works_type,
            "catalog_version": self.catalog_version,
            "generated_at": self.generated_at.isoformat(),
            **self.as_dict(),
            "counts": {
                "required": len(self.required),
                "present": len(self.present),
                "missing_tolerable": len(self.missing_tolerable),
                "missing_blocking": len(self.missing_blocking),
                "notice": len(self.notice),
            },
            "items": [item.as_dict() for item in self.items],
        }


def _problems(material: Material) -> tuple[dict, ...]:
    outcomes = (material.check_report or {}).get("outcomes", [])
    return tuple(
        {
            "code": o["code"],
            "result": o["result"],
            "message_zh": o["message_zh"],
            "message_en": o["message_en"],
        }
        for o in outcomes
        if o["result"] != "pass"
    )


def material_line(material: Material) -> MaterialLine:
    return MaterialLine(
        pk=material.pk,
        name=material.original_name,
        version=material.version,
        status=material.status,
        status_label=str(material.get_status_display()),
        check=material_check(material),
    )


def _status(materials: list[Material]) -> str:
    if not materials:
        return ItemStatus.MISSING
    if any(material_delivered(m) for m in materials):
        return ItemStatus.PRESENT
    if any(m.status == Material.Status.CHECK_FAILED for m in materials):
        return ItemStatus.FAILED
    return ItemStatus.RETURNED


def _notice_for_material(item: CatalogItem, material: Material) -> NoticeEntry:
    if material.status == Material.Status.RETURNED:
        comment = material.review_comment or "—"
        return NoticeEntry(
            item.code,
            ItemStatus.RETURNED,
            item.tolerable,
            f"{item.code} {item.name_zh}：文件“{material.original_name}”被审核员退回（{comment}），"
            "请修改后上传新版本。",
            f"{item.code} {item.name_en}: the reviewer returned {material.original_name!r} "
            f"({comment}); upload a corrected version.",
            material.original_name,
        )
    failing = [p for p in _problems(material) if p["result"] == "fail"]
    return NoticeEntry(
        item.code,
        ItemStatus.FAILED,
        item.tolerable,
        f"{item.code} {item.name_zh}：文件“{material.original_name}”检测未通过："
        + "".join(p["message_zh"] for p in failing),
        f"{item.code} {item.name_en}: {material.original_name!r} failed its checks: "
        + " ".join(p["message_en"] for p in failing),
        material.original_name,
    )


def _notice_missing(item: CatalogItem) -> NoticeEntry:
    later_zh = "（可容缺，可在承诺期限内补交）" if item.tolerable else "（主审要件，不可容缺）"
    later_en = (
        " (tolerable: may follow under a commitment)"
        if item.tolerable
        else " (core item: cannot be tolerated)"
    )
    return NoticeEntry(
        item.code,
        ItemStatus.MISSING,
        item.tolerable,
        f"{item.code} {item.name_zh}：尚未提交，请上传{later_zh}。",
        f"{item.code} {item.name_en}: not filed yet; upload it{later_en}.",
    )


def completeness_report(case: Case) -> CompletenessReport:
    """The case's completeness against its own catalog version and works-type profile."""
    required = case_required_items(case)
    required_codes = {item.code for item in required}
    current = list(
        case.materials.current()
        .select_related("catalog_item")
        .order_by("catalog_item__code", "uploaded_at", "pk")
    )
    by_code: dict[str, list[Material]] = {}
    for material in current:
        by_code.setdefault(material.catalog_item.code, []).append(material)

    items: list[ItemStatus] = []
    notice: list[NoticeEntry] = []
    optional = sorted(
        {m.catalog_item for m in current if m.catalog_item.code not in required_codes},
        key=lambda i: (i.category, i.code),
    )
    for item in [*required, *optional]:
        materials = by_code.get(item.code, [])
        status = _status(materials)
        is_required = item.code in required_codes
        items.append(
            ItemStatus(
                code=item.code,
                name_zh=item.name_zh,
                name_en=item.name_en,
                category=item.category,
                retention=item.retention,
                tolerable=item.tolerable,
                required=is_required,
                status=status,
                materials=tuple(material_line(m) for m in materials),
            )
        )
        notice += [_notice_for_material(item, m) for m in materials if not material_delivered(m)]
        if is_required and status == ItemStatus.MISSING:
            notice.append(_notice_missing(item))

    missing = [item for item in items if item.required and not item.present]
    return CompletenessReport(
        present=tuple(sorted(item.code for item in items if item.required and item.present)),
        missing_tolerable=tuple(item.code for item in missing if item.tolerable),
        missing_blocking=tuple(item.code for item in missing if not item.tolerable),
        items=tuple(items),
        notice=tuple(notice),
        case_reference=case.reference,
        project_name=case.project.name,
        works_type=case.project.works_type,
        catalog_version=case.catalog_version.number,
    )
