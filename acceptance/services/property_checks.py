"""Four-property checks (四性检测) at the three stages of DA/T 70, one report per stage per case.

- 归档 archiving: each current record's intake checks (``check_file``, recorded when it was
  received) and the case's process history.
- 移交接收 transfer and receipt: when the archive makes a case's package (移交) and when a package
  comes from another system (接收, ``manage.py receive_package``): the package verified
  (``verify_bundle``: BagIt, signatures, EEP schema and digests, journal, replay), the same file
  checks on every record in it, and the package's own rules: as many records as it declares, and
  no file that is not an archive part.
- 长期保存 long-term storage: the periodic audit (``acceptance.fixity_audit``) runs the same file
  checks on every stored record of each archived case against its intake digest, and verifies
  the case's archival package where it is kept.

Each run is kept as a :class:`PropertyCheckReport` and journaled on the case's chain.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import bagit
from lxml import etree

from signing.validation import detached_signature_problem
from workflows.documents import document_keep_once
from workflows.journal import SYSTEM_ACTOR, journal_append, verify_chain

from ..archive.bundle import HEAD_FILE
from ..archive.eep import EEP_FILE
from ..archive.package import archival_package_export, archival_package_path
from ..archive.verify import SignatureCheck, verify_bundle
from ..checks.files import check_file
from ..checks.outcomes import CheckResult, summarize_properties
from ..models import Case, PropertyCheckReport
from .materials import material_file_report

logger = logging.getLogger(__name__)
Stage = PropertyCheckReport.Stage
PACKAGE = "封装包 package"
# What a package's verification checks, the property it speaks for, and its name on a page.
PACKAGE_CHECKS = {
    "bagit": (
        "integrity",
        "封装包内文件的数量与字节与清单一致",
        "files and bytes as the manifests declare",
    ),
    "SM3 manifest": ("integrity", "文件与 SM3 摘要清单一致", "files match the SM3 manifest"),
    "signature": ("authenticity", "封装包清单的电子签名", "the manifest's signature"),
    "EEP": ("integrity", "封装包含 EEP（DA/T 48）", "the package carries an EEP"),
    "EEP schema": ("integrity", "EEP 元数据完整、符合结构定义", "EEP metadata complete and valid"),
    "EEP files": ("authenticity", "文件与 EEP 记载的数字摘要一致", "files match their EEP digests"),
    "EEP signature": ("authenticity", "EEP 电子签名与锁定签名", "the EEP's signatures"),
    "journal chain": ("integrity", "过程记录（日志链）完整", "the process history is complete"),
    "materials": ("authenticity", "文件与接收时的摘要一致", "files as received at intake"),
    "certificates": ("authenticity", "证书与签发时的摘要一致", "certificates as issued"),
}
REPLAY = ("authenticity", "流程回放与记录一致", "the process replays as recorded")
# The files of a bundle that are its own parts, not records.
BUNDLE_PARTS = {
    "case.json", "instances.json", "materials.json", "certificates.json", "journal.jsonl",
    HEAD_FILE, EEP_FILE,
}  # fmt: skip


def _item(subject: str, prop: str, result: str, zh: str, en: str) -> dict:
    return {
        "subject": subject,
        "property": prop,
        "result": result,
        "message_zh": zh,
        "message_en": en,
    }


def _file_items(subject: str, outcomes) -> list[dict]:
    return [
        _item(subject, o["property"], o["result"], o["message_zh"], o["message_en"])
        for o in outcomes
    ]


def _passed(result: bool) -> str:
    return CheckResult.PASS if result else CheckResult.FAIL


def property_report_ofd_stored(*, report: PropertyCheckReport) -> PropertyCheckReport:
    """The report with its sealed OFD, made and kept at the first call; later calls find it."""
    from ..exports.property_checks import sealed_property_report_ofd

    if report.ofd:
        return report
    return document_keep_once(
        report,
        sealed_property_report_ofd(report),
        name=f"four-properties-{report.stage}-{report.pk}.ofd",
        chain=report.case.reference if report.case_id else None,
        kind="archive.properties_report_sealed",
        payload={"report": report.pk},
    )


def report_record(
    *, stage: str, items: list[dict], actor: str, case: Case | None, subject: str, source=""
) -> PropertyCheckReport:
    """Keep one stage's report and journal it on the case's chain (when the case is here)."""
    passed = all(item["result"] != CheckResult.FAIL for item in items)
    report = PropertyCheckReport.objects.create(
        stage=stage,
        case=case,
        subject=subject,
        source=str(source),
        checked_by=actor,
        items=items,
        properties=summarize_properties(items),
        passed=passed,
    )
    if case is not None:
        journal_append(
            chain=case.reference,
            kind="archive.properties_checked",
            actor=actor,
            payload={"report": report.pk, "stage": stage, "passed": passed},
        )
    return report


# -- 归档 ----------------------------------------------------------------------------------------


def archiving_items(case: Case) -> list[dict]:
    """The intake checks of each current record, and the case's process history."""
    items = []
    for material in case.materials.current().order_by("pk"):
        outcomes = (material.check_report or {}).get("outcomes")
        if outcomes:
            items += _file_items(material.original_name, outcomes)
        else:
            items.append(
                _item(
                    material.original_name, "integrity", CheckResult.FAIL,
                    "该文件归档时没有检测结果。", "The record has no check result from intake.",
                )
            )  # fmt: skip
    chain = verify_chain(case.reference)
    items.append(
        _item(
            "过程记录 process history",
            "integrity",
            _passed(chain.intact),
            f"归档过程记录完整，共 {chain.entries} 条。"
            if chain.intact
            else f"过程记录不完整：{chain.describe()}",
            "The process history is complete." if chain.intact else chain.describe(),
        )
    )
    return items


