"""Result types of the file checks (四性检测 items after DA/T 70-2018)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class CheckResult(StrEnum):
    """Result of one check item: pass, warning or fail."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


class ArchiveProperty(StrEnum):
    """The four properties of an electronic record (四性)."""

    AUTHENTICITY = "authenticity"  # 真实性
    INTEGRITY = "integrity"  # 完整性
    USABILITY = "usability"  # 可用性
    SECURITY = "security"  # 安全性


class FileKind(StrEnum):
    """What a file is meant to be in the archive."""

    DOCUMENT = "document"
    DRAWING = "drawing"
    PHOTO = "photo"
    VIDEO = "video"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckOutcome:
    """One check item's result, with a message for the owner in Chinese and English.

    ``code`` is a stable identifier such as ``"usability.pdf_opens"``; ``detail`` holds
    JSON-serialisable facts (page count, version, pixel size, error text...).
    """

    code: str
    property: ArchiveProperty
    result: CheckResult
    message_zh: str
    message_en: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of this outcome."""
        return {
            "code": self.code,
            "property": self.property.value,
            "result": self.result.value,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "detail": dict(self.detail),
        }


@dataclass(frozen=True)
class FileReport:
    """Everything the checks found out about one stored file."""

    detected_kind: FileKind
    detected_format: str
    sha256: str
    size: int
    outcomes: tuple[CheckOutcome, ...]
    # The PRONOM identity (``pronom.FormatIdentity.as_dict``); empty when the file was unreadable.
    format_id: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when no check item failed (warnings allowed)."""
        return all(o.result is not CheckResult.FAIL for o in self.outcomes)

    @property
    def properties(self) -> dict[str, str]:
        """The worst result per archive property (see :func:`summarize_properties`)."""
        return summarize_properties([o.as_dict() for o in self.outcomes])

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of this report."""
        return {
            "detected_kind": self.detected_kind.value,
            "detected_format": self.detected_format,
            "sha256": self.sha256,
            "size": self.size,
            "format_id": dict(self.format_id),
            "passed": self.passed,
            "properties": self.properties,
            "outcomes": [o.as_dict() for o in self.outcomes],
        }


def make_outcome(
    code: str, result: CheckResult, message_zh: str, message_en: str, **detail: Any
) -> CheckOutcome:
    """Build a :class:`CheckOutcome` whose property is the prefix of ``code``.

    ``make_outcome("usability.pdf_opens", CheckResult.PASS, "...", "...", pages=3)``.
    """
    prop = ArchiveProperty(code.partition(".")[0])
    return CheckOutcome(code, prop, result, message_zh, message_en, detail)


def error_detail(exc: BaseException, limit: int = 500) -> dict[str, str]:
    """Return the exception's type and (shortened) message as outcome detail."""
    return {"error_type": type(exc).__name__, "error": str(exc)[:limit]}


_SEVERITY = {CheckResult.PASS.value: 0, CheckResult.WARN.value: 1, CheckResult.FAIL.value: 2}


def summarize_properties(outcomes: list[dict[str, Any]]) -> dict[str, str]:
    """The worst result per property of outcome dicts, ``"not_checked"`` where none ran.

    ``{"authenticity": "pass", "integrity": "warn", "usability": "pass", "security": "fail"}``
    """
    summary: dict[str, str] = {}
    for prop in ArchiveProperty:
        results = [o["result"] for o in outcomes if o["property"] == prop.value]
        summary[prop.value] = max(results, key=_SEVERITY.__getitem__) if results else "not_checked"
    return summary
