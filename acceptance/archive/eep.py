"""The case's records as a DA/T 48 electronic-record package (电子文件封装包, EEP).

The archival package carries ``data/eep.xml`` beside its BagIt payload: the case's current records
with metadata at four levels after CJJ/T 187 (项目 → 单位工程 → 案卷 → 文件), the process
history (业务实体块, from the journal), the people and bodies that acted (机构人员实体块), and the
archive's signature over the package (电子签名块) locked by a second signature (锁定签名). The
records' content is not inlined: each 编码数据 names the file of the package that holds it, with
its size and digest, so the EEP and the bag share one copy of every file.

Signed bytes: both signatures are detached CMS signatures (the archive's key, through the
configured signer) over the exclusive XML canonical form (C14N 1.0) of the element they cover,
parsed without blank text: 被签名对象 for the 电子签名, and the whole package without its
锁定签名 for the lock. ``schemas/eep.xsd`` is the schema every package is validated against.
"""

from __future__ import annotations

import base64
import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from django.contrib.auth import get_user_model
from django.utils import timezone
from lxml import etree

from certificates.conf import setting as certificate_setting
from workflows.digests import SHA256, SM3, algorithm_of, digest_file, hex_of
from workflows.labels import label
from workflows.models import JournalEntry

from ..models import Case, Material, Retention

EEP_FILE = "eep.xml"
SCHEMA_PATH = Path(__file__).with_name("schemas") / "eep.xsd"
EEP_VERSION = "2009"
FORMAT_DESCRIPTION = (
    "本封装包依据 DA/T 48-2009《基于XML的电子文件封装规范》生成，元数据参照 CJJ/T 187"
    "《建设电子档案元数据标准》按项目、单位工程、案卷、文件四级著录"
)
SIGNATURE_RULE = (
    "CMS 分离式签名（RFC 5652），签名对象为“被签名对象”元素去除空白文本后的排他式 XML 规范化"
    "形式（Exclusive C14N 1.0） / detached CMS over the exclusive C14N of 被签名对象"
)
LOCK_RULE = (
    "CMS 分离式签名（RFC 5652），签名对象为去除“锁定签名”及空白文本后整个封装包的排他式 XML "
    "规范化形式 / detached CMS over the exclusive C14N of the package without 锁定签名"
)
RETENTION_ZH = {Retention.PERMANENT: "永久", Retention.LONG: "长期", Retention.SHORT: "短期"}
# The 数字摘要's 算法 as the EEP names it, for each digest algorithm of ``workflows.digests``.
ALGORITHM_NAMES = {SHA256: "SHA-256", SM3: "SM3"}

# Turns bytes into a detached CMS signature (DER).
Sign = Callable[[bytes], bytes]
# None when a detached signature over the data is valid and trusted, else what is wrong.
SignatureCheck = Callable[[bytes, bytes], "str | None"]


def _element(parent, tag: str, value=None, **attributes):
    node = etree.SubElement(parent, tag, {k: str(v) for k, v in attributes.items()})
    if value is not None:
        node.text = str(value)
    return node


def _optional(parent, tag: str, value) -> None:
    """The element only when it has a value: the schema refuses empty text."""
    if value is not None and str(value).strip():
        _element(parent, tag, str(value).strip())


