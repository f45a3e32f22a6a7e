"""Review one as-built DXF drawing against the drawing rules (数字化审图).

:func:`review_drawing` reads the file once with :func:`.scan.scan_drawing` and judges the facts;
only a truncated or structurally broken file is loaded with ezdxf's ``recover`` to say what was
repaired (and the repaired text is then scanned the same way). :func:`review_set` adds the
rules over a case's whole set (unique drawing numbers, the drawing index).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..checks import CheckOutcome
from ..checks.outcomes import error_detail
from ..checks.sniffing import BINARY_DXF_SENTINEL, dwg_version, sniff_bytes
from ..conf import setting
from . import rules as R
from .rules import Finding, Severity
from .scan import (
    RELEASES,
    BrokenStructure,
    DrawingFacts,
    Insert,
    TruncatedDrawing,
    mm_per_unit,
    scan_drawing,
    scan_text,
)

MAX_REPAIR_EXAMPLES = 5
# The oldest release ezdxf reads: R12. Older files have no $ACADVER or an AC100x below it.
OLDEST_SUPPORTED = "AC1009"


@dataclass
class DrawingReview:
    """The findings on one drawing, the title block's values and the rules that ran."""

    findings: list[Finding] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    title: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def readable(self) -> bool:
        return "file.empty" in self.ran

    def outcomes(self) -> list[CheckOutcome]:
        """One outcome per finding and one passing outcome per rule that ran and found nothing."""
        found = {f.rule for f in self.findings}
        passed = [R.passed_outcome(rid) for rid in self.ran if rid not in found]
        # The title block's values travel with the title rule (the set rules read them later),
        # the drawing's spaces with the content rule (the viewer offers one tab per space).
        travelling = {
            f"drawing.{R.TITLE_PRESENT.id}": {"title": self.title},
            f"drawing.{R.FILE_EMPTY.id}": {"spaces": self.facts.get("spaces", [])},
        }
        passed = [
            replace(o, detail={**o.detail, **travelling[o.code]}) if o.code in travelling else o
            for o in passed
        ]
        return [f.as_outcome() for f in self.findings] + passed

    def as_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.as_dict() for f in self.findings],
            "ran": list(self.ran),
            "title": dict(self.title),
            "facts": dict(self.facts),
        }


def review_drawing(
    path: Path, *, project_name: str | None = None, works_type: str | None = None
) -> DrawingReview:
    """Judge one drawing; never raises for bad input. ``project_name`` is the case's."""
    path = Path(path)
    config = R.rule_config(works_type)
    review = DrawingReview()
    facts = _readable_facts(path, review)
    if facts is not None:
        review.facts = {
            "dxfversion": facts.dxfversion,
            "release": RELEASES.get(facts.dxfversion, "unknown"),
            "insunits": facts.insunits,
            "entities": facts.entity_count,
            "layouts": sorted(set(facts.layout_names.values())),
            "spaces": _spaces(facts),
        }
        review.ran += ["file.version", "file.empty"]
        # A repaired drawing's content is judged too: the owner learns everything at once.
        repairable = {R.FILE_REPAIRED.id, R.FILE_TRUNCATED.id, R.FILE_BROKEN.id}
        if all(f.rule in repairable for f in review.findings):
            _judge(facts, review, project_name)
    return _apply_config(review, config)


def _spaces(facts: DrawingFacts) -> list[dict[str, Any]]:
    """Model space, then the paper-space layouts in their tab order, as a CAD program lists them.

    Each: the layout's name, its block (``*PAPER_SPACE`` is the active layout, whose entities are
    in ENTITIES; the others are block definitions) and how many entities it holds.
    """
    names = dict(facts.layout_names)
    if "*PAPER_SPACE" not in names and facts.entities_by_layout.get("*PAPER_SPACE"):
        names["*PAPER_SPACE"] = "Paper"  # R12: one paper space and no LAYOUT objects
    spaces = [
        {"layout": name, "block": block, "entities": facts.entities_by_layout.get(block, 0)}
        for block, name in names.items()
    ]
    return sorted(
        spaces,
        key=lambda space: (
            space["block"] != "*MODEL_SPACE",
            facts.layout_tabs.get(space["layout"], 0),
            space["block"],
        ),
    )


