"""The SM2 electronic seal on an OFD (GB/T 38540), checked by the `openssl` command line and easyofd.

openssl is a tool the product does not contain; it reads the DER structures generically (asn1crypto's
untyped Sequence here, never the product's own ASN.1 classes) and checks the SM2 signatures and the
SM3 digests itself.
"""

from __future__ import annotations

import base64
import io
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from asn1crypto import core
from easyofd.ofd import OFD
from lxml import etree

from signing.conf import DEV_SM2_PASSWORD
from signing.dev_seal import dev_seal_create
from signing.ofd_seal import SesSeal, ofd_seal_sign, ofd_seal_verify
from signing.sm2 import sm2_certificate_load, sm2_private_key_load
from workflows.ofd import OFD_NAMESPACE, OfdDocument, OfdPage, OfdRect, OfdText, ofd_render

NS = {"ofd": OFD_NAMESPACE}
SM2_ID = "distid:1234567812345678"
STAMP = (140.0, 230.0, 40.0, 40.0)


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    return dev_seal_create(tmp_path_factory.mktemp("seal"))


@pytest.fixture(scope="module")
def roots(dev):
    return [sm2_certificate_load(dev.ca_certificate.read_bytes())]


def _document() -> bytes:
    page = OfdPage(
        [OfdRect(10, 10, 190, 277, 0.6, (155, 28, 28)), OfdText(30, 40, "验收意见书 Test", 8)]
    )
    return ofd_render(OfdDocument("测试", "城市建设档案馆", "T-1", date(2026, 1, 5), [page]))


def _seal(dev, document: bytes | None = None) -> bytes:
    return ofd_seal_sign(
        document or _document(),
        seal=SesSeal.load(dev.seal.read_bytes()),
        key=sm2_private_key_load(dev.signer_key.read_bytes(), DEV_SM2_PASSWORD),
        certificate=sm2_certificate_load(dev.signer_certificate.read_bytes()),
        boundary=STAMP,
    )


@pytest.fixture(scope="module")
def sealed(dev) -> bytes:
    return _seal(dev)


