"""Record metadata (after GB/T 18894 and DA/T 70): present, filled, plausible, consistent.

``metadata`` is a flat mapping given by the caller (a stored material's description, or nothing
for a loose file). Keys used: title, file_name, catalog_item, retention, responsible_party, date
(ISO 8601), format_kind, size (bytes declared at intake).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from .outcomes import CheckOutcome, CheckResult, make_outcome

REQUIRED_FIELDS: dict[str, str] = {
    "title": "题名",
    "file_name": "文件名",
    "catalog_item": "归档范围条目",
    "retention": "保管期限",
    "responsible_party": "责任者",
    "date": "形成日期",
    "format_kind": "载体类型",
}
RETENTIONS = ("permanent", "long", "short")
FORMAT_KINDS = ("document", "drawing", "photo", "video")
MAX_TITLE = 200
EARLIEST_DATE = date(1949, 10, 1)
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def check_metadata(metadata: Mapping[str, Any], *, size: int, today: date) -> list[CheckOutcome]:
    """Return ``integrity.metadata_present``, ``authenticity.metadata_values`` and, when a size
    was declared, ``integrity.declared_size``."""
    outcomes = [_present(metadata), _values(metadata, today)]
    if metadata.get("size") is not None:
        outcomes.append(_declared_size(int(metadata["size"]), size))
    return outcomes


def _present(metadata: Mapping[str, Any]) -> CheckOutcome:
    missing = [key for key in REQUIRED_FIELDS if not str(metadata.get(key) or "").strip()]
    if missing:
        return make_outcome(
            "integrity.metadata_present",
            CheckResult.FAIL,
            "著录项目不全，缺少："
            + "、".join(REQUIRED_FIELDS[k] for k in missing)
            + "。请补全后重新提交。",
            "Required metadata is missing: " + ", ".join(missing) + ". Fill it in and submit "
            "again.",
            missing=missing,
        )
    return make_outcome(
        "integrity.metadata_present",
        CheckResult.PASS,
        "必备著录项目齐全。",
        "All required metadata is present.",
        fields=list(REQUIRED_FIELDS),
    )


def _values(metadata: Mapping[str, Any], today: date) -> CheckOutcome:
    problems_zh: list[str] = []
    problems_en: list[str] = []
    title = str(metadata.get("title") or "")
    if len(title) > MAX_TITLE:
        problems_zh.append(f"题名超过 {MAX_TITLE} 个字符")
        problems_en.append(f"the title is longer than {MAX_TITLE} characters")
    if _FORBIDDEN.search(title):
        problems_zh.append('题名含有控制字符或 <>:"/\\|?* 等特殊字符')
        problems_en.append('the title contains control characters or one of <>:"/\\|?*')
    retention = metadata.get("retention")
    if retention and retention not in RETENTIONS:
        problems_zh.append(f"保管期限“{retention}”无效")
        problems_en.append(f"retention {retention!r} is not one of {', '.join(RETENTIONS)}")
    kind = metadata.get("format_kind")
    if kind and kind not in FORMAT_KINDS:
        problems_zh.append(f"载体类型“{kind}”无效")
        problems_en.append(f"format kind {kind!r} is not one of {', '.join(FORMAT_KINDS)}")
    raw_date = metadata.get("date")
    if raw_date:
        formed = _parse_date(raw_date)
        if formed is None:
            problems_zh.append(f"形成日期“{raw_date}”不是有效日期（应为 YYYY-MM-DD）")
            problems_en.append(f"the date {raw_date!r} is not a valid date (YYYY-MM-DD)")
        elif formed > today:
            problems_zh.append(f"形成日期 {formed} 晚于今天")
            problems_en.append(f"the date {formed} is in the future")
        elif formed < EARLIEST_DATE:
            problems_zh.append(f"形成日期 {formed} 早于 {EARLIEST_DATE}，不合常理")
            problems_en.append(f"the date {formed} is implausibly early")
    if problems_zh:
        return make_outcome(
            "authenticity.metadata_values",
            CheckResult.FAIL,
            "著录项目取值有误：" + "；".join(problems_zh) + "。请更正后重新提交。",
            "Metadata values are wrong: " + "; ".join(problems_en) + ". Correct them and "
            "submit again.",
            problems=problems_en,
        )
    return make_outcome(
        "authenticity.metadata_values",
        CheckResult.PASS,
        "著录项目取值符合要求（长度、格式、取值范围、日期合理）。",
        "Metadata values are well-formed (length, format, allowed values, plausible date).",
    )


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _declared_size(declared: int, actual: int) -> CheckOutcome:
    detail = {"declared_size": declared, "size": actual}
    if declared == actual:
        return make_outcome(
            "integrity.declared_size",
            CheckResult.PASS,
            f"文件大小与登记一致（{actual} 字节）。",
            f"The file size matches the size recorded at intake ({actual} bytes).",
            **detail,
        )
    return make_outcome(
        "integrity.declared_size",
        CheckResult.FAIL,
        f"文件大小与登记不一致（登记 {declared} 字节，实际 {actual} 字节），文件可能不完整或"
        "被替换。请重新上传原始文件。",
        f"The file size differs from the one recorded at intake ({declared} recorded, {actual} "
        "now): the file may be incomplete or replaced. Upload the original again.",
        **detail,
    )