def _apply_config(review: DrawingReview, config: Mapping[str, dict]) -> DrawingReview:
    kept = []
    for finding in review.findings:
        rule = config[finding.rule]
        if rule["enabled"]:
            kept.append(_with_severity(finding, rule["severity"]))
    review.findings = kept
    review.ran = [rid for rid in review.ran if config[rid]["enabled"]]
    return review


def _with_severity(finding: Finding, severity: Severity) -> Finding:
    if finding.severity is severity:
        return finding
    return Finding(**{**finding.__dict__, "severity": severity})


def _find(rule: R.Rule, zh: str, en: str, **kwargs) -> Finding:
    return Finding(rule.id, rule.severity, zh, en, **kwargs)


# -- readability -------------------------------------------------------------------------------


def _readable_facts(path: Path, review: DrawingReview) -> DrawingFacts | None:
    """The scanned facts, or None with the finding that says why the file cannot be judged."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        review.findings.append(
            _find(
                R.FILE_BROKEN,
                "图纸文件无法读取，请重新上传。",
                "The drawing file cannot be read; upload it again.",
                detail=error_detail(exc),
            )
        )
        return None
    limit = setting("ACCEPTANCE_DRAWING_MAX_BYTES")
    review.ran.append(R.FILE_SIZE.id)
    if size > limit:
        review.findings.append(
            _find(
                R.FILE_SIZE,
                f"图纸文件 {size / 1024**2:.0f} MB 超过审图上限 {limit / 1024**2:.0f} MB，"
                "未做审查。请按图幅拆分（每张图一个文件）或清理（PURGE）后重新上传。",
                f"The drawing ({size / 1024**2:.0f} MB) exceeds the review limit of "
                f"{limit / 1024**2:.0f} MB and was not reviewed. Split it into one file per "
                "sheet or PURGE it and upload again.",
                detail={"size": size, "max_bytes": limit},
            )
        )
        return None
    fmt = sniff_bytes(head)
    review.ran += [R.FILE_DWG.id, R.FILE_BINARY.id]
    if fmt == "dwg":
        version = dwg_version(head)
        review.findings.append(
            _find(
                R.FILE_DWG,
                f"这是 AutoCAD DWG 文件（{version}），不是 DXF。请在 CAD 软件中“另存为”"
                "DXF（ASCII，R2018 或更早）后重新上传。",
                f"This is an AutoCAD DWG file ({version}), not DXF. Use “Save As” ASCII DXF "
                "(R2018 or older) in your CAD software and upload that.",
                detail={"dwg_version": version},
            )
        )
        return None
    if head.startswith(BINARY_DXF_SENTINEL):
        review.findings.append(
            _find(
                R.FILE_BINARY,
                "这是二进制 DXF，审图只接受文本（ASCII）DXF。请在 CAD 软件中另存为 ASCII "
                "格式的 DXF 后重新上传。",
                "This is a binary DXF; the review accepts text (ASCII) DXF only. Save it as "
                "ASCII DXF in your CAD software and upload it again.",
            )
        )
        return None
    review.ran += [R.FILE_TRUNCATED.id, R.FILE_BROKEN.id, R.FILE_REPAIRED.id]
    try:
        facts = scan_drawing(path)
    except TruncatedDrawing as exc:
        review.findings.append(
            _find(
                R.FILE_TRUNCATED,
                "图纸文件不完整（缺少 EOF 结束标记），可能在传输或保存时被截断。请重新导出并上传"
                "完整文件。",
                "The drawing file is incomplete (no EOF marker): it was cut off while saving or "
                "in transfer. Export it again and upload the complete file.",
                detail={"error": str(exc)},
            )
        )
        return _repaired_facts(path, review)
    except (BrokenStructure, UnicodeError, ValueError, LookupError) as exc:
        review.findings.append(
            _find(
                R.FILE_BROKEN,
                "图纸的 DXF 结构无效。请在 CAD 软件中打开原图，执行“核查”(AUDIT) 后重新导出 DXF。",
                "The drawing's DXF structure is invalid. Open the original in your CAD "
                "software, run AUDIT and export the DXF again.",
                detail=error_detail(exc),
            )
        )
        return _repaired_facts(path, review)
    return _version_ok(facts, review)


def _repaired_facts(path: Path, review: DrawingReview) -> DrawingFacts | None:
    """Load a broken file with ezdxf's recover, report the repairs, scan the repaired text.

    Only up to ``ACCEPTANCE_DRAWING_AUDIT_MAX_BYTES``: ezdxf holds about 11 bytes of memory per
    byte of DXF, so a larger broken file is refused rather than loaded.
    """
    limit = setting("ACCEPTANCE_DRAWING_AUDIT_MAX_BYTES")
    if path.stat().st_size > limit:
        review.findings.append(
            _find(
                R.FILE_BROKEN,
                f"图纸结构已损坏，且文件超过 {limit / 1024**2:g} MB，服务器不做修复读取，"
                "未做其他审查。请在 CAD 软件中另存为 DXF R2013 或 R2018 后重新上传。",
                f"The drawing's structure is damaged and the file is over "
                f"{limit / 1024**2:g} MB, too large to repair on the server, so no other rule "
                "was checked. Save it as DXF R2013 or R2018 in your CAD software and upload it "
                "again.",
                detail={"audit_max_bytes": limit},
            )
        )
        return None
    import ezdxf
    from ezdxf import recover

    reader = "recover"
    try:
        doc, auditor = recover.readfile(str(path))
    except Exception as exc:  # recover raises DXFStructureError and, on hostile input, anything
        refusal = exc
        # Recover refuses some files the strict reader opens: try it before calling it broken.
        try:
            doc, reader = ezdxf.readfile(path), "strict"
            auditor = doc.audit()
        except Exception:  # the strict reader raises far more than DXFStructureError
            doc = None
    if doc is None:
        review.findings.append(
            _find(
                R.FILE_BROKEN,
                "图纸无法修复读取，未做其他审查。请在 CAD 软件中重新导出 DXF 后上传。",
                "The drawing cannot be recovered, so no other rule was checked. Export the DXF "
                "again from your CAD software and upload it.",
                detail=error_detail(refusal),
            )
        )
        return None
    fixes = [str(f.message) for f in auditor.fixes]
    errors = [str(e.message) for e in auditor.errors]
    review.findings.append(
        _find(
            R.FILE_REPAIRED,
            f"图纸可以修复读取：自动修复 {len(fixes)} 处，{len(errors)} 处无法修复。以下审查基于"
            "修复后的图纸；请在 CAD 软件中执行“核查”(AUDIT) 后重新导出。",
            f"The drawing could be recovered: {len(fixes)} repairs, {len(errors)} problems left. "
            "The other rules judged the repaired drawing; run AUDIT in your CAD software and "
            "export it again.",
            detail={
                "reader": reader,
                "fixes": len(fixes),
                "errors": len(errors),
                "fix_examples": fixes[:MAX_REPAIR_EXAMPLES],
                "error_examples": errors[:MAX_REPAIR_EXAMPLES],
            },
        )
    )
    text = io.StringIO()
    doc.write(text)
    text.seek(0)
    facts = scan_text(text)
    return _version_ok(facts, review)


def _version_ok(facts: DrawingFacts, review: DrawingReview) -> DrawingFacts | None:
    version = facts.dxfversion or OLDEST_SUPPORTED  # no $ACADVER: ezdxf reads it as R12
    facts.dxfversion = version
    if version < OLDEST_SUPPORTED or version not in RELEASES:
        review.findings.append(
            _find(
                R.FILE_VERSION,
                f"DXF 版本 {version} 过旧或无法识别，无法可靠审查。请另存为 R2000 至 R2018 之间"
                "的 DXF 版本后重新上传。",
                f"DXF version {version} is too old or unknown to review reliably. Save it as a "
                "DXF version between R2000 and R2018 and upload it again.",
                detail={"dxfversion": version},
            )
        )
        return facts
    if facts.entity_count == 0:
        review.findings.append(
            _find(
                R.FILE_EMPTY,
                "图纸是空的：模型空间和各布局中都没有图形。请确认导出的是正确的图纸（外部参照"
                "已绑定）后重新上传。",
                "The drawing is empty: neither model space nor any layout holds entities. Check "
                "that you exported the right drawing (external references bound) and upload it "
                "again.",
            )
        )
    return facts


# -- content rules -----------------------------------------------------------------------------


def _judge(facts: DrawingFacts, review: DrawingReview, project_name: str | None) -> None:
    stamp_blocks = {name.upper() for name in setting("ACCEPTANCE_STAMP_BLOCK_NAMES")}
    stamp_fields = _upper_tags(setting("ACCEPTANCE_STAMP_FIELDS"))
    title_blocks = {name.upper() for name in setting("ACCEPTANCE_TITLE_BLOCK_NAMES")}
    title_fields = _upper_tags(setting("ACCEPTANCE_TITLE_BLOCK_FIELDS"))

    live = [i for i in facts.inserts if not _is_xref(facts, i)]
    stamps = [i for i in live if _matches(i, stamp_blocks, stamp_fields, facts)]
    titles = [i for i in live if i not in stamps and _matches(i, title_blocks, title_fields, facts)]
    title = titles[0] if titles else None
    review.ran += [
        R.STAMP_PRESENT.id,
        R.STAMP_FIELDS.id,
        R.STAMP_SIZE.id,
        R.STAMP_OVERLAP.id,
        R.TITLE_PRESENT.id,
        R.TITLE_PROJECT.id,
        R.TITLE_NUMBER.id,
        R.UNITS.id,
        R.EXTENTS.id,
        R.XREFS.id,
        R.IMAGES.id,
        R.PROXIES.id,
        R.FONTS.id,
    ]
    review.findings += _stamp_findings(facts, stamps, stamp_fields, title)
    review.findings += _title_findings(facts, title, title_fields, project_name, review)
    review.findings += _drawing_findings(facts)


def _upper_tags(fields: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {name: [tag.upper() for tag in tags] for name, tags in fields.items()}


def _is_xref(facts: DrawingFacts, insert: Insert) -> bool:
    block = facts.blocks.get(insert.name.upper())
    return block is not None and block.is_xref


def _matches(insert: Insert, names: set[str], fields: dict[str, list[str]], facts) -> bool:
    """A block named as expected, or one whose attribute tags carry most of the fields."""
    if insert.name.upper() in names:
        return True
    carried = sum(1 for tags in fields.values() if any(t in insert.attribs for t in tags))
    return carried * 2 > len(fields)


def _value(insert: Insert, tags: list[str]) -> str:
    for tag in tags:
        if insert.attribs.get(tag, "").strip():
            return insert.attribs[tag].strip()
    return ""


def _box(facts: DrawingFacts, insert: Insert) -> tuple[float, float, float, float] | None:
    """The insert's footprint in its layout's coordinates (rotation by its corners)."""
    block = facts.blocks.get(insert.name.upper())
    if block is None or block.size is None:
        return None
    x1, y1, x2, y2 = block.box
    bx, by = block.base
    sx, sy = insert.scale
    angle = math.radians(insert.rotation)
    cos, sin = math.cos(angle), math.sin(angle)
    corners = []
    for x, y in ((x1, y1), (x2, y1), (x2, y2), (x1, y2)):
        dx, dy = (x - bx) * sx, (y - by) * sy
        corners.append(
            (insert.insert[0] + dx * cos - dy * sin, insert.insert[1] + dx * sin + dy * cos)
        )
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def _mm_per_unit(facts: DrawingFacts) -> float:
    # Unitless drawings (and units with no metric factor) are taken as millimetres, the Chinese
    # drafting standard.
    return mm_per_unit(facts.insunits) or 1.0


def _stamp_findings(facts, stamps, fields, title) -> list[Finding]:
    if not stamps:
        return [
            _find(
                R.STAMP_PRESENT,
                "未找到竣工图章：请在图签上方空白处加盖竣工图章（图块，含施工单位、编制人、审核人、"
                "技术负责人、编制日期、监理单位、现场监理、总监等属性）。",
                "No as-built stamp found: insert the as-built stamp block (with attributes for "
                "contractor, compiler, checker, technical lead, date, supervisor, site "
                "supervisor and chief supervisor) in the blank space above the title block.",
            )
        ]
    findings = []
    labels = setting("ACCEPTANCE_STAMP_FIELDS")
    for stamp in stamps:
        box = _box(facts, stamp)
        where = {"layout": stamp.layout, "handle": stamp.handle, "box": box}
        empty = [name for name, tags in fields.items() if not _value(stamp, tags)]
        if empty:
            zh = "、".join(_label_zh(labels[name]) for name in empty)
            findings.append(
                _find(
                    R.STAMP_FIELDS,
                    f"竣工图章有未填写的栏目：{zh}。请逐项填写（本人签署，不得代签）。",
                    f"The as-built stamp has empty fields: {', '.join(empty)}. Fill in each "
                    "one (signed by the person named, not by proxy).",
                    detail={"empty_fields": empty},
                    **where,
                )
            )
        if box is not None:
            findings += _stamp_size(facts, stamp, box, title, where)
        if title is not None and title.layout == stamp.layout and box is not None:
            title_box = _box(facts, title)
            if title_box is not None and _overlap(box, title_box):
                findings.append(
                    _find(
                        R.STAMP_OVERLAP,
                        "竣工图章压在图签上。请将竣工图章移到图签上方的空白处，不得遮盖图签。",
                        "The as-built stamp lies over the title block. Move it into the blank "
                        "space above the title block, clear of it.",
                        layout=stamp.layout,
                        handle=stamp.handle,
                        box=_union(box, title_box),
                        detail={"title_block_handle": title.handle},
                    )
                )
    return findings


def _label_zh(tags: list[str]) -> str:
    cjk = [t for t in tags if any(unicodedata.east_asian_width(c) == "W" for c in t)]
    return cjk[0] if cjk else tags[0]


def _stamp_size(facts, stamp: Insert, box, title: Insert | None, where) -> list[Finding]:
    # In model space the sheet is drawn at the drawing's scale: the title block is inserted at
    # that scale, so it gives the scale; in paper space one unit is one unit on paper.
    scale = 1.0
    if title is not None and title.layout == stamp.layout and stamp.layout == "Model":
        scale = abs(title.scale[0]) or 1.0
    factor = _mm_per_unit(facts) / scale
    width, height = (box[2] - box[0]) * factor, (box[3] - box[1]) * factor
    if stamp.rotation % 180 and abs(stamp.rotation % 180 - 90) < 1:
        width, height = height, width
    want_w, want_h = setting("ACCEPTANCE_STAMP_SIZE_MM")
    tolerance = setting("ACCEPTANCE_STAMP_SIZE_TOLERANCE")
    if abs(width - want_w) <= want_w * tolerance and abs(height - want_h) <= want_h * tolerance:
        return []
    return [
        _find(
            R.STAMP_SIZE,
            f"竣工图章尺寸约 {width:.0f}×{height:.0f} mm，应为 {want_w:.0f}×{want_h:.0f} mm"
            "（按图纸比例）。请使用标准竣工图章图块，按出图比例插入。",
            f"The as-built stamp measures about {width:.0f} × {height:.0f} mm; it should be "
            f"{want_w:.0f} × {want_h:.0f} mm at the drawing's scale. Use the standard stamp "
            "block inserted at the plot scale.",
            detail={"width_mm": round(width, 1), "height_mm": round(height, 1), "scale": scale},
            **where,
        )
    ]


def _overlap(a, b) -> bool:
    # Touching edges are not an overlap; a drawing-unit sliver is.
    return min(a[2], b[2]) - max(a[0], b[0]) > 1e-6 and min(a[3], b[3]) - max(a[1], b[1]) > 1e-6


def _union(a, b):
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def normalize_name(name: str) -> str:
    """Compare names as people read them: full-width forms, case and spaces do not matter."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


