"""The registry of drawing rules: stable ids, default severities, profiles that change them.

Each rule has an id (``stamp.fields``), a default severity (error / warning / info), the archive
property it belongs to and a bilingual title. The rules' checking code lives in
:mod:`.review`; here is what they are and how a profile switches them off or changes their
severity (``ACCEPTANCE_DRAWING_RULES`` for every drawing, ``ACCEPTANCE_DRAWING_PROFILES`` per
works type of the case's project).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..checks.outcomes import ArchiveProperty, CheckOutcome, CheckResult
from ..conf import setting


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


RESULT_OF = {
    Severity.ERROR: CheckResult.FAIL,
    Severity.WARNING: CheckResult.WARN,
    Severity.INFO: CheckResult.PASS,
}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    property: ArchiveProperty
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class Finding:
    """One thing a rule found, where it is (layout, entity handle, box in drawing units)."""

    rule: str
    severity: Severity
    message_zh: str
    message_en: str
    layout: str = ""
    handle: str = ""
    box: tuple[float, float, float, float] | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "layout": self.layout,
            "handle": self.handle,
            "box": list(self.box) if self.box else None,
            "detail": dict(self.detail),
        }

    def as_outcome(self) -> CheckOutcome:
        rule = RULES[self.rule]
        location = {"layout": self.layout, "handle": self.handle, "box": self.as_dict()["box"]}
        return CheckOutcome(
            f"drawing.{self.rule}",
            rule.property,
            RESULT_OF[self.severity],
            self.message_zh,
            self.message_en,
            {"severity": self.severity.value, **location, **self.detail},
        )


class DuplicateRule(Exception):
    pass


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add ``rule`` to the registry; an id registered twice is refused."""
    if rule.id in RULES:
        raise DuplicateRule(f"drawing rule {rule.id!r} is already registered")
    RULES[rule.id] = rule
    return rule


def _rule(rule_id, severity, prop, zh, en) -> Rule:
    return register(Rule(rule_id, Severity(severity), prop, zh, en))


USE, INT, SEC = ArchiveProperty.USABILITY, ArchiveProperty.INTEGRITY, ArchiveProperty.SECURITY
AUTH = ArchiveProperty.AUTHENTICITY
FILE_SIZE = _rule("file.size", "error", SEC, "图纸文件大小", "Drawing file size")
FILE_DWG = _rule("file.dwg", "error", USE, "DWG 需导出为 DXF", "DWG must be exported as DXF")
FILE_BINARY = _rule("file.binary_dxf", "error", USE, "二进制 DXF", "Binary DXF")
FILE_TRUNCATED = _rule("file.truncated", "error", INT, "文件被截断", "Truncated file")
FILE_BROKEN = _rule("file.structure", "error", USE, "DXF 结构", "DXF structure")
FILE_REPAIRED = _rule("file.repaired", "warning", USE, "读取时自动修复", "Repaired while reading")
FILE_VERSION = _rule("file.version", "error", USE, "DXF 版本", "DXF version")
# An empty drawing is not damaged: whether the archive takes it is policy (usability).
FILE_EMPTY = _rule("file.empty", "error", USE, "图纸内容", "Drawing content")
STAMP_PRESENT = _rule("stamp.present", "error", INT, "竣工图章", "As-built stamp present")
STAMP_FIELDS = _rule("stamp.fields", "error", INT, "竣工图章栏目", "As-built stamp fields")
STAMP_SIZE = _rule("stamp.size", "warning", INT, "竣工图章尺寸", "As-built stamp size")
STAMP_OVERLAP = _rule("stamp.overlap", "error", INT, "图章与图签重叠", "Stamp over title block")
TITLE_PRESENT = _rule("title.present", "error", INT, "图签", "Title block present")
TITLE_PROJECT = _rule("title.project_name", "error", AUTH, "图签工程名称", "Title block project")
TITLE_NUMBER = _rule("title.drawing_number", "error", INT, "图签图号", "Title block drawing no.")
SET_UNIQUE = _rule("set.unique_number", "error", INT, "图号唯一", "Drawing numbers unique")
SET_INDEX = _rule("set.index", "warning", INT, "与图纸目录一致", "Agrees with drawing index")
UNITS = _rule("drawing.units", "warning", USE, "绘图单位", "Drawing units ($INSUNITS)")
EXTENTS = _rule("drawing.extents", "warning", USE, "图形范围", "Drawing extents")
XREFS = _rule("drawing.xrefs", "error", INT, "外部参照", "External references")
IMAGES = _rule("drawing.images", "warning", INT, "外部光栅图像", "External raster images")
PROXIES = _rule("drawing.proxies", "warning", USE, "代理对象", "Proxy entities")
FONTS = _rule("drawing.fonts", "warning", USE, "文字样式字体", "Text style fonts")


def rule_config(works_type: str | None = None) -> dict[str, dict]:
    """Each rule's ``{"enabled": bool, "severity": Severity}`` after settings and profile."""
    config = {rid: {"enabled": True, "severity": rule.severity} for rid, rule in RULES.items()}
    layers = [setting("ACCEPTANCE_DRAWING_RULES")]
    if works_type:
        layers.append(setting("ACCEPTANCE_DRAWING_PROFILES").get(works_type, {}))
    for layer in layers:
        for rid, override in layer.items():
            if rid not in config:
                raise ValueError(f"unknown drawing rule {rid!r} in the drawing rule settings")
            if "enabled" in override:
                config[rid]["enabled"] = bool(override["enabled"])
            if "severity" in override:
                config[rid]["severity"] = Severity(override["severity"])
    return config


def passed_outcome(rule_id: str) -> CheckOutcome:
    rule = RULES[rule_id]
    return CheckOutcome(
        f"drawing.{rule_id}",
        rule.property,
        CheckResult.PASS,
        f"{rule.title_zh}：通过。",
        f"{rule.title_en}: passed.",
        {"severity": "pass"},
    )