# -- 移交接收 --------------------------------------------------------------------------------------


def _bilingual(text: str) -> tuple[str, str]:
    """(Chinese, English) of a verification's detail, worded "a / b" in either order or once."""
    first, separator, second = text.partition(" / ")
    if not separator:
        return text, text
    if any("\u4e00" <= char <= "\u9fff" for char in first):
        return first, second
    return second, first


def _verification_items(verdict) -> list[dict]:
    items = []
    for name, passed, detail in verdict.checks:
        prop, zh, en = REPLAY if name.startswith("replay of") else PACKAGE_CHECKS[name]
        detail_zh, detail_en = _bilingual(detail)
        items.append(
            _item(PACKAGE, prop, _passed(passed), f"{zh}：{detail_zh}", f"{en}: {detail_en}")
        )
    return items


def _eep_records(eep) -> list[tuple[str, str]]:
    """(位置, 计算机文件名) of each record's content named by the EEP."""
    return [
        (node.find("编码数据").get("位置"), node.findtext("电子属性/计算机文件名"))
        for node in eep.iter("编码")
    ]


def _listed_parts(data: Path) -> set[str]:
    """The files the bundle's own lists name: material versions, certificates, definitions."""
    listed = set()
    for name in ("materials.json", "certificates.json"):
        if (data / name).is_file():
            records = json.loads((data / name).read_text(encoding="utf-8"))
            listed |= {r["file"] for r in records} | {r["ofd"] for r in records if r.get("ofd")}
    if (data / "instances.json").is_file():
        for instance in json.loads((data / "instances.json").read_text(encoding="utf-8")):
            for definition in [instance["definition"], *instance.get("migrated_to", [])]:
                listed.add(definition["file"])
    return listed


def _package_rule_items(data: Path, eep, expected_records: int | None) -> list[dict]:
    records = _eep_records(eep)
    declared = eep.findtext(".//单位工程元数据/文件数")
    items = []
    counts = [len(records), int(declared)] if declared else [len(records)]
    if expected_records is not None:
        counts.append(expected_records)
    same = len(set(counts)) == 1
    items.append(
        _item(
            PACKAGE,
            "integrity",
            _passed(same),
            f"文件数量与著录一致：{len(records)} 件。"
            if same
            else f"文件数量不一致：封装 {len(records)} 件，著录 {declared or '—'} 件"
            + (f"，案件现有 {expected_records} 件" if expected_records is not None else "")
            + "。",
            "The record count agrees with the metadata." if same else "The record count differs.",
        )
    )
    known = BUNDLE_PARTS | {where for where, _ in records} | _listed_parts(data)
    foreign = sorted(
        str(path.relative_to(data))
        for path in data.rglob("*")
        if path.is_file() and str(path.relative_to(data)) not in known
    )
    items.append(
        _item(
            PACKAGE,
            "security",
            _passed(not foreign),
            "封装包内没有非档案文件。"
            if not foreign
            else f"封装包内有非档案文件：{'、'.join(foreign)}",
            "No file that is not an archive part."
            if not foreign
            else f"Files that are not archive parts: {', '.join(foreign)}",
        )
    )
    return items


