"""The electronic seal (电子印章) on an OFD document, per GB/T 38540-2020 and GB/T 33190.

Two DER structures (built with asn1crypto, never by hand):

- the seal ``SES_Seal``: its name, picture and validity, the certificates of those who may use it,
  signed with SM2 by whoever made the seal (制章人);
- the signature ``SES_Signature``: the seal, the signing time and the SM3 digest of the OFD's
  ``Signature.xml``, signed with SM2 by the sealer (签章人), whose certificate it carries.

In the package (GB/T 33190 §18): ``OFD.xml`` points at ``Doc_0/Signs/Signatures.xml``, which lists
``Sign_0/Signature.xml``: the references to every other file of the package with their SM3
digests, the stamp's place on the page (``StampAnnot``) and the ``SignedValue.dat`` that holds the
``SES_Signature``. A reader draws the seal's picture at the stamp's place. Knows no domain: the
caller hands in the document, the seal, the key and where the stamp goes.
"""

from __future__ import annotations

import base64
import io
import logging
import posixpath
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import core, x509
from lxml import etree

from workflows.digests import hasher

from .conf import setting
from .sm2 import (
    SM2_WITH_SM3,
    SM3,
    sm2_certificate_load,
    sm2_certificate_signed_by,
    sm2_private_key_load,
    sm2_public_key,
    sm2_sign,
    sm2_verify,
)

logger = logging.getLogger(__name__)

__all__ = [
    "SealCheck",
    "SesSeal",
    "SesSignature",
    "ofd_seal_apply",
    "ofd_seal_sign",
    "ofd_seal_verify",
    "seal_make",
    "seal_trust_roots",
]

OFD_NAMESPACE = "http://www.ofdspec.org/2016"
_NS = {"ofd": OFD_NAMESPACE}
SEAL_VERSION = 4  # GB/T 38540-2020 (V4), after GM/T 0031-2014's V1
SIGNS_DIR = "Doc_0/Signs"
SIGNATURES_FILE = f"{SIGNS_DIR}/Signatures.xml"
SIGN_DIR = f"{SIGNS_DIR}/Sign_0"
SIGNATURE_FILE = f"{SIGN_DIR}/Signature.xml"
SIGNED_VALUE_FILE = f"{SIGN_DIR}/SignedValue.dat"
SEAL_FILE = f"{SIGN_DIR}/Seal.esl"
PROVIDER = "archive-acceptance"


# --- GB/T 38540-2020 ASN.1 -------------------------------------------------------------------


class ExtData(core.Sequence):
    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class SesHeader(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class SesESPropertyInfo(core.Sequence):
    _fields = [
        ("type", core.Integer),  # 1 单位印章 (an organisation's seal), 2 个人印章
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),  # 1: the certificates themselves
        ("cert_list", CertInfoList),
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]


class SesESPictrueInfo(core.Sequence):  # the standard's own spelling
    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),  # mm
        ("height", core.Integer),
    ]