def _files(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _repack(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _openssl(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], input=input, capture_output=True, check=False)


def _openssl_sm2_verify(tmp: Path, certificate_der: bytes, data: bytes, signature: bytes) -> bool:
    (tmp / "cert.der").write_bytes(certificate_der)
    public = _openssl("x509", "-inform", "DER", "-in", str(tmp / "cert.der"), "-pubkey", "-noout")
    (tmp / "public.pem").write_bytes(public.stdout)
    (tmp / "data").write_bytes(data)
    (tmp / "signature").write_bytes(signature)
    result = _openssl(
        "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp / "public.pem"), "-rawin",
        "-digest", "sm3", "-pkeyopt", SM2_ID,
        "-in", str(tmp / "data"), "-sigfile", str(tmp / "signature"),
    )  # fmt: skip
    return result.returncode == 0 and b"Signature Verified Successfully" in result.stdout


def _openssl_sm3(data: bytes) -> bytes:
    return _openssl("dgst", "-sm3", "-binary", input=data).stdout


def test_openssl_verifies_the_sealers_sm2_signature_over_the_signed_structure(sealed, tmp_path):
    signature = core.Sequence.load(_files(sealed)["Doc_0/Signs/Sign_0/SignedValue.dat"])
    to_sign, certificate, algorithm, value = (signature[index] for index in range(4))
    assert core.ObjectIdentifier.load(algorithm.dump()).dotted == "1.2.156.10197.1.501"
    signature_der = core.BitString.load(value.dump()).native
    signature_bytes = int("".join(map(str, signature_der)), 2).to_bytes(len(signature_der) // 8)
    assert _openssl_sm2_verify(
        tmp_path, core.OctetString.load(certificate.dump()).native, to_sign.dump(), signature_bytes
    )
    # A changed byte in what was signed fails the same check.
    altered = bytearray(to_sign.dump())
    altered[-5] ^= 1
    assert not _openssl_sm2_verify(
        tmp_path, core.OctetString.load(certificate.dump()).native, bytes(altered), signature_bytes
    )


def test_openssl_checks_the_seal_its_maker_signed_and_the_certificate_chain(dev, sealed, tmp_path):
    seal = core.Sequence.load(_files(sealed)["Doc_0/Signs/Sign_0/Seal.esl"])
    info, maker, _, value = (seal[index] for index in range(4))
    bits = core.BitString.load(value.dump()).native
    assert _openssl_sm2_verify(
        tmp_path,
        core.OctetString.load(maker.dump()).native,
        info.dump(),
        int("".join(map(str, bits)), 2).to_bytes(len(bits) // 8),
    )
    chain = _openssl(
        "verify", "-vfyopt", SM2_ID, "-CAfile", str(dev.ca_certificate), str(dev.signer_certificate)
    )
    assert chain.returncode == 0, chain.stderr
    text = _openssl("x509", "-in", str(dev.signer_certificate), "-noout", "-text").stdout.decode()
    assert "SM2-with-SM3" in text and "ASN1 OID: SM2" in text
    assert "NOT FOR PRODUCTION" in text


def test_references_hold_the_sm3_digest_of_every_file_and_the_signature_xml(sealed):
    files = _files(sealed)
    signature_xml = files["Doc_0/Signs/Sign_0/Signature.xml"]
    root = etree.fromstring(signature_xml)
    references = {
        node.get("FileRef").lstrip("/"): base64.b64decode(node.findtext("ofd:CheckValue", "", NS))
        for node in root.iterfind("ofd:SignedInfo/ofd:References/ofd:Reference", NS)
    }
    signed_parts = {"Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Signs/Sign_0/SignedValue.dat"}
    assert set(references) == set(files) - signed_parts
    for name, digest in references.items():
        assert digest == _openssl_sm3(files[name]), name
    # The signed structure's data hash is the SM3 of Signature.xml, as openssl computes it.
    to_sign = core.Sequence.load(files["Doc_0/Signs/Sign_0/SignedValue.dat"])[0]
    data_hash = core.OctetBitString.load(to_sign[3].dump()).native
    assert data_hash == _openssl_sm3(signature_xml)
    assert b"Doc_0/Signs/Signatures.xml" in files["OFD.xml"]
    stamp = root.find("ofd:SignedInfo/ofd:StampAnnot", NS)
    assert stamp.get("Boundary") == "140 230 40 40"


def test_a_sealed_document_verifies_offline(sealed, roots):
    check = ofd_seal_verify(sealed, roots)
    assert check.genuine, check.problems
    assert check.seal_name == "城市建设档案馆验收专用章（不得用于生产）"
    assert "仅供开发测试" in check.sealer


def test_changed_page_content_fails_naming_the_file(sealed, roots):
    files = _files(sealed)
    page = "Doc_0/Pages/Page_0/Content.xml"
    files[page] = files[page].replace("验收意见书".encode(), "验收不合格".encode())
    check = ofd_seal_verify(_repack(files), roots)
    assert not check.genuine and not check.files_intact
    assert check.signature_valid  # the signature itself is untouched: the file is what changed
    assert any(page in zh for zh, _ in check.problems)


def test_an_added_file_and_an_edited_signature_xml_fail(sealed, roots):
    files = _files(sealed)
    files["Doc_0/Res/extra.png"] = b"\x89PNG"
    added = ofd_seal_verify(_repack(files), roots)
    assert not added.files_intact
    assert any("Doc_0/Res/extra.png" in en for _, en in added.problems)

    files = _files(sealed)
    name = "Doc_0/Signs/Sign_0/Signature.xml"
    files[name] = files[name].replace(b"140 230 40 40", b"10 10 40 40")
    moved = ofd_seal_verify(_repack(files), roots)
    assert not moved.genuine
    assert any("Signature.xml" in zh for zh, _ in moved.problems)


def test_a_seal_from_another_authority_is_not_trusted(dev, sealed, tmp_path):
    other = dev_seal_create(tmp_path / "other")
    check = ofd_seal_verify(sealed, [sm2_certificate_load(other.ca_certificate.read_bytes())])
    assert check.signature_valid and check.files_intact
    assert not check.certificate_trusted and not check.genuine


def test_an_unsealed_or_broken_file_gets_a_clear_answer(roots):
    unsealed = ofd_seal_verify(_document(), roots)
    assert not unsealed.present
    assert unsealed.problems == [("文件未盖电子印章", "the document carries no electronic seal")]
    broken = ofd_seal_verify(b"%PDF-1.7 not an ofd", roots)
    assert not broken.present and "ZIP" in broken.problems[0][1]


def test_sealing_twice_or_with_an_unlisted_certificate_is_refused(dev, sealed, roots, tmp_path):
    with pytest.raises(ValueError, match="already sealed"):
        _seal(dev, sealed)
    other = dev_seal_create(tmp_path / "other")
    with pytest.raises(ValueError, match="does not list"):
        ofd_seal_sign(
            _document(),
            seal=SesSeal.load(dev.seal.read_bytes()),
            key=sm2_private_key_load(other.signer_key.read_bytes(), DEV_SM2_PASSWORD),
            certificate=sm2_certificate_load(other.signer_certificate.read_bytes()),
            boundary=STAMP,
        )


def test_easyofd_draws_the_seal_picture_at_the_stamp(sealed):
    reader = OFD()
    reader.read(sealed, fmt="binary")
    (stamp,) = reader.data[0]["signatures_page_id"][0]
    assert stamp["Boundary"] == "140 230 40 40"
    (page,) = reader.to_jpg()
    width, height = page.size
    # The seal's red ring crosses the middle row of the stamp's box; the page elsewhere is white.
    row = int((230 + 20) / 297 * height)
    left, right = int(140 / 210 * width), int(180 / 210 * width)
    reds = [
        page.getpixel((x, row))
        for x in range(left, right)
        if (lambda r, g, b: r > 150 and g < 90 and b < 90)(*page.getpixel((x, row))[:3])
    ]
    assert len(reds) > 10
    outside = page.getpixel((int(100 / 210 * width), row))[:3]
    assert min(outside) > 230
