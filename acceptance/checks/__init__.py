"""File checks on one stored file, grouped by the four archive properties (四性).

Pure Python: no Django models and no database. Use :func:`check_file` for a full report and
:func:`sniff_format` to tell a file's real format from its content.
"""

from .files import check_file
from .formats import ACCEPTED_FORMATS
from .outcomes import (
    ArchiveProperty,
    CheckOutcome,
    CheckResult,
    FileKind,
    FileReport,
    summarize_properties,
)
from .policy import CheckPolicy, EmbeddedFiles
from .sniffing import sniff_format

__all__ = [
    "ACCEPTED_FORMATS",
    "ArchiveProperty",
    "CheckOutcome",
    "CheckPolicy",
    "CheckResult",
    "EmbeddedFiles",
    "FileKind",
    "FileReport",
    "check_file",
    "sniff_format",
    "summarize_properties",
]
