"""Building the catalog's search entries of a project from its accepted records.

A project's entries are rebuilt whole, in one transaction, whenever one of its cases is accepted
or archived and whenever staff change a level; ``manage.py catalog_reindex`` rebuilds them all.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from acceptance.models import Case, Commitment, Material, Project, VolumeEntry

from .levels import LevelResolver, most_open
from .masking import mask_personal_data
from .models import CatalogEntry
from .tokens import tokens

# The statuses of a case whose records may be in the archive (see ``accepted_cases``).
ACCEPTED_STATUSES = (
    Case.Status.CONDITIONALLY_ACCEPTED,
    Case.Status.ACCEPTED,
    Case.Status.ARCHIVED,
)


def accepted_cases():
    """Cases whose records are in the archive: accepted, or accepted under a time-limited
    commitment once the owner has signed it (until then the acceptance is not in force)."""
    unsigned = Commitment.objects.filter(status=Commitment.Status.DRAFT).values("case_id")
    return Case.objects.filter(
        Q(status__in=(Case.Status.ACCEPTED, Case.Status.ARCHIVED))
        | (Q(status=Case.Status.CONDITIONALLY_ACCEPTED) & ~Q(pk__in=unsigned))
    )


def accepted_materials(project: Project):
    """The current records of the project's accepted cases."""
    return (
        Material.objects.current()
        .filter(case__project=project, case__in=accepted_cases())
        .select_related("catalog_item", "case")
        .order_by("case_id", "catalog_item__code", "pk")
    )


def _file_entry(project: Project, material: Material, volume, level: str) -> CatalogEntry:
    item = material.catalog_item
    title = mask_personal_data(material.title or item.name_zh)
    detail = " · ".join(
        part
        for part in (
            f"{item.code} {item.name_zh}",
            material.document_number,
            mask_personal_data(material.responsible_party),
        )
        if part
    )
    return CatalogEntry(
        kind=CatalogEntry.Kind.FILE,
        project=project,
        volume=volume,
        material=material,
        level=level,
        code=item.code,
        title=title,
        detail=detail,
        year=material.formed_on.year if material.formed_on else None,
        tokens=tokens(f"{title} {detail} {project.name}"),
    )


def project_entries(project: Project) -> list[CatalogEntry]:
    """The project's catalog entries: the project, its volumes and its files, each with its
    level (a volume and the project are as open as their most open file)."""
    materials = list(accepted_materials(project))
    if not materials:
        return []
    resolver = LevelResolver.for_materials(materials)
    placed = {
        entry.material_id: entry.volume
        for entry in VolumeEntry.objects.filter(material__in=materials).select_related(
            "volume", "volume__case"
        )
    }
    files = [
        _file_entry(project, material, placed.get(material.pk), resolver.level(material))
        for material in materials
    ]
    volumes = {}
    for entry in files:
        if entry.volume is not None:
            volumes.setdefault(entry.volume.pk, (entry.volume, []))[1].append(entry.level)
    volume_entries = [
        CatalogEntry(
            kind=CatalogEntry.Kind.VOLUME,
            project=project,
            volume=volume,
            level=most_open(levels),
            code=volume.archival_code,
            title=mask_personal_data(volume.title),
            detail=f"{volume.get_retention_display()} · {volume.item_count} 件 {volume.page_count} 页",
            year=volume.date_end.year if volume.date_end else None,
            tokens=tokens(f"{volume.title} {volume.archival_code} {project.name}"),
        )
        for volume, levels in volumes.values()
    ]
    owner = project.owner.name
    project_entry = CatalogEntry(
        kind=CatalogEntry.Kind.PROJECT,
        project=project,
        level=most_open([entry.level for entry in files]),
        code=project.reference,
        title=mask_personal_data(project.name),
        detail=f"{project.location} · {owner}",
        year=project.completion_date.year if project.completion_date else None,
        tokens=tokens(
            f"{project.name} {project.location} {owner} {project.reference} "
            f"{project.contractor} {project.designer} {project.supervisor}"
        ),
    )
    return [project_entry, *volume_entries, *files]


def catalog_project_index(project: Project) -> int:
    """Rebuild ``project``'s entries; the number written."""
    with transaction.atomic():
        CatalogEntry.objects.filter(project=project).delete()
        entries = project_entries(project)
        CatalogEntry.objects.bulk_create(entries)
    return len(entries)


def catalog_reindex() -> int:
    """Rebuild every project's entries (and drop those of projects no longer accepted)."""
    projects = Project.objects.filter(cases__in=accepted_cases()).distinct()
    with transaction.atomic():
        CatalogEntry.objects.exclude(project__in=projects).delete()
        return sum(catalog_project_index(project) for project in projects.order_by("pk"))
