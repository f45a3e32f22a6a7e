"""Reads of a case's volumes (案卷) and their catalogs (卷内目录)."""

from __future__ import annotations

from django.db.models import Prefetch

from ..models import Case, Volume, VolumeEntry


def case_volumes(case: Case) -> list[Volume]:
    """The case's volumes in number order, each with its entries and their records loaded."""
    entries = VolumeEntry.objects.select_related("material", "material__catalog_item").order_by(
        "position"
    )
    return list(
        case.volumes.order_by("number").prefetch_related(Prefetch("entries", queryset=entries))
    )