def _title_findings(facts, title, fields, project_name, review) -> list[Finding]:
    if title is None:
        return [
            _find(
                R.TITLE_PRESENT,
                "未找到图签（标题栏）：需要带有“工程名称”和“图号”属性的图签图块。",
                "No title block found: a title block with project name and drawing number "
                "attributes is needed.",
            )
        ]
    where = {"layout": title.layout, "handle": title.handle, "box": _box(facts, title)}
    values = {name: _value(title, tags) for name, tags in fields.items()}
    review.title = values
    findings = []
    project = values.get("project_name", "")
    if not project:
        findings.append(
            _find(
                R.TITLE_PROJECT,
                "图签未填写工程名称。",
                "The title block's project name is empty.",
                **where,
            )
        )
    elif project_name and normalize_name(project) != normalize_name(project_name):
        findings.append(
            _find(
                R.TITLE_PROJECT,
                f"图签工程名称“{project}”与本案件的工程名称“{project_name}”不一致，请更正图签。",
                f"The title block's project name {project!r} differs from the case's project "
                f"{project_name!r}; correct the title block.",
                detail={"title_block": project, "case": project_name},
                **where,
            )
        )
    if not values.get("drawing_number"):
        findings.append(
            _find(
                R.TITLE_NUMBER,
                "图签未填写图号。",
                "The title block's drawing number is empty.",
                **where,
            )
        )
    return findings


