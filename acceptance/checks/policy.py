"""The archive's policy the file checks judge by: accepted formats, drawing loads, attachments.

Defaults live here so the checks run without Django (``manage.py check_files``, tests, the
benchmarks); a configured site overrides them with settings (see :meth:`CheckPolicy.current`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from .formats import ACCEPTED_FORMATS
from .outcomes import CheckResult, FileKind


class EmbeddedFiles(StrEnum):
    """What to do with a PDF that carries attached files (``/EmbeddedFiles``, file annotations)."""

    REFUSE = "refuse"  # any attachment fails the check
    REFUSE_EXECUTABLES = "refuse_executables"  # executables and scripts fail, others are warned
    REPORT = "report"  # every attachment is a warning


@dataclass(frozen=True)
class CheckPolicy:
    """``accepted_formats``: per kind, the formats the archive takes (others fail with advice on
    converting); ``drawing_audit_max_bytes``: a DXF file the streaming pass finds flawed is
    loaded by ezdxf and audited up to this size (exact repair counts, the reader named); larger
    ones are judged by the streaming pass alone, so memory stays bounded whatever the size;
    ``empty_drawing``: the result of a drawing without
    content; ``pdf_embedded_files``: see :class:`EmbeddedFiles`.
    """

    accepted_formats: Mapping[FileKind, frozenset[str]] = field(
        default_factory=lambda: dict(ACCEPTED_FORMATS)
    )
    drawing_audit_max_bytes: int = 4 * 1024 * 1024
    empty_drawing: CheckResult = CheckResult.FAIL
    pdf_embedded_files: EmbeddedFiles = EmbeddedFiles.REFUSE_EXECUTABLES

    @classmethod
    def current(cls) -> CheckPolicy:
        """The policy of the configured site, or the defaults when Django is not set up."""
        from django.conf import settings

        if not settings.configured:
            return cls()
        from ..conf import setting
        from ..drawings.rules import FILE_EMPTY, RESULT_OF, rule_config

        accepted = dict(ACCEPTED_FORMATS)
        for kind, formats in setting("ACCEPTANCE_ACCEPTED_FORMATS").items():
            accepted[FileKind(kind)] = frozenset(formats)
        # An empty drawing is judged by the drawing rule "file.empty": one setting for both.
        empty = rule_config()[FILE_EMPTY.id]
        return replace(
            cls(),
            accepted_formats=accepted,
            drawing_audit_max_bytes=setting("ACCEPTANCE_DRAWING_AUDIT_MAX_BYTES"),
            empty_drawing=RESULT_OF[empty["severity"]] if empty["enabled"] else CheckResult.PASS,
            pdf_embedded_files=EmbeddedFiles(setting("ACCEPTANCE_PDF_EMBEDDED_FILES")),
        )
