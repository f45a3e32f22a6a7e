"""Fixity (真实性 · 固定性): recompute stored files' digests and compare with intake.

Each version is checked under the algorithm its intake digest was taken with
(``Material.intake_digest``, ``workflows.digests``): SHA-256 for versions stored before a switch
to SM3, SM3 after it.

``fixity_audit`` goes over every stored material version (the Celery beat job and ``manage.py
audit_fixity`` call it); ``material_verify`` checks one on demand. A mismatch or a missing file is
journaled on the case's chain, so auditors see it in the case's history; the audit itself is kept
as a ``FixityAudit`` row with the list of problems.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from workflows.digests import SHA256, algorithm_of, digest_file
from workflows.journal import journal_append

from ..models import FixityAudit, Material

logger = logging.getLogger(__name__)


@dataclass
class FixityResult:
    """One file's verdict: ``ok`` (digest matches), ``mismatch`` or ``missing``."""

    material: int
    case: str
    name: str
    verdict: str
    expected_digest: str
    actual_digest: str = ""
    error: str = ""

    def as_dict(self) -> dict:
        return {
            "material": self.material,
            "case": self.case,
            "name": self.name,
            "verdict": self.verdict,
            "expected_digest": self.expected_digest,
            "actual_digest": self.actual_digest,
            "error": self.error,
        }


@dataclass
class FixityReport:
    checked: int = 0
    problems: list[FixityResult] = field(default_factory=list)
    audit: FixityAudit | None = None

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "intact": self.intact,
            "mismatches": [p.as_dict() for p in self.problems if p.verdict == "mismatch"],
            "missing": [p.as_dict() for p in self.problems if p.verdict == "missing"],
            "audit": self.audit.pk if self.audit else None,
        }


def file_sha256(path: Path) -> str:
    """The SHA-256 of a stored file (its address in storage), streamed."""
    return digest_file(path, SHA256)


def _verify(material: Material) -> FixityResult:
    result = FixityResult(
        material=material.pk,
        case=material.case.reference,
        name=material.original_name,
        verdict="ok",
        expected_digest=material.intake_digest,
    )
    algorithm = algorithm_of(material.intake_digest)
    try:
        result.actual_digest = digest_file(Path(material.file.path), algorithm)
    except (OSError, ValueError) as exc:
        result.verdict, result.error = "missing", f"{type(exc).__name__}: {exc}"
        return result
    if result.actual_digest != material.intake_digest:
        result.verdict = "mismatch"
    return result


def _record(material: Material, result: FixityResult, actor) -> None:
    """Save the material's last fixity state; journal a problem (once per change of state)."""
    ok = result.verdict == "ok"
    was_ok = material.fixity_ok
    with transaction.atomic():
        Material.objects.filter(pk=material.pk).update(
            fixity_checked_at=timezone.now(), fixity_ok=ok
        )
        if not ok and was_ok is not False:
            journal_append(
                chain=material.case.reference,
                kind="material.fixity_failed",
                actor=actor,
                payload=result.as_dict(),
            )
        elif ok and was_ok is False:
            journal_append(
                chain=material.case.reference,
                kind="material.fixity_restored",
                actor=actor,
                payload=result.as_dict(),
            )
    material.fixity_ok = ok


def material_verify(*, material: Material, user=None) -> FixityResult:
    """Re-verify one stored material version now (on demand)."""
    result = _verify(material)
    _record(material, result, user)
    if result.verdict != "ok":
        logger.warning("fixity %s: %s (%s)", result.verdict, result.name, result.case)
    return result


def fixity_audit(*, materials=None, actor=None) -> FixityReport:
    """Verify every stored material version (or ``materials``); one broken file stops nothing.

    Returns the report; the run is kept as a :class:`FixityAudit` row.
    """
    started = timezone.now()
    queryset = materials if materials is not None else Material.objects.all()
    report = FixityReport()
    for material in queryset.select_related("case").order_by("pk").iterator(chunk_size=500):
        try:
            result = _verify(material)
            _record(material, result, actor)
        except Exception as exc:  # a sweep handles failure per item
            logger.exception("fixity audit failed on material %s", material.pk)
            result = FixityResult(
                material.pk,
                material.case.reference,
                material.original_name,
                "missing",
                material.intake_digest,
                error=f"{type(exc).__name__}: {exc}",
            )
        report.checked += 1
        if result.verdict != "ok":
            report.problems.append(result)
    report.audit = FixityAudit.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        checked=report.checked,
        mismatches=[p.as_dict() for p in report.problems if p.verdict == "mismatch"],
        missing=[p.as_dict() for p in report.problems if p.verdict == "missing"],
    )
    if report.problems:
        logger.warning(
            "fixity audit: %d of %d stored files failed", len(report.problems), report.checked
        )
    return report