def _drawing_findings(facts: DrawingFacts) -> list[Finding]:
    findings = []
    if not facts.insunits:
        findings.append(
            _find(
                R.UNITS,
                "图纸未设置绘图单位（$INSUNITS 为“无单位”）。请用 UNITS 命令设为毫米后重新导出。",
                "The drawing has no units ($INSUNITS is unitless). Set millimetres with the "
                "UNITS command and export again.",
            )
        )
    if not facts.has_extents:
        findings.append(
            _find(
                R.EXTENTS,
                "图纸没有记录图形范围（$EXTMIN/$EXTMAX）。请执行“范围缩放”(ZOOM E) 后保存并重新导出。",
                "The drawing has no recorded extents ($EXTMIN/$EXTMAX). Run ZOOM Extents, save "
                "and export again.",
            )
        )
    for block in facts.blocks.values():
        if block.is_xref:
            refs = [i for i in facts.inserts if i.name.upper() == block.name.upper()]
            first = refs[0] if refs else None
            findings.append(
                _find(
                    R.XREFS,
                    f"外部参照“{block.name}”（{block.xref_path}）未绑定，归档后无法显示。"
                    "请用 XREF“绑定”后重新导出。",
                    f"External reference {block.name!r} ({block.xref_path}) is not bound and "
                    "will not show in the archive. Bind it (XREF → Bind) and export again.",
                    layout=first.layout if first else "",
                    handle=first.handle if first else "",
                    box=_box(facts, first) if first else None,
                    detail={"path": block.xref_path},
                )
            )
    images = sorted(set(facts.image_paths))
    if images:
        findings.append(
            _find(
                R.IMAGES,
                f"图纸引用 {len(images)} 个外部光栅图像（{'、'.join(images[:5])}），归档后无法"
                "显示。请将图像嵌入或另行提交。",
                f"The drawing references {len(images)} external raster images "
                f"({', '.join(images[:5])}) that the archive will not have. Embed them or "
                "submit them separately.",
                detail={"paths": images},
            )
        )
    if facts.proxies or facts.proxy_objects:
        handle, layout = facts.proxies[0] if facts.proxies else ("", "")
        count = len(facts.proxies) + facts.proxy_objects
        findings.append(
            _find(
                R.PROXIES,
                f"图纸含 {count} 个代理对象（第三方插件创建），普通软件可能无法显示其内容。"
                "请在原软件中分解（EXPLODE）或导出为基本图形后重新上传。",
                f"The drawing holds {count} proxy entities (made by a third-party add-on) whose "
                "content other software may not show. Explode them in the original software and "
                "upload again.",
                layout=layout,
                handle=handle,
                detail={"count": count, "handles": [h for h, _ in facts.proxies[:20]]},
            )
        )
    missing = _missing_fonts(facts.styles)
    if missing:
        findings.append(
            _find(
                R.FONTS,
                "以下文字样式的字体在档案馆不可用，显示时将被替换："
                + "；".join(f"{s}（{f}）" for s, f in missing.items())
                + "。请改用标准字体或将文字分解后重新导出。",
                "These text styles use fonts the archive does not have, so they will be "
                "substituted: "
                + "; ".join(f"{s} ({f})" for s, f in missing.items())
                + ". Use standard fonts or explode the text and export again.",
                detail={"styles": missing},
            )
        )
    return findings


