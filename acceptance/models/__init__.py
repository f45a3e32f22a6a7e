from .case import Case, Decision
from .catalog import (
    CatalogItem,
    CatalogProfile,
    CatalogVersion,
    FormatKind,
    Party,
    Retention,
    WorksType,
)
from .commitment import Commitment
from .fixity import FixityAudit
from .material import Material
from .media import MediaCheckChunk, MediaCheckRun, MediaItem
from .notification import Notification
from .policy import CommitmentPolicy, DayCount
from .project import Node, Organisation, Project
from .property_checks import PropertyCheckReport
from .volume import Volume, VolumeEntry

__all__ = [
    "Case",
    "CatalogItem",
    "CatalogProfile",
    "CatalogVersion",
    "Commitment",
    "CommitmentPolicy",
    "DayCount",
    "Decision",
    "FixityAudit",
    "FormatKind",
    "Material",
    "MediaCheckChunk",
    "MediaCheckRun",
    "MediaItem",
    "Node",
    "Notification",
    "Organisation",
    "Party",
    "Project",
    "PropertyCheckReport",
    "Retention",
    "Volume",
    "VolumeEntry",
    "WorksType",
]
