"""Open a DXF drawing: which reader opens it, the repairs it needs, its units and content.

One streaming pass (:mod:`acceptance.drawings.scan`) reads any ASCII file in flat memory and
counts the structural defects ezdxf's readers refuse or its auditor repairs; a file it finds
sound is judged on its word, at a fraction of a full load's cost. A file it finds flawed (and a
binary DXF, which it cannot read) is loaded by ezdxf when it is no larger than the policy's
``drawing_audit_max_bytes``: the strict reader first, its recover mode when the strict one
refuses, then the auditor, so the repairs are counted exactly and the reader that opened it is
named. A larger flawed file is never loaded: checking it costs the scan's memory whatever its
size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..drawings.scan import (
    RELEASES,
    BrokenStructure,
    DrawingFacts,
    TruncatedDrawing,
    scan_drawing,
    unit_name,
)
from .outcomes import CheckOutcome, CheckResult, error_detail, make_outcome
from .policy import CheckPolicy
from .sniffing import BINARY_DXF_SENTINEL

MAX_REPORTED_ISSUES = 5
"""How many auditor messages are copied into an outcome's detail."""

# Who read the drawing, for messages: (Chinese, English).
READERS = {
    "scan": ("流式结构检查", "the streaming structure check"),
    "strict": ("ezdxf 标准读取器", "ezdxf's strict reader"),
    "recover": ("ezdxf 修复模式读取器", "ezdxf's recover reader"),
}

# Kinds of repair, from the scan's defect kinds and ezdxf's audit codes: (Chinese, English).
REPAIR_KINDS = {
    "refused": ("标准读取器拒绝打开", "refused by the strict reader"),
    "structure": ("段结构错误", "section structure errors"),
    "version": ("缺少版本号 $ACADVER", "a missing $ACADVER version"),
    "handle": ("句柄重复或无效", "duplicate or invalid handles"),
    "owner": ("所属对象引用无效", "invalid owner references"),
    "block": ("引用了未定义的图块", "references to undefined blocks"),
    "text_style": ("引用了未定义的文字样式", "undefined text styles"),
    "linetype": ("引用了未定义的线型", "undefined linetypes"),
    "lineweight": ("线宽值无效", "invalid lineweights"),
    "color": ("颜色号无效", "invalid colour numbers"),
    "geometry": ("几何数据无效", "invalid geometry"),
    "other": ("其他结构问题", "other structural problems"),
}
_AUDIT_KINDS = (
    ("OWNER", "owner"),
    ("HANDLE", "handle"),
    ("SECTION", "structure"),
    ("ENDSEC", "structure"),
    ("TAG_OUTSIDE", "structure"),
    ("TEXT_STYLE", "text_style"),
    ("LINETYPE", "linetype"),
    ("LINEWEIGHT", "lineweight"),
    ("COLOR", "color"),
    ("BLOCK", "block"),
    ("SPLINE", "geometry"),
    ("ELLIPSE", "geometry"),
    ("VERTEX", "geometry"),
    ("HATCH", "geometry"),
    ("MLINE", "geometry"),
    ("AXIS", "geometry"),
    ("EXTRUSION", "geometry"),
)
_ADVICE_ZH = "请在原 CAD 软件中执行“核查”(AUDIT)，另存为 DXF R2013 或 R2018 后重新上传。"
_ADVICE_EN = (
    "Run AUDIT in the original CAD software, save the drawing as DXF R2013 or R2018 and "
    "upload it again."
)


@dataclass(frozen=True)
class _DxfFacts:
    dxfversion: str
    binary: bool
    insunits: int
    reader: str
    modelspace_entities: int
    paperspace_entities: int
    repairs: Counter[str] = field(default_factory=Counter)
    unrepaired: int = 0
    examples: list[str] = field(default_factory=list)


class _TooLarge(Exception):
    """The file cannot be judged without loading it, and it is too large to load."""


class _BinaryTooLarge(_TooLarge):
    """A binary DXF (the scan reads ASCII only) too large to load."""


def check_dxf(path: Path, policy: CheckPolicy | None = None) -> list[CheckOutcome]:
    """Return the usability outcomes of opening ``path`` as a DXF drawing."""
    policy = policy or CheckPolicy()
    try:
        facts = _read_facts(path, policy.drawing_audit_max_bytes)
    except _TooLarge as exc:
        return [_unreadable(exc, policy.drawing_audit_max_bytes)]
    except Exception as exc:  # ezdxf raises DXFStructureError and, on hostile input, anything
        return [_unreadable(exc)]

    release = _release(facts.dxfversion)
    reader_zh, reader_en = READERS[facts.reader]
    return [
        make_outcome(
            "usability.dxf_opens",
            CheckResult.PASS,
            f"DXF 图纸可以打开（版本 {facts.dxfversion} / {release}，由{reader_zh}读取）。",
            f"The DXF drawing opens (version {facts.dxfversion} / {release}, read by {reader_en}).",
            dxfversion=facts.dxfversion,
            release=release,
            binary=facts.binary,
            reader=facts.reader,
        ),
        _repairs_outcome(facts),
        _units_outcome(facts),
        _content_outcome(facts, policy.empty_drawing),
    ]


