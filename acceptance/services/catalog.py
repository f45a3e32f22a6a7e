from pathlib import Path

import yaml
from django.db import transaction

from ..models import CatalogItem, FormatKind

CATALOG_SEED = Path(__file__).resolve().parent.parent / "data" / "catalog.yaml"

# Core items (主审要件) can never be tolerated; the draft's suggestion: all of D, E1-5, E1-12.
TOLERABLE_CATEGORIES = ("B", "C", "E2", "E3", "E4")
FORMAT_BY_CODE = {"E3-1": FormatKind.PHOTO, "E3-2": FormatKind.VIDEO}


def _default_format(code: str, category: str) -> str:
    if category.startswith("D"):
        return FormatKind.DRAWING
    return FORMAT_BY_CODE.get(code, FormatKind.DOCUMENT)


def catalog_seed(*, path: Path = CATALOG_SEED) -> int:
    """Load catalog items from YAML; items already present keep any edits made since."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    created = 0
    with transaction.atomic():
        for row in rows:
            _, was_created = CatalogItem.objects.get_or_create(
                code=row["code"],
                defaults={
                    "name_zh": row["name_zh"],
                    "name_en": row["name_en"],
                    "category": row["category"],
                    "retention": row["retention"],
                    "required_for": row.get("required_for", []),
                    "optional_for": row.get("optional_for", []),
                    "tolerable": row["category"].startswith(TOLERABLE_CATEGORIES),
                    "format_kind": _default_format(row["code"], row["category"]),
                    "confidence": row.get("confidence", ""),
                },
            )
            created += was_created
    return created
