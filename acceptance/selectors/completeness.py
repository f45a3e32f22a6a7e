from dataclasses import dataclass

from ..models import Case, CatalogItem, Material


@dataclass(frozen=True)
class CompletenessReport:
    """归档范围核对: required items present, missing but tolerable, missing and blocking."""

    present: tuple[str, ...]
    missing_tolerable: tuple[str, ...]
    missing_blocking: tuple[str, ...]

    @property
    def acceptable(self) -> bool:
        """Nothing blocking is missing (tolerable gaps may be covered by a commitment)."""
        return not self.missing_blocking

    @property
    def complete(self) -> bool:
        return self.acceptable and not self.missing_tolerable

    def as_dict(self) -> dict:
        return {
            "complete": self.complete,
            "acceptable": self.acceptable,
            "present": list(self.present),
            "missing_tolerable": list(self.missing_tolerable),
            "missing_blocking": list(self.missing_blocking),
        }


def required_items() -> list[CatalogItem]:
    return [item for item in CatalogItem.objects.filter(active=True) if item.required_by_archive]


def completeness_report(case: Case) -> CompletenessReport:
    delivered = set(
        case.materials.current()
        .exclude(status__in=(Material.Status.CHECK_FAILED, Material.Status.RETURNED))
        .values_list("catalog_item__code", flat=True)
    )
    required = required_items()
    missing = [item for item in required if item.code not in delivered]
    return CompletenessReport(
        present=tuple(sorted(item.code for item in required if item.code in delivered)),
        missing_tolerable=tuple(item.code for item in missing if item.tolerable),
        missing_blocking=tuple(item.code for item in missing if not item.tolerable),
    )
