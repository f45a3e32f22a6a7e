"""Open a DXF drawing: readable, repairs needed, units set, not empty.

A sound ASCII file is read in one streaming pass (:mod:`acceptance.drawings.scan`); a truncated
or broken one, one with duplicate handles, and a binary DXF are loaded with ezdxf (``recover``)
so the repairs can be reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..drawings.scan import BrokenStructure, TruncatedDrawing, scan_drawing
from .outcomes import CheckOutcome, CheckResult, error_detail, make_outcome
from .sniffing import BINARY_DXF_SENTINEL

MAX_REPORTED_ISSUES = 5
"""How many auditor messages are copied into an outcome's detail."""


@dataclass(frozen=True)
class _DxfFacts:
    dxfversion: str
    binary: bool
    insunits: int
    errors: list[str]
    fixes: list[str]
    modelspace_entities: int
    paperspace_entities: int


def check_dxf(path: Path) -> list[CheckOutcome]:
    """Return the usability and integrity outcomes of opening ``path`` as a DXF drawing."""
    try:
        facts = _read_facts(path)
    except Exception as exc:  # ezdxf raises DXFStructureError and, on hostile input, anything
        return [
            make_outcome(
                "usability.dxf_opens",
                CheckResult.FAIL,
                "DXF 图纸已损坏或结构无效，无法打开。请在 CAD 软件中打开原图，"
                "另存为 DXF（建议 R2018 或更早的通用版本）后重新上传。",
                "The DXF drawing is damaged or structurally invalid and cannot be opened. Open "
                "the original in your CAD software, save it as DXF (R2018 or an older common "
                "version) and upload it again.",
                **error_detail(exc),
            )
        ]

    # ezdxf is imported where it is used: it takes longer to load than Django itself.
    from ezdxf.lldxf.const import acad_release

    release = acad_release.get(facts.dxfversion, "unknown")
    outcomes = [
        make_outcome(
            "usability.dxf_opens",
            CheckResult.PASS,
            f"DXF 图纸可以正常打开（版本 {facts.dxfversion} / {release}）。",
            f"The DXF drawing opens (version {facts.dxfversion} / {release}).",
            dxfversion=facts.dxfversion,
            release=release,
            binary=facts.binary,
        ),
        _repairs_outcome(facts),
        _units_outcome(facts),
        _entities_outcome(facts),
    ]
    return outcomes


def _read_facts(path: Path) -> _DxfFacts:
    with path.open("rb") as fh:
        binary = fh.read(len(BINARY_DXF_SENTINEL)) == BINARY_DXF_SENTINEL
    if not binary and (streamed := _streamed_facts(path)) is not None:
        return streamed
    import ezdxf
    from ezdxf import recover

    if binary:
        # ezdxf's recover loader reads ASCII DXF only; binary DXF goes through the normal
        # loader followed by the same audit.
        doc = ezdxf.readfile(path)
        auditor = doc.audit()
    else:
        doc, auditor = recover.readfile(path)
    paperspace = sum(
        1
        for layout in doc.layouts
        if not layout.is_modelspace
        for entity in layout
        # Every paperspace layout owns a main VIEWPORT: it is not drawing content.
        if entity.dxftype() != "VIEWPORT"
    )
    return _DxfFacts(
        dxfversion=doc.dxfversion,
        binary=binary,
        insunits=int(doc.header.get("$INSUNITS", 0) or 0),
        errors=[str(e.message) for e in auditor.errors],
        fixes=[str(f.message) for f in auditor.fixes],
        modelspace_entities=len(doc.modelspace()),
        paperspace_entities=paperspace,
    )