def _moment(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _retention(value: str) -> str:
    return RETENTION_ZH.get(value, "永久")


@dataclass
class _Parties:
    """机构人员实体: one identifier per body and per person named in the package."""

    archive: str
    owner: str
    people: dict[str, str]


def _parties(block, case: Case, actors: set[str]) -> _Parties:
    archive_name = certificate_setting("CERTIFICATES_ISSUER_NAME")
    owner = case.project.owner
    bodies = [
        ("JG-01", archive_name, ""),
        ("JG-02", owner.name, owner.credit_code),
    ]
    for identifier, name, code in bodies:
        entity = _element(block, "机构人员实体")
        _element(entity, "机构人员标识符", identifier)
        _element(entity, "机构人员类型", "单位")
        _element(entity, "机构人员名称", name)
        _optional(entity, "组织机构代码", code)
    names = {
        user.get_username(): user.get_full_name()
        for user in get_user_model().objects.filter(username__in=actors)
    }
    people = {}
    for number, actor in enumerate(sorted(actors), start=1):
        identifier = f"RY-{number:03d}"
        people[actor] = identifier
        entity = _element(block, "机构人员实体")
        _element(entity, "机构人员标识符", identifier)
        _element(entity, "机构人员类型", "个人")
        _element(entity, "机构人员名称", names.get(actor) or actor)
    return _Parties(archive="JG-01", owner="JG-02", people=people)


def _file_entity(parent, material: Material, *, position=None, code=None):
    entity = _element(parent, "文件实体")
    _element(entity, "聚合层次", "文件")
    _element(entity, "文件实体标识符", f"WJ-{material.pk}")
    meta = _element(entity, "文件元数据")
    _optional(meta, "档号", code)
    _optional(meta, "序号", position)
    _element(meta, "题名", (material.title or material.original_name).strip())
    _optional(meta, "文号", material.document_number)
    _optional(meta, "责任者", material.responsible_party)
    _optional(meta, "形成日期", material.formed_on)
    item = material.catalog_item
    _element(meta, "归档类目", f"{item.code} {item.name_zh}")
    _element(meta, "保管期限", _retention(item.retention))
    _element(meta, "载体类型", "电子")
    return entity, meta


def _content(entity, material: Material, stored: str) -> None:
    documents = _element(entity, "文档数据")
    document = _element(documents, "文档")
    _element(document, "文档标识符", f"WD-{material.pk}")
    _element(document, "文档序号", 1)
    encoding = _element(document, "编码")
    _element(encoding, "编码标识符", f"BM-{material.pk}")
    properties = _element(encoding, "电子属性")
    _element(properties, "格式信息", material.detected_format or "unknown")
    _element(properties, "计算机文件名", material.original_name)
    _element(properties, "计算机文件大小", material.size)
    digest = material.intake_digest
    _element(encoding, "数字摘要", hex_of(digest), 算法=ALGORITHM_NAMES[algorithm_of(digest)])
    _element(encoding, "编码描述", "原始电子文件，未经转换 / the file as received")
    _element(encoding, "编码数据", 位置=stored)


def _record(parent, material: Material, stored: str, *, entry=None, code=None) -> None:
    entity, meta = _file_entity(
        parent,
        material,
        position=entry.position if entry else None,
        code=f"{code}-{entry.position:03d}" if entry else None,
    )
    if entry is not None:
        _element(meta, "起始页", entry.start_page)
        _element(meta, "终止页", entry.end_page)
    _element(meta, "版本号", material.version)
    _element(meta, "接收时间", _moment(material.uploaded_at))
    _content(entity, material, stored)


def _records(block, case: Case, stored: dict[int, str]) -> int:
    """The 文件实体块; returns the number of records in it."""
    project = case.project
    top = _element(block, "文件实体")
    _element(top, "聚合层次", "项目")
    _element(top, "文件实体标识符", f"XM-{project.reference}")
    meta = _element(top, "项目元数据")
    _element(meta, "项目编号", project.reference)
    _element(meta, "项目名称", project.name)
    _element(meta, "项目地点", project.location)
    _element(meta, "工程类别", project.get_works_type_display())
    _element(meta, "建设单位", project.owner.name)
    _optional(meta, "建设单位统一社会信用代码", project.owner.credit_code)
    _optional(meta, "建设工程规划许可证号", project.planning_permit_no)
    _optional(meta, "施工许可证号", project.construction_permit_no)

    volumes = list(case.volumes.order_by("number").prefetch_related("entries__material"))
    filed = {entry.material_id for volume in volumes for entry in volume.entries.all()}
    loose = [
        m
        for m in case.materials.current().select_related("catalog_item").order_by("pk")
        if m.pk not in filed
    ]
    unit = _element(top, "文件实体")
    _element(unit, "聚合层次", "单位工程")
    _element(unit, "文件实体标识符", f"DW-{case.reference}")
    meta = _element(unit, "单位工程元数据")
    _element(meta, "档号", case.reference)
    _element(meta, "单位工程名称", project.name)
    _optional(meta, "建筑面积", project.floor_area_m2)
    _optional(meta, "结构类型", project.structure_type)
    _optional(meta, "开工日期", project.start_date)
    _optional(meta, "竣工日期", project.completion_date)
    _optional(meta, "设计单位", project.designer)
    _optional(meta, "施工单位", project.contractor)
    _optional(meta, "监理单位", project.supervisor)
    if volumes:
        _element(meta, "保管期限", _retention(Retention.longest(v.retention for v in volumes)))
    _element(meta, "案卷数", len(volumes))
    _element(meta, "文件数", len(filed) + len(loose))

    for volume in volumes:
        entity = _element(unit, "文件实体")
        _element(entity, "聚合层次", "案卷")
        _element(entity, "文件实体标识符", f"AJ-{volume.archival_code}")
        meta = _element(entity, "案卷元数据")
        _element(meta, "档号", volume.archival_code)
        _element(meta, "案卷号", volume.number)
        _element(meta, "案卷题名", volume.title)
        _element(meta, "编制单位", project.owner.name)
        _optional(meta, "起始日期", volume.date_start)
        _optional(meta, "终止日期", volume.date_end)
        _element(meta, "保管期限", _retention(volume.retention))
        _element(meta, "卷内文件数", volume.item_count)
        _element(meta, "页数", volume.page_count)
        for entry in volume.entries.all():
            _record(
                entity, entry.material, stored[entry.material_id], entry=entry,
                code=volume.archival_code,
            )  # fmt: skip
    for material in loose:
        _record(unit, material, stored[material.pk])
    return len(filed) + len(loose)


def _history(block, entries: list[JournalEntry], parties: _Parties) -> None:
    for entry in entries:
        activity = _element(block, "业务实体")
        _element(activity, "业务标识符", f"YW-{entry.sequence:05d}")
        _element(activity, "机构人员标识符", parties.people[entry.actor])
        if material := (entry.payload or {}).get("material"):
            _element(activity, "文件标识符", f"WJ-{material}")
        _element(activity, "业务状态", "已完成")
        _element(activity, "业务行为", label("event", entry.kind).zh)
        _element(activity, "行为时间", _moment(entry.recorded_at))
        _optional(activity, "行为描述", entry.task_name)


def canonical(element) -> bytes:
    """The bytes a signature covers: exclusive C14N of ``element`` without blank text."""
    reparsed = etree.fromstring(
        etree.tostring(element, encoding="UTF-8", with_tail=False),
        etree.XMLParser(remove_blank_text=True),
    )
    return etree.tostring(reparsed, method="c14n", exclusive=True)


def _signer_facts(signature: bytes) -> tuple[str, list[bytes], str, str]:
    """(signer's name, certificates, issuer and serial, algorithms) read from a CMS signature."""
    signed = cms.ContentInfo.load(signature)["content"]
    info = signed["signer_infos"][0]
    certificates = [choice.chosen for choice in signed["certificates"]]
    sid = info["sid"].chosen
    signer = next(
        (c for c in certificates if c.serial_number == sid["serial_number"].native),
        certificates[0],
    )
    name = signer.subject.native.get("common_name") or signer.subject.human_friendly
    reference = f"{signer.issuer.human_friendly}；序列号 serial {signer.serial_number:x}"
    algorithms = (
        f"摘要 {info['digest_algorithm']['algorithm'].native}"
        f"（{info['digest_algorithm']['algorithm'].dotted}），"
        f"签名 {info['signature_algorithm']['algorithm'].native}"
        f"（{info['signature_algorithm']['algorithm'].dotted}）"
    )
    return name, [c.dump() for c in certificates], reference, algorithms


def _signature_fields(parent, value: bytes, rule: str) -> None:
    name, certificates, reference, algorithms = _signer_facts(value)
    _element(parent, "签名规则", rule)
    _element(parent, "签名时间", _moment(timezone.now()))
    _element(parent, "签名人", name)
    _element(parent, "签名结果", base64.b64encode(value).decode())
    block = _element(parent, "证书块")
    for certificate in certificates:
        _element(block, "证书", base64.b64encode(certificate).decode())
    _element(parent, "证书引证", reference)
    _element(parent, "签名算法标识", algorithms)


def eep_write(*, case: Case, data: Path, stored: dict[int, str], sign: Sign | None) -> Path:
    """Write ``data/eep.xml`` for ``case``; ``stored`` maps a material's id to its file in ``data``.

    Without ``sign`` the package's 电子签名块 is empty and its verification says it is unsigned.
    """
    entries = list(JournalEntry.objects.filter(chain=case.reference).order_by("sequence"))
    root = etree.Element("电子文件封装包")
    _element(root, "封装包格式描述", FORMAT_DESCRIPTION)
    _element(root, "版本", EEP_VERSION)
    signed_object = _element(root, "被签名对象", eep版本=EEP_VERSION)
    _element(signed_object, "封装包类型", "原始型")
    _element(signed_object, "封装包类型描述", "建设工程竣工档案事毕归档时原始封装，未经修改")
    _element(signed_object, "封装包创建时间", _moment(timezone.now()))
    _element(signed_object, "封装包创建单位", certificate_setting("CERTIFICATES_ISSUER_NAME"))
    content = _element(signed_object, "封装内容")
    records = _element(content, "文件实体块")
    history = _element(content, "业务实体块")
    people = _element(content, "机构人员实体块")
    _records(records, case, stored)
    parties = _parties(people, case, {entry.actor for entry in entries})
    _history(history, entries, parties)
    signatures = _element(root, "电子签名块")
    if sign is not None:
        signature = _element(signatures, "电子签名")
        _element(signature, "签名标识符", "QM-001")
        _signature_fields(signature, sign(canonical(signed_object)), SIGNATURE_RULE)
        lock = etree.Element("锁定签名")
        _element(lock, "被锁定签名标识符", "QM-001")
        value = sign(canonical(root))
        root.append(lock)
        _signature_fields(lock, value, LOCK_RULE)
    path = Path(data) / EEP_FILE
    etree.ElementTree(root).write(
        str(path), encoding="UTF-8", xml_declaration=True, pretty_print=True
    )
    return path


# ---------------------------------------------------------------- verification (offline)


@functools.cache
def eep_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


@dataclass
class EepCheck:
    """One verification of an EEP: a name, passed or not, and what was found (zh / en)."""

    name: str
    passed: bool
    detail: str


def _schema_check(document) -> EepCheck:
    schema = eep_schema()
    if schema.validate(document):
        return EepCheck("EEP schema", True, "符合封装包结构定义 / valid against eep.xsd")
    errors = "; ".join(
        f"第 {error.line} 行 line {error.line}: {error.message}" for error in schema.error_log[:5]
    )
    return EepCheck(
        "EEP schema", False, f"不符合封装包结构定义 / not valid against eep.xsd: {errors}"
    )


def _digest(path: Path, name: str) -> str:
    algorithm = next(key for key, value in ALGORITHM_NAMES.items() if value == name)
    return hex_of(digest_file(path, algorithm))


def _files_check(document, base: Path) -> EepCheck:
    problems = []
    count = 0
    base = base.resolve()
    for encoding in document.iter("编码"):
        count += 1
        where = encoding.find("编码数据").get("位置", "")
        size = int(encoding.findtext("电子属性/计算机文件大小", "-1"))
        digest = encoding.find("数字摘要")
        path = (base / where).resolve()
        if not path.is_relative_to(base):
            problems.append(f"{where}：位置指向封装包之外 / points outside the package")
        elif not path.is_file():
            problems.append(f"{where}：封装包中没有该文件 / the file is missing")
        elif path.stat().st_size != size:
            problems.append(
                f"{where}：大小 {path.stat().st_size} 字节与记载的 {size} 字节不符 / size differs"
            )
        elif _digest(path, digest.get("算法")) != digest.text:
            problems.append(f"{where}：数字摘要与封装包记载不一致 / digest differs from the EEP")
    if problems:
        return EepCheck("EEP files", False, "; ".join(problems))
    return EepCheck(
        "EEP files", True, f"{count} 个文件与封装包记载的摘要一致 / every file matches its digest"
    )


def _signature_problem(element, signed: bytes, check: SignatureCheck) -> str | None:
    value = base64.b64decode(element.findtext("签名结果", ""), validate=False)
    return check(signed, value)


def _signature_check(document, check: SignatureCheck | None) -> EepCheck:
    root = document.getroot()
    signatures = root.findall("电子签名块/电子签名")
    lock = root.find("锁定签名")
    if not signatures or lock is None:
        return EepCheck("EEP signature", False, "封装包未签名 / the EEP is not signed")
    if check is None:
        return EepCheck(
            "EEP signature", False, "未提供信任根，无法验证签名 / no trust root to check it with"
        )
    signed_object = canonical(root.find("被签名对象"))
    for signature in signatures:
        if problem := _signature_problem(signature, signed_object, check):
            identifier = signature.findtext("签名标识符")
            return EepCheck("EEP signature", False, f"电子签名 {identifier}：{problem}")
    unlocked = copy.deepcopy(root)
    unlocked.remove(unlocked.find("锁定签名"))
    if problem := _signature_problem(lock, canonical(unlocked), check):
        return EepCheck("EEP signature", False, f"锁定签名 lock signature：{problem}")
    return EepCheck(
        "EEP signature",
        True,
        f"{len(signatures)} 个电子签名与锁定签名有效 / signatures and lock signature valid",
    )


def eep_verify(path: Path, *, check_signature: SignatureCheck | None = None) -> list[EepCheck]:
    """Check an EEP offline: its schema, the files it names against their digests, its signatures.

    Files are looked up relative to the EEP's folder.
    """
    path = Path(path)
    if not path.is_file():
        return [EepCheck("EEP", False, f"没有封装包 {path.name} / the package carries no EEP")]
    try:
        document = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [EepCheck("EEP", False, f"封装包不是格式良好的 XML / not well-formed XML: {exc}")]
    schema = _schema_check(document)
    if not schema.passed:
        return [schema]
    return [
        schema,
        _files_check(document, path.parent),
        _signature_check(document, check_signature),
    ]