def _missing_fonts(styles: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    standard = {f.lower() for f in setting("ACCEPTANCE_DRAWING_STANDARD_FONTS")}
    missing = {}
    for style, names in styles.items():
        for font in names:
            if not font:
                continue
            key = font.lower()
            stem = key.rsplit(".", 1)[0]
            if key in standard or stem in standard:
                continue
            # ezdxf's font manager (and ezdxf) is loaded only for a font that is not standard.
            from ezdxf.fonts import fonts

            if fonts.font_manager.has_font(font):
                continue
            missing[style] = font
    return missing


# -- the set of a case -------------------------------------------------------------------------


def review_set(
    titles: Mapping[Any, Mapping[str, str]], *, index: Mapping[str, str] | None = None
) -> dict[Any, list[Finding]]:
    """Set rules over a case's drawings: ``titles`` maps a drawing's key to its title values.

    Drawing numbers must be unique within the set; when a drawing index (图纸目录: drawing
    number -> sheet name) is given, every drawing must be listed with the same sheet name.
    """
    numbers = Counter(
        normalize_name(t.get("drawing_number", ""))
        for t in titles.values()
        if t.get("drawing_number")
    )
    result: dict[Any, list[Finding]] = {key: [] for key in titles}
    normalized_index = {normalize_name(k): v for k, v in (index or {}).items()}
    for key, title in titles.items():
        number = title.get("drawing_number", "")
        if number and numbers[normalize_name(number)] > 1:
            result[key].append(
                _find(
                    R.SET_UNIQUE,
                    f"图号“{number}”在本案件的图纸中出现 {numbers[normalize_name(number)]} 次，"
                    "图号必须唯一。请更正图签。",
                    f"Drawing number {number!r} appears {numbers[normalize_name(number)]} times "
                    "in this case's drawings; numbers must be unique. Correct the title blocks.",
                    detail={"drawing_number": number},
                )
            )
        if index is None or not number:
            continue
        listed = normalized_index.get(normalize_name(number))
        sheet = title.get("sheet_title", "")
        if listed is None:
            result[key].append(
                _find(
                    R.SET_INDEX,
                    f"图号“{number}”不在图纸目录中。请补入目录或更正图号。",
                    f"Drawing number {number!r} is not in the drawing index. Add it to the "
                    "index or correct the number.",
                    detail={"drawing_number": number},
                )
            )
        elif normalize_name(listed) != normalize_name(sheet):
            result[key].append(
                _find(
                    R.SET_INDEX,
                    f"图名“{sheet}”与图纸目录中的“{listed}”不一致（图号 {number}）。",
                    f"Sheet name {sheet!r} differs from {listed!r} in the drawing index "
                    f"(number {number}).",
                    detail={"drawing_number": number, "sheet": sheet, "index": listed},
                )
            )
    return result


def review_index_unmatched(
    titles: Mapping[Any, Mapping[str, str]], index: Mapping[str, str] | None
) -> list[Finding]:
    """The drawing index's entries that no drawing of the set carries (set.index, per entry)."""
    numbers = {normalize_name(t.get("drawing_number", "")) for t in titles.values()}
    return [
        _find(
            R.SET_INDEX,
            f"图纸目录中的图号“{number}”（{name}）没有对应的图纸。请上传该图纸或从目录中删除。",
            f"Drawing number {number!r} ({name}) is in the drawing index but no drawing "
            "carries it. Upload the drawing or remove it from the index.",
            detail={"drawing_number": number, "index": name},
        )
        for number, name in (index or {}).items()
        if normalize_name(number) not in numbers
    ]


def drawing_outcomes(path: Path) -> list[CheckOutcome]:
    """The drawing rules as file-check outcomes (``ACCEPTANCE_FILE_RULES``, ``check_files``)."""
    return review_drawing(path).outcomes()


def findings_of(outcomes: Iterable[dict]) -> list[dict]:
    """The drawing findings among stored check outcomes (for pages and process results)."""
    return [
        o
        for o in outcomes
        if o["code"].startswith("drawing.") and o["detail"].get("severity") != "pass"
    ]
