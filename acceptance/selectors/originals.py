"""电子原件率: the share of records that are electronic originals, by file and by page.

Under single-track archiving (单套制) the electronic record is the record. An electronic original
(原生电子文件) was made digital: exported from the software it was written in, drawn in CAD, a
digital photo or recording, an OFD document. A scan of paper (纸质扫描件, a digitised copy) is
not one. Some provinces require both shares above one half (``ACCEPTANCE_ORIGINALS_MIN_RATE``).

A record's origin is what its owner declared at upload (``Material.origin``); when nothing was
declared, what its file shows once checked: a PDF's pages drawn from images with no text of their
own are scanned pages (``integrity.pdf_pages``), a TIFF is a scan (the archive's scan master
format), a JPEG or PNG filed as a document or drawing (not as a photo) is a picture of paper;
anything else (a PDF with text, OFD, DXF, photos, recordings) is born digital. Pages are those the
record takes in its volume (``services.volumes.material_pages``); a PDF part scanned counts its
scanned pages as such. A record not checked yet, and not declared, is counted apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..conf import setting
from ..models import Case, FormatKind, Material
from ..services.volumes import material_pages
from .commitments import cases_accepted_between

Origin = Material.Origin
SCAN_FORMATS = frozenset({"tiff"})
PICTURE_FORMATS = frozenset({"jpeg", "png"})


@dataclass(frozen=True)
class RecordOrigin:
    """One record's origin: its pages in all and those that are electronic originals."""

    origin: str | None  # an ``Origin`` value, or None while it cannot be told
    pages: int
    original_pages: int
    declared: bool


def record_origin(material: Material) -> RecordOrigin:
    pages = material_pages(material)
    if material.origin:
        original = pages if material.origin == Origin.BORN_DIGITAL else 0
        return RecordOrigin(material.origin, pages, original, declared=True)
    report = material.check_report or {}
    fmt = report.get("detected_format") or material.detected_format
    if "outcomes" not in report or not fmt:
        return RecordOrigin(None, pages, 0, declared=False)
    if fmt in SCAN_FORMATS or (fmt in PICTURE_FORMATS and material.format_kind != FormatKind.PHOTO):
        return RecordOrigin(Origin.DIGITIZED, pages, 0, declared=False)
    scanned = _scanned_pages(report)
    original = max(pages - scanned, 0)
    origin = Origin.DIGITIZED if scanned and not original else Origin.BORN_DIGITAL
    return RecordOrigin(origin, pages, original, declared=False)


def _scanned_pages(report: dict) -> int:
    for outcome in report.get("outcomes", []):
        if outcome["code"] == "integrity.pdf_pages":
            return int(outcome.get("detail", {}).get("image_only_pages") or 0)
    return 0


@dataclass(frozen=True)
class OriginalsRate:
    """Counts of records (files) and pages, and of those that are electronic originals."""

    files: int = 0
    original_files: int = 0
    pages: int = 0
    original_pages: int = 0
    undetermined: int = 0  # records not checked yet and not declared: in neither count
    declared: int = 0  # records whose origin the owner declared

    @property
    def file_rate(self) -> float | None:
        return self.original_files / self.files if self.files else None

    @property
    def page_rate(self) -> float | None:
        return self.original_pages / self.pages if self.pages else None

    @property
    def file_percent(self) -> str:
        return _percent(self.file_rate)

    @property
    def page_percent(self) -> str:
        return _percent(self.page_rate)

    @property
    def minimum(self) -> float:
        return float(setting("ACCEPTANCE_ORIGINALS_MIN_RATE"))

    @property
    def meets_minimum(self) -> bool | None:
        """Both shares above the minimum; None when there is nothing to count."""
        if self.file_rate is None or self.page_rate is None:
            return None
        return self.file_rate > self.minimum and self.page_rate > self.minimum

    def __add__(self, other: OriginalsRate) -> OriginalsRate:
        return OriginalsRate(*(getattr(self, name) + getattr(other, name) for name in _COUNTS))

    def as_dict(self) -> dict:
        return {
            **{name: getattr(self, name) for name in _COUNTS},
            "file_rate": self.file_rate,
            "page_rate": self.page_rate,
            "minimum": self.minimum,
            "meets_minimum": self.meets_minimum,
        }


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


_COUNTS = ("files", "original_files", "pages", "original_pages", "undetermined", "declared")


def originals_rate(materials: Iterable[Material]) -> OriginalsRate:
    total = OriginalsRate()
    for material in materials:
        record = record_origin(material)
        if record.origin is None:
            total += OriginalsRate(undetermined=1, declared=0)
            continue
        total += OriginalsRate(
            files=1,
            original_files=int(record.origin == Origin.BORN_DIGITAL),
            pages=record.pages,
            original_pages=record.original_pages,
            declared=int(record.declared),
        )
    return total


def case_originals(case: Case) -> OriginalsRate:
    """The case's current records (not superseded, not withdrawn)."""
    return originals_rate(case.materials.current().select_related("catalog_item"))


@dataclass(frozen=True)
class OriginalsStatistics:
    start: date
    end: date
    total: OriginalsRate
    cases: list[tuple[Case, OriginalsRate]]

    @property
    def below_minimum(self) -> int:
        return sum(1 for _, rate in self.cases if rate.meets_minimum is False)


def originals_statistics(*, start: date, end: date) -> OriginalsStatistics:
    """The cases accepted (fully or conditionally) from ``start`` to ``end`` (Shanghai dates,
    inclusive), as the conditional acceptance statistics count them, and their records now."""
    accepted = cases_accepted_between(start, end)
    cases = Case.objects.filter(pk__in=accepted).select_related("project").order_by("reference")
    rows = [(case, case_originals(case)) for case in cases]
    total = sum((rate for _, rate in rows), OriginalsRate())
    return OriginalsStatistics(start=start, end=end, total=total, cases=rows)
