"""The one place that decides a material's check state; every page and the API read it.

pending   nothing has checked this version yet (or its check is queued)
running   a check started and has not recorded its result
passed    every check passed
warned    passed, with warnings to read
failed    a check failed: the owner fixes the file and uploads a new version
refused   a security check failed (executable, package, macros, over the size limit…):
          the archive does not take the file at all

The state is read from what the checks recorded on the material (``check_report``, written by
``services.materials.material_checks_record``) and when a check last started
(``check_started_at``), never from the upload request, so it is the same after a reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from workflows.labels import Label, label

from ..checks.formats import format_label
from ..checks.pronom import format_title
from ..models import Material

REFUSING_PROPERTY = "security"
# The drawing review's rules (数字化审图): the reviewer judges their findings at the drawing review.
DRAWING_REVIEW_RULES = "drawing."


class CheckState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    WARNED = "warned"
    FAILED = "failed"
    REFUSED = "refused"


DONE = (CheckState.PASSED, CheckState.WARNED, CheckState.FAILED, CheckState.REFUSED)


def _checked_at(report: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(report["checked_at"])
    except (KeyError, TypeError, ValueError):
        return None


def material_check_state(material: Material) -> CheckState:
    """The check state of this material version (see the module's table)."""
    report = material.check_report or {}
    checked_at = _checked_at(report)
    started_at = material.check_started_at
    if started_at is not None and (checked_at is None or checked_at < started_at):
        return CheckState.RUNNING
    if "outcomes" not in report:
        return CheckState.PENDING
    results = [(o["property"], o["result"]) for o in report["outcomes"]]
    if any(prop == REFUSING_PROPERTY and result == "fail" for prop, result in results):
        return CheckState.REFUSED
    if not report.get("passed", True) or any(result == "fail" for _, result in results):
        return CheckState.FAILED
    if any(result == "warn" for _, result in results):
        return CheckState.WARNED
    return CheckState.PASSED


@dataclass(frozen=True)
class FormatShown:
    """A file's format as pages show it: in words on the face, its PRONOM id folded away."""

    words: str  # the archive's name of the format, e.g. "JPEG 图像"
    title: str  # PRONOM's name and version, e.g. "JPEG File Interchange Format 1.01"
    puid: str
    reason: str  # why there is no PRONOM id
    basis: str
    identifier: str


def _format_shown(report: dict) -> FormatShown | None:
    identity = report.get("format_id")
    if not identity:  # checked before formats were identified
        return None
    return FormatShown(
        words=format_label(report.get("detected_format", "unknown"), "zh"),
        title=format_title(identity["name"], identity["version"]),
        puid=identity["puid"],
        reason=identity["reason"],
        basis=identity["basis"],
        identifier=identity["identifier"],
    )


@dataclass(frozen=True)
class MaterialCheck:
    """A material's check state with what a page shows of it."""

    state: CheckState
    properties: dict[str, str]
    findings: tuple[dict, ...]  # failed and warned outcomes, each with its rule's ``label``
    checked_at: datetime | None
    format: FormatShown | None = None

    @property
    def label(self) -> Label:
        return label("check_state", self.state)

    @property
    def done(self) -> bool:
        return self.state in DONE

    @property
    def ok(self) -> bool:
        return self.state in (CheckState.PASSED, CheckState.WARNED)

    def as_dict(self) -> dict:
        """The API's form: state, its labels, when, the four properties and the findings."""
        return {
            "state": self.state.value,
            "label_zh": self.label.zh,
            "label_en": self.label.en,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "properties": dict(self.properties) if self.done else {},
            "findings": [
                {key: f[key] for key in ("code", "result", "message_zh", "message_en")}
                for f in self.findings
            ],
        }


def material_check(material: Material) -> MaterialCheck:
    """The material's check state, four-property summary and findings."""
    state = material_check_state(material)
    report = material.check_report or {}
    findings = ()
    if state in DONE:
        findings = tuple(
            {**o, "label": label("rule", o["code"])}
            for o in report.get("outcomes", [])
            if o["result"] != "pass"
        )
    return MaterialCheck(
        state=state,
        properties=report.get("properties", {}) if state in DONE else {},
        findings=findings,
        checked_at=_checked_at(report) if state in DONE else None,
        format=_format_shown(report) if state in DONE else None,
    )


def material_delivered(material: Material) -> bool:
    """Whether this version counts as delivered (completeness, the node check's missing items).

    A version whose checks passed is; so is a drawing whose file is sound and that failed only
    the drawing review's rules (no stamp, an empty title field…): it is delivered, and the
    reviewer returns it at the drawing review. A version the reviewer returned, or whose file
    failed its checks, is not.
    """
    if material.status == Material.Status.RETURNED:
        return False
    if material.status != Material.Status.CHECK_FAILED:
        return True
    failed = [
        outcome["code"]
        for outcome in (material.check_report or {}).get("outcomes", [])
        if outcome["result"] == "fail"
    ]
    return bool(failed) and all(code.startswith(DRAWING_REVIEW_RULES) for code in failed)