def _release(dxfversion: str) -> str:
    return RELEASES.get(dxfversion, "unknown")


def _read_facts(path: Path, audit_max_bytes: int) -> _DxfFacts:
    size = path.stat().st_size
    with path.open("rb") as fh:
        binary = fh.read(len(BINARY_DXF_SENTINEL)) == BINARY_DXF_SENTINEL
    scanned = scan_error = None
    if not binary:
        try:
            scanned = scan_drawing(path)
        except (TruncatedDrawing, BrokenStructure, UnicodeError, ValueError, LookupError) as exc:
            scan_error = exc
    if scanned is not None and not scanned.defects:
        return _scanned_facts(scanned)
    if size <= audit_max_bytes:
        loaded = _loaded_facts(path, binary)
        # ezdxf fills a header variable the file lacks with its default: the file's own value
        # (none: unitless) is what another reader sees.
        return replace(loaded, insunits=scanned.insunits) if scanned else loaded
    if binary:
        raise _BinaryTooLarge("a binary DXF is read only by loading it whole")
    if scan_error is not None:
        raise _TooLarge(str(scan_error)) from scan_error
    return _scanned_facts(scanned)


def _loaded_facts(path: Path, binary: bool) -> _DxfFacts:
    """Load with the strict reader, else (ASCII only) with recover; audit what was loaded."""
    import ezdxf
    from ezdxf import recover

    repairs: Counter[str] = Counter()
    examples: list[str] = []
    try:
        doc = ezdxf.readfile(path)
        auditor = doc.audit()
        reader = "strict"
    except Exception as strict_error:  # the strict reader raises far more than DXFStructureError
        if binary:  # recover reads ASCII DXF only
            raise
        try:
            doc, auditor = recover.readfile(str(path))
        except Exception as exc:
            raise exc from strict_error
        reader = "recover"
        repairs["refused"] += 1
        examples.append(f"strict reader: {type(strict_error).__name__}: {strict_error}"[:200])
    for fix in auditor.fixes:
        repairs[_audit_kind(fix.code)] += 1
    examples += [str(entry.message) for entry in [*auditor.errors, *auditor.fixes]]
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
        reader=reader,
        modelspace_entities=len(doc.modelspace()),
        paperspace_entities=paperspace,
        repairs=repairs,
        unrepaired=len(auditor.errors),
        examples=examples[:MAX_REPORTED_ISSUES],
    )


def _audit_kind(code) -> str:
    name = getattr(code, "name", str(code))
    return next((kind for needle, kind in _AUDIT_KINDS if needle in name), "other")


def _scanned_facts(facts: DrawingFacts) -> _DxfFacts:
    counts = dict(facts.entities_by_layout)
    modelspace = counts.pop("*MODEL_SPACE", 0)
    return _DxfFacts(
        dxfversion=facts.dxfversion or "AC1009",  # no $ACADVER: every reader takes it as R12
        binary=False,
        insunits=facts.insunits,
        reader="scan",
        modelspace_entities=modelspace,
        paperspace_entities=sum(counts.values()),
        repairs=Counter(facts.defects),
    )


def _unreadable(exc: Exception, too_large: int | None = None) -> CheckOutcome:
    if isinstance(exc, _BinaryTooLarge):
        limit = f"{too_large / 1024**2:g} MB"
        return make_outcome(
            "usability.dxf_opens",
            CheckResult.FAIL,
            f"这是超过 {limit} 的二进制 DXF，服务器不整体载入，无法核验其结构。"
            "请在 CAD 软件中另存为文本（ASCII）DXF R2013 或 R2018 后重新上传。",
            f"This is a binary DXF over {limit}; the server does not load it whole, so its "
            "structure cannot be verified. Save it as text (ASCII) DXF R2013 or R2018 in your "
            "CAD software and upload it again.",
            binary=True,
            audit_max_bytes=too_large,
        )
    if too_large is not None:
        limit = f"{too_large / 1024**2:g} MB"
        return make_outcome(
            "usability.dxf_opens",
            CheckResult.FAIL,
            f"DXF 图纸结构已损坏（{exc}），且文件超过 {limit}，服务器不做修复读取。"
            "请在 CAD 软件中打开原图，另存为 DXF R2013 或 R2018 后重新上传。",
            f"The DXF drawing's structure is damaged ({exc}) and the file is over {limit}, "
            "too large to repair on the server. Open the original in your CAD software, save "
            "it as DXF R2013 or R2018 and upload it again.",
            **error_detail(exc),
            audit_max_bytes=too_large,
        )
    return make_outcome(
        "usability.dxf_opens",
        CheckResult.FAIL,
        "DXF 图纸已损坏或结构无效：标准读取和修复模式读取都无法打开。请在 CAD 软件中打开"
        "原图，另存为 DXF R2013 或 R2018 后重新上传。",
        "The DXF drawing is damaged or structurally invalid: neither the strict reader nor "
        "the recover reader can open it. Open the original in your CAD software, save it as "
        "DXF R2013 or R2018 and upload it again.",
        **error_detail(exc),
        **(
            {"strict_error": str(exc.__cause__)[:500]}
            if exc.__cause__ is not None and exc.__cause__ is not exc
            else {}
        ),
    )