class SesSealInfo(core.Sequence):
    _fields = [
        ("header", SesHeader),
        ("es_id", core.IA5String),
        ("property", SesESPropertyInfo),
        ("picture", SesESPictrueInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SesSeal(core.Sequence):
    _fields = [
        ("eseal_info", SesSealInfo),
        ("cert", core.OctetString),  # the seal maker's certificate
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class TbsSign(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("eseal", SesSeal),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SesSignature(core.Sequence):
    _fields = [
        ("to_sign", TbsSign),
        ("cert", core.OctetString),  # the sealer's certificate
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


def seal_make(
    *,
    es_id: str,
    name: str,
    picture_png: bytes,
    picture_mm: tuple[int, int],
    sealer_certificates: list[x509.Certificate],
    maker_key,
    maker_certificate: x509.Certificate,
    valid_from: datetime,
    valid_to: datetime,
) -> SesSeal:
    """An organisation's seal usable by ``sealer_certificates``, signed by its maker."""
    info = SesSealInfo(
        {
            "header": {"id": "ES", "version": SEAL_VERSION, "vid": PROVIDER},
            "es_id": es_id,
            "property": {
                "type": 1,
                "name": name,
                "cert_list_type": 1,
                "cert_list": [certificate.dump() for certificate in sealer_certificates],
                "create_date": datetime.now(UTC),
                "valid_start": valid_from,
                "valid_end": valid_to,
            },
            "picture": {
                "type": "PNG",
                "data": picture_png,
                "width": picture_mm[0],
                "height": picture_mm[1],
            },
        }
    )
    return SesSeal(
        {
            "eseal_info": info,
            "cert": maker_certificate.dump(),
            "sign_alg_id": SM2_WITH_SM3,
            "signed_value": sm2_sign(maker_key, info.dump()),
        }
    )


# --- the OFD package ---------------------------------------------------------------------------


def _sm3(data: bytes) -> bytes:
    digest = hasher("sm3")
    digest.update(data)
    return digest.digest()


def _element(parent, tag: str, text: str | None = None, **attributes):
    node = etree.SubElement(parent, f"{{{OFD_NAMESPACE}}}{tag}", nsmap=_NS)
    for key, value in attributes.items():
        node.set(key, value)
    if text is not None:
        node.text = text
    return node


def _root(tag: str):
    return etree.Element(f"{{{OFD_NAMESPACE}}}{tag}", nsmap=_NS)


def _xml(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _page_ids(files: dict[str, bytes]) -> list[str]:
    document = _parse(files["Doc_0/Document.xml"])
    return [page.get("ID") for page in document.iterfind("ofd:Pages/ofd:Page", _NS)]


def _with_signatures_entry(ofd_xml: bytes) -> bytes:
    root = _parse(ofd_xml)
    body = root.find("ofd:DocBody", _NS)
    for old in body.findall("ofd:Signatures", _NS):
        body.remove(old)
    _element(body, "Signatures", SIGNATURES_FILE)
    return _xml(root)


# An OFD that unpacks to more than this is refused unread (a ZIP bomb sent to the public page).
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# Untrusted XML: no entities expanded, nothing fetched.
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _read(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if sum(info.file_size for info in entries) > MAX_UNPACKED_BYTES:
            raise zipfile.BadZipFile("unpacks to more than the limit")
        return {info.filename: archive.read(info) for info in entries}


def _parse(data: bytes):
    return etree.fromstring(data, _SAFE_XML)


def _write(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _signature_xml(
    files: dict[str, bytes], page_id: str, boundary: tuple[float, ...], signed_at: datetime
) -> bytes:
    root = _root("Signature")
    info = _element(root, "SignedInfo")
    _element(info, "Provider", ProviderName=PROVIDER, Version="1.0", Company=PROVIDER)
    _element(info, "SignatureMethod", SM2_WITH_SM3)
    _element(info, "SignatureDateTime", signed_at.astimezone(UTC).strftime("%Y%m%d%H%M%SZ"))
    references = _element(info, "References", CheckMethod=SM3)
    for name, data in sorted(files.items()):
        reference = _element(references, "Reference", FileRef=f"/{name}")
        _element(reference, "CheckValue", base64.b64encode(_sm3(data)).decode())
    box = " ".join(f"{value:.2f}".rstrip("0").rstrip(".") for value in boundary)
    _element(info, "StampAnnot", ID="1", PageRef=page_id, Boundary=box)
    _element(_element(info, "Seal"), "BaseLoc", f"/{SEAL_FILE}")
    _element(root, "SignedValue", f"/{SIGNED_VALUE_FILE}")
    return _xml(root)


def ofd_seal_sign(
    package: bytes,
    *,
    seal: SesSeal,
    key,
    certificate: x509.Certificate,
    boundary: tuple[float, float, float, float],
    page: int = 0,
    signed_at: datetime | None = None,
) -> bytes:
    """``package`` with ``seal`` stamped at ``boundary`` (x, y, width, height in mm) on ``page``.

    The sealer's ``certificate`` must be one the seal lists; ``key`` is its SM2 private key.
    """
    if certificate.dump() not in [
        entry.native for entry in seal["eseal_info"]["property"]["cert_list"]
    ]:
        raise ValueError("the seal does not list this certificate as one that may use it")
    signed_at = signed_at or datetime.now(UTC)
    files = _read(package)
    if any(name.startswith(f"{SIGNS_DIR}/") for name in files):
        raise ValueError("the document is already sealed")
    files["OFD.xml"] = _with_signatures_entry(files["OFD.xml"])
    signatures = _root("Signatures")
    _element(signatures, "MaxSignId", "1")
    _element(signatures, "Signature", ID="1", Type="Seal", BaseLoc=f"/{SIGNATURE_FILE}")
    files[SIGNATURES_FILE] = _xml(signatures)
    files[SEAL_FILE] = seal.dump()
    page_id = _page_ids(files)[page]
    files[SIGNATURE_FILE] = _signature_xml(files, page_id, boundary, signed_at)
    to_sign = TbsSign(
        {
            "version": SEAL_VERSION,
            "eseal": seal,
            "time_info": signed_at,
            "data_hash": _sm3(files[SIGNATURE_FILE]),
            "property_info": f"/{SIGNATURE_FILE}",
        }
    )
    signature = SesSignature(
        {
            "to_sign": to_sign,
            "cert": certificate.dump(),
            "signature_alg_id": SM2_WITH_SM3,
            "signature": sm2_sign(key, to_sign.dump()),
        }
    )
    files[SIGNED_VALUE_FILE] = signature.dump()
    return _write(files)


# --- verification ------------------------------------------------------------------------------


@dataclass
class SealCheck:
    """What the offline check of an OFD's seal found; ``problems`` are (中文, English) pairs."""

    present: bool = False
    files_intact: bool = False  # every file of the package is referenced and its SM3 digest matches
    signature_valid: bool = False  # the sealer's SM2 signature over the SES_Signature
    seal_valid: bool = (
        False  # the maker's signature on the seal, the seal lists the sealer, in date
    )
    certificate_trusted: bool = False  # sealer and maker chain to a trust root, in date
    seal_name: str = ""
    sealer: str = ""
    signed_at: datetime | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def genuine(self) -> bool:
        return all(
            (
                self.present,
                self.files_intact,
                self.signature_valid,
                self.seal_valid,
                self.certificate_trusted,
            )
        )

    def refuse(self, zh: str, en: str) -> SealCheck:
        self.problems.append((zh, en))
        return self


def _common_name(certificate: x509.Certificate) -> str:
    return certificate.subject.native.get("common_name", "") or certificate.subject.human_friendly


def _in_date(certificate: x509.Certificate, when: datetime) -> bool:
    validity = certificate["tbs_certificate"]["validity"]
    return validity["not_before"].native <= when <= validity["not_after"].native


def _trusted(certificate: x509.Certificate, roots: list[x509.Certificate], when: datetime) -> bool:
    """Signed by a root (or is one), and the certificate and its root are valid at ``when``."""
    for root in roots:
        if certificate.dump() == root.dump() or sm2_certificate_signed_by(certificate, root):
            return _in_date(certificate, when) and _in_date(root, when)
    return False


def _check_files(files: dict[str, bytes], signature_xml: bytes, check: SealCheck) -> None:
    root = _parse(signature_xml)
    references = root.find("ofd:SignedInfo/ofd:References", _NS)
    if references is None or references.get("CheckMethod") != SM3:
        check.refuse("签章未用 SM3 摘要引用文件", "the seal does not reference files by SM3")
        return
    covered: set[str] = set()
    changed: list[str] = []
    for reference in references.iterfind("ofd:Reference", _NS):
        name = posixpath.normpath(reference.get("FileRef", "")).lstrip("/")
        covered.add(name)
        expected = base64.b64decode(reference.findtext("ofd:CheckValue", "", _NS))
        if name not in files or _sm3(files[name]) != expected:
            changed.append(name)
    added = sorted(set(files) - covered - {SIGNATURE_FILE, SIGNED_VALUE_FILE})
    if changed:
        check.refuse(
            f"文件在盖章后被改动或删除：{'、'.join(changed)}",
            f"changed or removed after sealing: {', '.join(changed)}",
        )
    if added:
        check.refuse(
            f"文件在盖章后被加入：{'、'.join(added)}", f"added after sealing: {', '.join(added)}"
        )
    check.files_intact = not changed and not added


def ofd_seal_verify(package: bytes, trust_roots: list[x509.Certificate]) -> SealCheck:
    """Check an OFD's seal offline: the files' digests, the SM2 signatures, the seal, the certificates."""
    check = SealCheck()
    try:
        files = _read(package)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError):
        return check.refuse(
            "不是可读取的 OFD 文件（无法作为 ZIP 包读取）",
            "not a readable OFD file (not a ZIP package)",
        )
    if SIGNED_VALUE_FILE not in files or SIGNATURE_FILE not in files:
        return check.refuse("文件未盖电子印章", "the document carries no electronic seal")
    check.present = True
    try:
        signature = SesSignature.load(files[SIGNED_VALUE_FILE])
        to_sign = signature["to_sign"]
        seal = to_sign["eseal"]
        sealer = x509.Certificate.load(signature["cert"].native)
        maker = x509.Certificate.load(seal["cert"].native)
        signed_at = to_sign["time_info"].native
        seal_property = seal["eseal_info"]["property"]
        check.seal_name = seal_property["name"].native
        check.sealer = _common_name(sealer)
        check.signed_at = signed_at
    except (ValueError, TypeError, KeyError) as exc:
        return check.refuse(
            "印章签名数据无法解析", f"the seal's signature data cannot be read: {exc}"
        )

    try:
        _check_files(files, files[SIGNATURE_FILE], check)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return check.refuse(
            "签章描述文件 Signature.xml 无法解析", f"Signature.xml cannot be read: {exc}"
        )
    if to_sign["data_hash"].native != _sm3(files[SIGNATURE_FILE]):
        check.files_intact = False
        check.refuse(
            "签章描述文件 Signature.xml 在盖章后被改动", "Signature.xml changed after sealing"
        )

    sealer_key = sm2_public_key(sealer)
    check.signature_valid = (
        signature["signature_alg_id"].dotted == SM2_WITH_SM3
        and sealer_key is not None
        and sm2_verify(sealer_key, to_sign.dump(), signature["signature"].native)
    )
    if not check.signature_valid:
        check.refuse("SM2 签名验证失败", "the SM2 signature does not verify")

    maker_key = sm2_public_key(maker)
    made_by_maker = maker_key is not None and sm2_verify(
        maker_key, seal["eseal_info"].dump(), seal["signed_value"].native
    )
    lists_sealer = sealer.dump() in [entry.native for entry in seal_property["cert_list"]]
    in_date = seal_property["valid_start"].native <= signed_at <= seal_property["valid_end"].native
    check.seal_valid = made_by_maker and lists_sealer and in_date
    if not made_by_maker:
        check.refuse("印章本身的制章签名无效", "the seal's own signature by its maker is invalid")
    if not lists_sealer:
        check.refuse(
            "签章人证书不在印章的授权证书列表中",
            "the sealer's certificate is not listed by the seal",
        )
    if not in_date:
        check.refuse("盖章时印章不在有效期内", "the seal was not within its validity when applied")

    check.certificate_trusted = _trusted(sealer, trust_roots, signed_at) and _trusted(
        maker, trust_roots, signed_at
    )
    if not check.certificate_trusted:
        check.refuse(
            "签章人或制章人证书不受信任或盖章时已过期",
            "the sealer's or maker's certificate is not trusted or was out of date when sealing",
        )
    return check


# --- the archive's configured seal -------------------------------------------------------------


def _configured_files() -> tuple[SesSeal, object, x509.Certificate]:
    seal = SesSeal.load(Path(setting("SIGNING_SEAL_PATH")).read_bytes())
    key = sm2_private_key_load(
        Path(setting("SIGNING_SM2_KEY_PATH")).read_bytes(), setting("SIGNING_SM2_KEY_PASSWORD")
    )
    certificate = sm2_certificate_load(Path(setting("SIGNING_SM2_CERTIFICATE_PATH")).read_bytes())
    return seal, key, certificate


def ofd_seal_apply(
    package: bytes, *, boundary: tuple[float, float, float, float], page: int = 0
) -> bytes:
    """``package`` sealed with the archive's configured seal, key and SM2 certificate."""
    seal, key, certificate = _configured_files()
    return ofd_seal_sign(
        package, seal=seal, key=key, certificate=certificate, boundary=boundary, page=page
    )


def seal_trust_roots() -> list[x509.Certificate]:
    """The configured SM2 trust roots that can be read; missing files are logged and skipped."""
    roots = []
    for path in setting("SIGNING_SM2_TRUST_ROOTS") or ():
        try:
            roots.append(sm2_certificate_load(Path(path).read_bytes()))
        except (OSError, ValueError) as exc:
            logger.warning("SM2 trust root %s cannot be read: %s", path, exc)
    return roots
