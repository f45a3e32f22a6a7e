"""Reads of a case's drawing set for the review pages: findings, previews, verdicts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from django.conf import settings

from ..drawings.preview import read_manifest
from ..drawings.review import review_index_unmatched, review_set
from ..models import Case, FormatKind, Material
from .checks import MaterialCheck, material_check

TITLE_RULE = "drawing.title.present"
# The content rule's outcome carries the drawing's spaces (see drawings.review.DrawingReview).
CONTENT_RULE = "drawing.file.empty"
MODEL_SPACE = "Model"
# The viewer's keys of the two spaces in ENTITIES; any other layout is keyed by its block name.
SPACE_KEYS = {"*MODEL_SPACE": "model", "*PAPER_SPACE": "paper"}
# The names CAD programs give new layouts, shown as a Chinese CAD program shows them (布局1).
DEFAULT_LAYOUT_NAME = re.compile(r"(?i)layout\s*(\d+)")
# Findings that mean the file is no ASCII DXF a browser can read (binary DXF, DWG, refused size).
UNREADABLE_RULES = {"drawing.file.dwg", "drawing.file.binary_dxf", "drawing.file.size"}
# Python's codec names for DXF code pages, as a browser's TextDecoder calls them.
WEB_ENCODINGS = {
    "utf8": "utf-8",
    "gbk": "gbk",
    "cp936": "gbk",
    "cp950": "big5",
    "cp932": "shift_jis",
    "cp949": "euc-kr",
    "cp874": "windows-874",
}


def drawing_preview_dir(material: Material) -> Path:
    """Where a material version's previews live: by content, so a version never mixes."""
    return Path(settings.MEDIA_ROOT) / "previews" / material.sha256


def drawing_title(material: Material) -> dict[str, str]:
    """The title block's values the review read (project name, drawing number, sheet title)."""
    for outcome in material.check_report.get("outcomes", []):
        if outcome["code"] == TITLE_RULE:
            return outcome["detail"].get("title", {})
    return {}


def case_drawing_index(case: Case) -> dict[str, str] | None:
    """The owner's drawing index (drawing number -> sheet name), or None if none was supplied."""
    if case.drawing_index is None:
        return None
    return {number: name for number, name in case.drawing_index}


def drawing_index_findings(case: Case) -> list[dict]:
    """Index entries no current drawing carries, as outcome dicts (the set review's set.index)."""
    titles = {m.pk: drawing_title(m) for m in case_drawings(case)}
    return [
        f.as_outcome().as_dict() for f in review_index_unmatched(titles, case_drawing_index(case))
    ]


def drawing_findings(material: Material) -> list[dict]:
    """The stored drawing findings and the other failed or warned checks, in report order.

    Each is an outcome dict (code, result, messages, detail with severity, layout, handle, box);
    a preview marks finding number ``n`` (1-based) at position ``n - 1`` of this list.
    """
    return [
        outcome
        for outcome in material.check_report.get("outcomes", [])
        if outcome["result"] != "pass"
    ]


def drawing_text_encoding(material: Material) -> str:
    """How the browser decodes the drawing's text: UTF-8 from R2007 on, else its code page."""
    from ezdxf.filemanagement import dxf_file_info  # ezdxf costs 0.7 s: not at Django start

    try:
        encoding = dxf_file_info(material.file.path).encoding.lower().replace("-", "")
    except (OSError, ValueError):
        return "utf-8"
    if encoding.startswith("cp125"):
        return f"windows-{encoding[2:]}"
    return WEB_ENCODINGS.get(encoding, "utf-8")


def drawing_browser_readable(material: Material) -> bool:
    """Whether the browser viewer can read the file: an ASCII DXF the checks did not refuse."""
    codes = {o["code"] for o in material.check_report.get("outcomes", []) if o["result"] == "fail"}
    if codes & UNREADABLE_RULES:
        return False
    from ezdxf.lldxf.validator import is_dxf_file  # ezdxf costs 0.7 s: not at Django start

    try:
        return is_dxf_file(material.file.path)
    except OSError:
        return False


def _space_label(layout: str) -> tuple[str, str]:
    """A space's tab label (Chinese, English) as a Chinese CAD program names it."""
    if layout == MODEL_SPACE:
        return "模型", "Model"
    if layout == "Paper":  # R12's single paper space
        return "图纸", "Sheet"
    default = DEFAULT_LAYOUT_NAME.fullmatch(layout)
    if default:
        return f"布局{default[1]}", layout
    return layout, ""


