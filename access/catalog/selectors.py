"""What the public sees of the catalog: the projects, and one project's volumes and files."""

from __future__ import annotations

from dataclasses import dataclass, field

from .levels import PUBLIC_LEVELS
from .models import AccessLevel, CatalogEntry


def public_projects():
    """Projects with at least one record the public may see, the latest completed first."""
    return CatalogEntry.objects.filter(
        kind=CatalogEntry.Kind.PROJECT, level__in=PUBLIC_LEVELS
    ).order_by("-year", "code")


@dataclass
class VolumeCatalog:
    entry: CatalogEntry | None  # None: the files not arranged into a volume
    files: list[CatalogEntry] = field(default_factory=list)


@dataclass
class ProjectCatalog:
    project: CatalogEntry
    volumes: list[VolumeCatalog]
    closed_files: int  # counted, never listed

    @property
    def open_files(self) -> int:
        return sum(entry.level == AccessLevel.OPEN for v in self.volumes for entry in v.files)

    @property
    def controlled_files(self) -> int:
        return sum(entry.level == AccessLevel.CONTROLLED for v in self.volumes for entry in v.files)


def project_catalog(reference: str) -> ProjectCatalog | None:
    """The public catalog of the project numbered ``reference``; None when it shows nothing."""
    project = public_projects().filter(code=reference).first()
    if project is None:
        return None
    entries = CatalogEntry.objects.filter(project_id=project.project_id).exclude(
        kind=CatalogEntry.Kind.PROJECT
    )
    volumes = {
        entry.volume_id: VolumeCatalog(entry)
        for entry in entries.filter(
            kind=CatalogEntry.Kind.VOLUME, level__in=PUBLIC_LEVELS
        ).order_by("code")
    }
    unplaced = VolumeCatalog(None)
    files = entries.filter(kind=CatalogEntry.Kind.FILE)
    for entry in files.filter(level__in=PUBLIC_LEVELS).order_by("code", "pk"):
        volumes.get(entry.volume_id, unplaced).files.append(entry)
    listed = [*volumes.values(), *([unplaced] if unplaced.files else [])]
    closed = files.filter(level=AccessLevel.CLOSED).count()
    return ProjectCatalog(project=project, volumes=listed, closed_files=closed)
