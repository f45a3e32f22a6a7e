"""The file checks on loose files (``manage.py check_files``): no case, no database.

Each file gets the same four-property checks a stored material gets (without the record
metadata only a case has; photos without the case's period and duplicate checks), plus the extra rules configured for its kind
(``ACCEPTANCE_FILE_RULES``). Later checks join by being added there or to ``check_file``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..checks import CheckResult, FileKind, check_file, summarize_properties
from ..checks.outcomes import error_detail
from ..conf import av_rules, file_rules, max_bytes_by_kind, photo_rules, rule_outcomes
from ..media.photos import examine_photo


def _walk(paths: Iterable[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    yield Path(folder) / name
        else:
            yield path


def check_path(path: Path, *, kind: FileKind | None = None, sha256: str | None = None) -> dict:
    """One file's result: path, detected kind and format, size, digest and every check."""
    try:
        report = check_file(
            path,
            declared_kind=kind,
            expected_digest=sha256,
            max_bytes=max_bytes_by_kind(),
            name=path.name,
            image_check=_photo_check(),
            av_rules=av_rules(),
        )
        outcomes = [outcome.as_dict() for outcome in report.outcomes]
        if report.passed and report.detected_format != "unreadable":
            for rule in file_rules(report.detected_kind):
                outcomes += [outcome.as_dict() for outcome in rule_outcomes(rule, path)]
    except Exception as exc:  # a check that crashes must still give an answer, not a traceback
        return {
            "path": str(path),
            "detected_kind": FileKind.UNKNOWN.value,
            "detected_format": "unknown",
            "passed": False,
            "error": error_detail(exc),
            "checks": [],
        }
    return {
        "path": str(path),
        "detected_kind": report.detected_kind.value,
        "detected_format": report.detected_format,
        "size": report.size,
        "sha256": report.sha256,
        "passed": all(o["result"] != CheckResult.FAIL for o in outcomes),
        "properties": summarize_properties(outcomes),
        "checks": [
            {
                "code": o["code"],
                "property": o["property"],
                "result": o["result"],
                "message_zh": o["message_zh"],
                "message_en": o["message_en"],
                "detail": o["detail"],
            }
            for o in outcomes
        ],
    }


def _photo_check():
    """Photos get the intake's photo checks (resolution, EXIF, orientation) in one decode."""
    rules = photo_rules()
    return lambda path, fmt: examine_photo(path, fmt, rules).outcomes


def check_paths(
    paths: Iterable[str], *, kind: FileKind | None = None, sha256: str | None = None
) -> Iterator[dict]:
    """Results for every file named or found under the folders named, in order."""
    for path in _walk(paths):
        yield check_path(path, kind=kind, sha256=sha256)