def drawing_spaces(material: Material) -> list[dict]:
    """The viewer's tabs: model space, then each paper-space layout holding something, in tab
    order. Each: ``key`` (what the viewer draws), ``layout`` (the name findings give), labels.

    A check recorded before the review listed the spaces offers model space and the active
    layout, the two every DXF has.
    """
    spaces = next(
        (
            outcome["detail"].get("spaces")
            for outcome in material.check_report.get("outcomes", [])
            if outcome["code"] == CONTENT_RULE
        ),
        None,
    ) or [
        {"layout": MODEL_SPACE, "block": "*MODEL_SPACE", "entities": 1},
        {"layout": "", "block": "*PAPER_SPACE", "entities": 1},
    ]
    tabs = []
    for space in spaces:
        if space["block"] != "*MODEL_SPACE" and not space["entities"]:
            continue
        zh, en = _space_label(space["layout"]) if space["layout"] else ("图纸", "Sheet")
        key = SPACE_KEYS.get(space["block"], space["block"])
        tabs.append({"key": key, "layout": space["layout"], "zh": zh, "en": en})
    return tabs


def drawing_marks(findings: list[dict], spaces: list[dict] = ()) -> list[dict]:
    """The findings as the viewer draws them: number, space, box in drawing units, messages.

    A finding's space is the tab (``drawing_spaces``) of the layout it names; a layout not
    listed is taken for the active sheet.
    """
    keys = {space["layout"]: space["key"] for space in spaces}
    marks = []
    for number, finding in enumerate(findings, start=1):
        detail = finding.get("detail", {})
        layout = detail.get("layout") or ""
        marks.append(
            {
                "number": number,
                "result": finding["result"],
                "message_zh": finding["message_zh"],
                "message_en": finding["message_en"],
                "layout": layout,
                "space": ""
                if not layout
                else "model"
                if layout == MODEL_SPACE
                else keys.get(layout, "paper"),
                "box": detail.get("box"),
            }
        )
    return marks


@dataclass
class DrawingRow:
    material: Material
    findings: list[dict]
    set_findings: list[dict] = field(default_factory=list)
    previews: list[dict] | None = None

    @property
    def title(self) -> dict[str, str]:
        return drawing_title(self.material)

    @property
    def thumbnail(self) -> str | None:
        """The first rendered layout's PNG, the list's thumbnail, once rendered."""
        return self.previews[0]["png"] if self.previews else None

    @cached_property
    def browser_readable(self) -> bool:
        return drawing_browser_readable(self.material)

    @property
    def thumbnail_spaces(self) -> str:
        """What the list's thumbnail shows when no preview was rendered, in the order tried:
        model space first (the content itself; the browser draws no viewports, so a sheet would
        show its frame alone), then each layout; the first holding something is drawn."""
        return " ".join(space["key"] for space in drawing_spaces(self.material))

    @property
    def finding_count(self) -> int:
        return len(self.findings) + len(self.set_findings)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings + self.set_findings if f["result"] == "fail")

    @cached_property
    def check(self) -> MaterialCheck:
        """The drawing's check state: pending, running, or done with or without findings."""
        return material_check(self.material)

    @property
    def decided(self) -> bool:
        return self.material.status in (Material.Status.APPROVED, Material.Status.RETURNED)


def case_drawings(case: Case):
    return (
        case.materials.current()
        .filter(format_kind=FormatKind.DRAWING)
        .select_related("catalog_item")
        .order_by("catalog_item__code", "original_name", "pk")
    )


def drawing_set(case: Case) -> list[DrawingRow]:
    """Every current drawing of ``case`` with its findings, set findings and previews."""
    drawings = list(case_drawings(case))
    titles = {m.pk: drawing_title(m) for m in drawings}
    by_set = review_set(titles, index=case_drawing_index(case))
    return [
        DrawingRow(
            material=m,
            findings=drawing_findings(m),
            set_findings=[f.as_outcome().as_dict() for f in by_set[m.pk]],
            previews=read_manifest(drawing_preview_dir(m)),
        )
        for m in drawings
    ]


def drawing_summary(case: Case) -> dict[str, int]:
    """How many current drawings failed, warned, were approved or returned."""
    summary = {"total": 0, "failed": 0, "warned": 0, "approved": 0, "returned": 0}
    for material in case_drawings(case):
        summary["total"] += 1
        results = {o["result"] for o in material.check_report.get("outcomes", [])}
        if material.status == Material.Status.CHECK_FAILED:
            summary["failed"] += 1
        elif "warn" in results:
            summary["warned"] += 1
        if material.status == Material.Status.APPROVED:
            summary["approved"] += 1
        elif material.status == Material.Status.RETURNED:
            summary["returned"] += 1
    return summary