def _unreadable(exc: Exception) -> dict:
    return _item(
        PACKAGE, "usability", CheckResult.FAIL,
        f"封装包的清单或记录文件无法读取，无法校验：{type(exc).__name__} {exc}",
        f"A list or record file of the package cannot be read: {exc}",
    )  # fmt: skip


def package_items(
    path: Path, *, check_signature: SignatureCheck | None, expected_records: int | None = None
) -> list[dict]:
    """The checks of a package at transfer or receipt (see the module's docstring)."""
    try:
        verdict = verify_bundle(path, check_signature=check_signature)
    except (OSError, ValueError, KeyError, TypeError) as exc:  # e.g. a damaged materials.json
        return [_unreadable(exc)]
    items = _verification_items(verdict)
    data = Path(path) / "data"
    try:
        eep = etree.parse(str(data / EEP_FILE))
    except (OSError, etree.XMLSyntaxError):
        return items  # the verification said what is wrong with it
    try:
        items += _package_rule_items(data, eep, expected_records)
    except (ValueError, KeyError, TypeError) as exc:
        items.append(_unreadable(exc))
    root = data.resolve()
    for where, name in _eep_records(eep):
        target = (data / where).resolve()
        if target.is_relative_to(root) and target.is_file():
            items += _file_items(
                name, [o.as_dict() for o in check_file(target, name=name).outcomes]
            )
    return items


def archival_package_make(*, case: Case) -> Path:
    """Make the case's archival package once, with its 归档 and 移交 reports.

    A second run finds both made; a run that stopped between them makes the reports.
    """
    package = archival_package_export(case=case)
    if not case.property_checks.filter(stage=Stage.TRANSFER).exists():
        transfer_check(case=case, package=package, check_signature=detached_signature_problem)
    return package


def transfer_check(*, case: Case, package: Path, check_signature, actor=SYSTEM_ACTOR):
    """归档 and 移交 reports of a case whose archival package was made."""
    archiving = report_record(
        stage=Stage.ARCHIVING, items=archiving_items(case), actor=actor, case=case,
        subject=case.reference,
    )  # fmt: skip
    transfer = report_record(
        stage=Stage.TRANSFER,
        items=package_items(
            package,
            check_signature=check_signature,
            expected_records=case.materials.current().count(),
        ),
        actor=actor,
        case=case,
        subject=case.reference,
        source=package,
    )
    return archiving, transfer


def package_receive(*, path: Path, check_signature, actor: str) -> PropertyCheckReport:
    """Check a package received from another system; the 接收 report, kept whatever it says."""
    path = Path(path)
    try:
        identifier = bagit.Bag(str(path)).info.get("External-Identifier") or path.name
    except bagit.BagError:
        identifier = path.name
    return report_record(
        stage=Stage.RECEIPT,
        items=package_items(path, check_signature=check_signature),
        actor=actor,
        case=Case.objects.filter(reference=identifier).first(),
        subject=identifier,
        source=path,
    )


# -- 长期保存 -------------------------------------------------------------------------------------


def storage_items(case: Case, *, check_signature) -> list[dict]:
    """The file checks of every stored current record, and the kept package verified."""
    items = []
    for material in case.materials.current().select_related("catalog_item").order_by("pk"):
        report = material_file_report(material)
        items += _file_items(material.original_name, [o.as_dict() for o in report.outcomes])
    package = archival_package_path(case)
    if package.is_dir():
        items += _verification_items(verify_bundle(package, check_signature=check_signature))
    else:
        items.append(
            _item(
                PACKAGE, "integrity", CheckResult.FAIL,
                "找不到该案件的归档封装包。", "The case's archival package is not where it is kept.",
            )
        )  # fmt: skip
    return items


def storage_checks(*, check_signature, actor=SYSTEM_ACTOR) -> list[PropertyCheckReport]:
    """The 长期保存 report of every archived case; one broken case stops nothing."""
    reports = []
    for case in Case.objects.filter(status=Case.Status.ARCHIVED).order_by("pk"):
        try:
            items = storage_items(case, check_signature=check_signature)
        except Exception as exc:  # a sweep handles failure per item
            logger.exception("long-term storage checks failed on case %s", case.reference)
            items = [
                _item(
                    PACKAGE, "security", CheckResult.FAIL,
                    f"检测未能完成：{type(exc).__name__}", f"The checks could not finish: {exc}",
                )
            ]  # fmt: skip
        reports.append(
            report_record(
                stage=Stage.STORAGE, items=items, actor=actor, case=case, subject=case.reference
            )
        )
    return reports