def _repairs_outcome(facts: _DxfFacts) -> CheckOutcome:
    fixes = sum(facts.repairs.values())
    detail = {
        "reader": facts.reader,
        "fixes": fixes,
        "errors": facts.unrepaired,
        "kinds": dict(facts.repairs),
        "examples": facts.examples,
    }
    if not fixes and not facts.unrepaired:
        return make_outcome(
            "usability.dxf_recovered",
            CheckResult.PASS,
            "DXF 图纸结构完好，无需修复。",
            "The DXF structure is sound; no repairs were needed.",
            **detail,
        )
    kinds_zh = "、".join(f"{REPAIR_KINDS[k][0]} {n} 处" for k, n in facts.repairs.most_common())
    kinds_en = ", ".join(f"{n} × {REPAIR_KINDS[k][1]}" for k, n in facts.repairs.most_common())
    left_zh = f"，另有 {facts.unrepaired} 处无法修复" if facts.unrepaired else ""
    left_en = f"; {facts.unrepaired} more could not be repaired" if facts.unrepaired else ""
    if facts.reader == "scan":
        zh = (
            f"DXF 图纸有 {fixes} 处结构问题（{kinds_zh}），读取软件须修复后才能打开，"
            "不同软件显示的结果可能不同。"
        )
        en = (
            f"The DXF drawing has {fixes} structural defects ({kinds_en}) that a reader must "
            "repair to open it, so other programs may show it differently."
        )
    else:
        reader_zh, reader_en = READERS[facts.reader]
        zh = (
            f"DXF 图纸须修复才能读取（由{reader_zh}打开）：读取时自动修复 {fixes} 处"
            f"（{kinds_zh}）{left_zh}。其他软件显示的结果可能不同。"
        )
        en = (
            f"The DXF drawing needs repairs to be read (opened by {reader_en}): {fixes} "
            f"repaired while reading ({kinds_en}){left_en}. Other programs may show it "
            "differently."
        )
    return make_outcome(
        "usability.dxf_recovered",
        CheckResult.WARN,
        zh + _ADVICE_ZH,
        en + " " + _ADVICE_EN,
        **detail,
    )


def _units_outcome(facts: _DxfFacts) -> CheckOutcome:
    if facts.insunits:
        unit = unit_name(facts.insunits)
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


def _content_outcome(facts: _DxfFacts, empty: CheckResult) -> CheckOutcome:
    detail = {
        "modelspace_entities": facts.modelspace_entities,
        "paperspace_entities": facts.paperspace_entities,
    }
    if facts.modelspace_entities or facts.paperspace_entities:
        return make_outcome(
            "usability.dxf_content",
            CheckResult.PASS,
            f"图纸包含图形内容（模型空间 {facts.modelspace_entities} 个对象，"
            f"布局空间 {facts.paperspace_entities} 个对象）。",
            f"The drawing has content ({facts.modelspace_entities} model space and "
            f"{facts.paperspace_entities} paper space entities).",
            **detail,
        )
    if empty is CheckResult.PASS:  # the rule "file.empty" is switched off
        return make_outcome(
            "usability.dxf_content",
            CheckResult.PASS,
            "图纸是空的（模型空间和布局中都没有图形）；按档案馆的设置不作要求。",
            "The drawing is empty (no entities in model space or any layout); the archive's "
            "settings do not ask for content.",
            **detail,
        )
    return make_outcome(
        "usability.dxf_content",
        empty,
        "图纸是空的：模型空间和布局中都没有任何图形，按档案馆的要求不能作为竣工图归档。"
        "请确认导出的是正确的图纸文件（外部参照是否已绑定）后重新上传。",
        "The drawing is empty: neither model space nor any layout holds entities, which the "
        "archive's policy does not take as an as-built drawing. Check that you exported the "
        "right drawing (with external references bound) and upload it again.",
        **detail,
    )
