"""The four-property reports of a case as its pages and PDF show them (one place for both)."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.labels import label

from ..checks.outcomes import ArchiveProperty
from ..models import Case, PropertyCheckReport

Stage = PropertyCheckReport.Stage
# DA/T 70's three stages; transfer and receipt are the two sides of the second.
STAGES = (
    (Stage.ARCHIVING, "归档", "archiving", "文件归档时，每个文件接收时的四性检测结果与过程记录。"),
    (Stage.TRANSFER, "移交", "transfer", "生成归档封装包时，对封装包及其中每个文件的检测。"),
    (Stage.RECEIPT, "接收", "receipt", "从其他系统接收封装包时的检测。"),
    (Stage.STORAGE, "长期保存", "long-term storage", "定期巡检：存储文件的固定性、可用性与封装包的完整。"),
)  # fmt: skip
RESULT_ORDER = {"fail": 0, "warn": 1, "pass": 2}


@dataclass
class StageSummary:
    stage: str
    name_zh: str
    name_en: str
    explanation: str
    report: PropertyCheckReport | None
    runs: int


def stage_summaries(case: Case) -> list[StageSummary]:
    """The latest report of each stage for ``case`` (None where the stage has not run)."""
    reports = list(PropertyCheckReport.objects.filter(case=case).order_by("-checked_at", "-pk"))
    return [
        StageSummary(
            stage,
            zh,
            en,
            explanation,
            next((r for r in reports if r.stage == stage), None),
            sum(r.stage == stage for r in reports),
        )
        for stage, zh, en, explanation in STAGES
    ]


def stage_name(stage: str) -> tuple[str, str]:
    zh, en = next((zh, en) for value, zh, en, _ in STAGES if value == stage)
    return zh, en


def property_rows(report: PropertyCheckReport) -> list[dict]:
    """Per property: its name, its worst result and the count of each result."""
    rows = []
    for prop in ArchiveProperty:
        items = [item for item in report.items if item["property"] == prop.value]
        rows.append(
            {
                "property": prop.value,
                "name": label("property", prop.value),
                "result": report.properties.get(prop.value, "not_checked"),
                "checked": len(items),
                "failed": sum(item["result"] == "fail" for item in items),
                "warned": sum(item["result"] == "warn" for item in items),
            }
        )
    return rows


def findings(report: PropertyCheckReport) -> list[dict]:
    """The failed and warned items, failures first."""
    found = [item for item in report.items if item["result"] != "pass"]
    return sorted(found, key=lambda item: RESULT_ORDER.get(item["result"], 3))


def verdict(report: PropertyCheckReport) -> tuple[str, str]:
    failed = sum(item["result"] == "fail" for item in report.items)
    warned = sum(item["result"] == "warn" for item in report.items)
    if failed:
        return (
            f"未通过：{failed} 项检测未通过" + (f"，{warned} 项提示" if warned else "") + "。",
            f"Failed: {failed} items failed.",
        )
    if warned:
        return f"通过，有 {warned} 项提示。", f"Passed with {warned} warnings."
    return f"通过：{len(report.items)} 项检测全部通过。", f"Passed: all {len(report.items)} items."
