"""The as-built stamp rule: a stamp block reference whose required fields are all filled."""

from __future__ import annotations

from pathlib import Path

import ezdxf
from ezdxf import recover

from ..checks import ArchiveProperty, CheckOutcome, CheckResult
from ..conf import setting

RULE = "drawing.as_built_stamp"


def _outcome(result: CheckResult, zh: str, en: str, **detail) -> CheckOutcome:
    return CheckOutcome(RULE, ArchiveProperty.INTEGRITY, result, zh, en, detail)


def check_as_built_stamp(path: Path) -> CheckOutcome:
    """Look in every layout for the stamp and report missing or empty fields by name."""
    try:
        doc, _auditor = recover.readfile(str(path))
    except (OSError, ezdxf.DXFStructureError) as exc:
        return _outcome(
            CheckResult.FAIL,
            "图纸无法读取，无法检查竣工图章",
            "the drawing cannot be read, so its as-built stamp cannot be checked",
            error=str(exc),
        )
    names = {name.upper() for name in setting("ACCEPTANCE_STAMP_BLOCK_NAMES")}
    fields: dict[str, list[str]] = setting("ACCEPTANCE_STAMP_FIELDS")
    stamps = [
        insert
        for layout in doc.layouts
        for insert in layout.query("INSERT")
        if insert.dxf.name.upper() in names
    ]
    if not stamps:
        return _outcome(
            CheckResult.FAIL,
            "未找到竣工图章：请在图签上方加盖竣工图章（图块）并填写各栏",
            "no as-built stamp found: add the as-built stamp block above the title block and "
            "fill in every field",
        )
    stamp = stamps[0]
    values = {attrib.dxf.tag.upper(): attrib.dxf.text.strip() for attrib in stamp.attribs}
    empty = [
        field for field, tags in fields.items() if not any(values.get(tag.upper()) for tag in tags)
    ]
    if empty:
        return _outcome(
            CheckResult.FAIL,
            "竣工图章有未填写的栏目：" + "、".join(fields[f][-1] for f in empty),
            "the as-built stamp has empty fields: " + ", ".join(empty),
            empty_fields=empty,
            handle=stamp.dxf.handle,
        )
    return _outcome(
        CheckResult.PASS,
        "竣工图章齐全",
        "the as-built stamp is present and filled",
        handle=stamp.dxf.handle,
        layout=stamp.get_layout().name if stamp.get_layout() else "",
    )
