"""Which access level a record has: staff's level for the file, else its catalog item's, else
its category's, else its top category's, else ``ACCESS_DEFAULT_LEVEL``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from .models import AccessLevel, CatalogItemAccess, MaterialAccess

ORDER = (AccessLevel.OPEN, AccessLevel.CONTROLLED, AccessLevel.CLOSED)
# What the public sees listed: an open record's title and a controlled one's (its content is
# given out on a request with the proofs its purpose asks for); a closed record not at all.
PUBLIC_LEVELS = (AccessLevel.OPEN, AccessLevel.CONTROLLED)


def default_level() -> str:
    return getattr(settings, "ACCESS_DEFAULT_LEVEL", AccessLevel.CONTROLLED)


def most_open(levels: Iterable[str]) -> str:
    """The most open of ``levels`` (a volume is as visible as its most visible file)."""
    present = set(levels)
    return next((level for level in ORDER if level in present), AccessLevel.CLOSED)


def item_level(code: str, category: str, levels: dict[str, str]) -> str:
    for key in (code, category, category[:1]):
        if key in levels:
            return levels[key]
    return default_level()


@dataclass(frozen=True)
class LevelResolver:
    """The levels staff set, read once for a batch of records."""

    item_levels: dict[str, str]
    overrides: dict[int, str]

    @classmethod
    def for_materials(cls, materials) -> LevelResolver:
        return cls(
            item_levels=dict(CatalogItemAccess.objects.values_list("code", "level")),
            overrides=dict(
                MaterialAccess.objects.filter(material__in=materials).values_list(
                    "material_id", "level"
                )
            ),
        )

    def level(self, material) -> str:
        if material.pk in self.overrides:
            return self.overrides[material.pk]
        item = material.catalog_item
        return item_level(item.code, item.category, self.item_levels)


def material_access_level(material) -> str:
    """The access level of one record (for a request's eligibility: a closed one is refused)."""
    return LevelResolver.for_materials([material]).level(material)
