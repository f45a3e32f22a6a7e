from .case import Case, Decision
from .catalog import CatalogItem, FormatKind, Retention
from .commitment import Commitment
from .material import Material
from .project import Node, Organisation, Project

__all__ = [
    "Case",
    "CatalogItem",
    "Commitment",
    "Decision",
    "FormatKind",
    "Material",
    "Node",
    "Organisation",
    "Project",
    "Retention",
]