def _streamed_facts(path: Path) -> _DxfFacts | None:
    """The facts from one streaming pass, or None when the file needs ezdxf's recover.

    A complete tag stream with unique handles opens without repairs; loading the whole document
    (seconds and hundreds of MB for a large drawing) is kept for files that need repairing.
    """
    try:
        facts = scan_drawing(path)
    except (TruncatedDrawing, BrokenStructure, UnicodeError, ValueError, LookupError):
        return None
    if facts.duplicate_handles or not facts.dxfversion:
        return None
    counts = dict(facts.entities_by_layout)
    modelspace = counts.pop("*MODEL_SPACE", 0)
    return _DxfFacts(
        dxfversion=facts.dxfversion,
        binary=False,
        insunits=facts.insunits,
        errors=[],
        fixes=[],
        modelspace_entities=modelspace,
        paperspace_entities=sum(counts.values()),
    )


def _repairs_outcome(facts: _DxfFacts) -> CheckOutcome:
    detail = {
        "errors": len(facts.errors),
        "fixes": len(facts.fixes),
        "error_examples": facts.errors[:MAX_REPORTED_ISSUES],
        "fix_examples": facts.fixes[:MAX_REPORTED_ISSUES],
    }
    if not facts.errors and not facts.fixes:
        return make_outcome(
            "usability.dxf_recovered",
            CheckResult.PASS,
            "DXF 图纸结构完好，无需修复。",
            "The DXF structure is sound; no repairs were needed.",
            **detail,
        )
    return make_outcome(
        "usability.dxf_recovered",
        CheckResult.WARN,
        f"DXF 图纸存在结构问题，读取时自动修复了 {len(facts.fixes)} 处，"
        f"另有 {len(facts.errors)} 处未能修复。图纸可以打开，但建议在 CAD 软件中"
        "执行“核查/修复”(AUDIT) 后重新导出上传。",
        f"The DXF has structural flaws: {len(facts.fixes)} were repaired while reading and "
        f"{len(facts.errors)} remain. The drawing opens, but please run AUDIT in your CAD "
        "software and export it again.",
        **detail,
    )


def _units_outcome(facts: _DxfFacts) -> CheckOutcome:
    if facts.insunits:
        unit = _unit_name(facts.insunits)
        return make_outcome(
            "usability.dxf_units",
            CheckResult.PASS,
            f"图纸已设置绘图单位（{unit}）。",
            f"The drawing units are set ({unit}).",
            insunits=facts.insunits,
            unit=unit,
        )
    return make_outcome(
        "usability.dxf_units",
        CheckResult.WARN,
        "图纸未设置绘图单位（$INSUNITS 为“无单位”），尺寸无法换算。"
        "请在 CAD 软件中将单位设为毫米（UNITS 命令）后重新导出。",
        "The drawing has no units ($INSUNITS is unitless), so sizes cannot be converted. Set "
        "the units to millimetres in your CAD software (UNITS command) and export again.",
        insunits=facts.insunits,
    )


def _unit_name(insunits: int) -> str:
    from ezdxf import units

    try:
        return units.unit_name(insunits)
    except (KeyError, ValueError):
        return f"code {insunits}"


def _entities_outcome(facts: _DxfFacts) -> CheckOutcome:
    detail = {
        "modelspace_entities": facts.modelspace_entities,
        "paperspace_entities": facts.paperspace_entities,
    }
    if facts.modelspace_entities or facts.paperspace_entities:
        return make_outcome(
            "integrity.dxf_entities",
            CheckResult.PASS,
            f"图纸包含图形内容（模型空间 {facts.modelspace_entities} 个对象，"
            f"布局空间 {facts.paperspace_entities} 个对象）。",
            f"The drawing has content ({facts.modelspace_entities} model space and "
            f"{facts.paperspace_entities} paper space entities).",
            **detail,
        )
    return make_outcome(
        "integrity.dxf_entities",
        CheckResult.FAIL,
        "图纸是空的：模型空间和布局中都没有任何图形。请确认导出的是正确的图纸文件"
        "（外部参照是否已绑定）后重新上传。",
        "The drawing is empty: neither model space nor any layout holds entities. Check that "
        "you exported the right drawing (with external references bound) and upload it again.",
        **detail,
    )
