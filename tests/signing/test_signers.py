"""Signing: the swappable signer, the PKCS#12 file signer, the development CA, pyHanko's verdict."""

from __future__ import annotations

import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from certificates.pdf import render_certificate_pdf
from signing import signers
from signing.conf import DEV_CA_FILE, DEV_SIGNER_FILE
from signing.devca import DEVELOPMENT_ONLY, dev_signing_ca_create
from signing.exceptions import SigningNotConfigured
from signing.signers import Pkcs12FileSigner, Signer, get_signer, sign_pdf
from tests.certificates.helpers import tampered
from tests.certificates.test_pdf import make_content

REASON = "签发建设工程竣工档案验收意见书 JGYS2026-00001 / certificate issued"


def pyhanko_status(pdf: bytes, ca_path):
    """pyHanko's own validator, against the development CA as the only trust root."""
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca_path))])
    return validate_pdf_signature(signature, context)


@pytest.fixture
def signed(signing_files) -> bytes:
    return Pkcs12FileSigner().sign(render_certificate_pdf(make_content()), reason=REASON)


def test_a_signed_certificate_is_intact_valid_trusted_and_covers_the_whole_file(
    signed, signing_files
):
    status = pyhanko_status(signed, signing_files.ca_certificate)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line
    assert "NOT FOR PRODUCTION" in status.signing_cert.subject.human_friendly


def test_the_signature_is_a_pades_signature_in_the_archive_signature_field(signed):
    (signature,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert signature.field_name == signers.SIGNATURE_FIELD
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"


def test_the_service_signs_any_pdf_with_the_reason_the_caller_gives(signing_files):
    reason = "出具档案证明 EX2026-00001 / certified extract issued"
    signed = sign_pdf(render_certificate_pdf(make_content()), reason=reason)

    (signature,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert signature.sig_object["/Reason"] == reason
    assert pyhanko_status(signed, signing_files.ca_certificate).bottom_line


def test_changing_one_byte_breaks_the_signature(signed, signing_files):
    status = pyhanko_status(tampered(signed), signing_files.ca_certificate)
    assert not (status.intact and status.valid)
    assert not status.bottom_line


def test_a_signature_is_not_trusted_against_another_ca(signed, tmp_path):
    other = dev_signing_ca_create(directory=tmp_path / "other")
    status = pyhanko_status(signed, other.ca_certificate)
    assert status.intact and status.valid
    assert not status.trusted


def test_a_missing_key_file_is_a_clear_bilingual_error(settings, tmp_path):
    settings.CERTIFICATES_PKCS12_PATH = str(tmp_path / "nowhere.p12")
    with pytest.raises(SigningNotConfigured) as refused:
        get_signer().sign(render_certificate_pdf(make_content()), reason=REASON)
    assert "未配置本馆的签名密钥" in refused.value.message_zh
    assert "CERTIFICATES_PKCS12_PATH" in refused.value.message_en
    assert "create_dev_signing_ca" in refused.value.message_en
    assert refused.value.code == "signing_not_configured"


def test_a_wrong_password_is_a_clear_error(settings):
    settings.CERTIFICATES_PKCS12_PASSWORD = "not-the-password"
    with pytest.raises(SigningNotConfigured, match="CERTIFICATES_PKCS12_PASSWORD"):
        get_signer().sign(render_certificate_pdf(make_content()), reason=REASON)


class ElsewhereSigner(Signer):
    """A stand-in for another implementation (an HSM tomorrow)."""

    def sign(self, pdf: bytes, *, reason: str) -> bytes:
        return pdf + f"% signed elsewhere {reason}\n".encode()


def test_the_signer_is_chosen_by_a_dotted_path_setting(settings):
    settings.CERTIFICATES_SIGNER = f"{__name__}.ElsewhereSigner"
    assert isinstance(get_signer(), ElsewhereSigner)
    assert get_signer().sign(b"%PDF-", reason="N-1").endswith(b"signed elsewhere N-1\n")


@pytest.mark.parametrize(
    ("dotted_path", "message"),
    [("signing.signers.NoSuchSigner", "cannot be imported"), ("io.BytesIO", "subclass")],
)
def test_a_signer_setting_that_names_no_signer_is_refused(settings, dotted_path, message):
    settings.CERTIFICATES_SIGNER = dotted_path
    with pytest.raises(SigningNotConfigured, match=message):
        get_signer()


def test_the_base_signer_names_what_a_subclass_must_provide():
    with pytest.raises(NotImplementedError, match=r"sign\(pdf, \*, reason\)"):
        Signer().sign(b"%PDF-", reason="N-1")
    with pytest.raises(NotImplementedError, match="cms_signer"):
        signers.PadesSigner().sign(render_certificate_pdf(make_content()), reason="N-1")


def test_the_development_ca_command_is_idempotent_and_labelled(tmp_path):
    out = io.StringIO()
    call_command("create_dev_signing_ca", directory=tmp_path, stdout=out, stderr=io.StringIO())
    assert "created" in out.getvalue() and "NOT FOR PRODUCTION" in out.getvalue()
    ca_pem = (tmp_path / DEV_CA_FILE).read_bytes()
    signer_p12 = (tmp_path / DEV_SIGNER_FILE).read_bytes()

    again = io.StringIO()
    call_command("create_dev_signing_ca", directory=tmp_path, stdout=again)
    assert "already present" in again.getvalue()
    assert (tmp_path / DEV_CA_FILE).read_bytes() == ca_pem
    assert (tmp_path / DEV_SIGNER_FILE).read_bytes() == signer_p12

    ca = x509.load_pem_x509_certificate(ca_pem)
    key, signer, chain = pkcs12.load_key_and_certificates(
        signer_p12, b"development-only-not-for-production"
    )
    for certificate in (ca, signer):
        assert DEVELOPMENT_ONLY in certificate.subject.rfc4514_string()
        assert "仅供开发测试" in certificate.subject.rfc4514_string()
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert signer.issuer == ca.subject
    assert chain == [ca]
    assert key is not None
    assert oct((tmp_path / DEV_SIGNER_FILE).stat().st_mode & 0o777) == "0o600"


def test_the_development_ca_is_written_under_the_data_dir_by_default(settings, tmp_path):
    settings.CERTIFICATES_DEV_SIGNING_DIR = None
    settings.DATA_DIR = tmp_path
    files = dev_signing_ca_create()
    assert files.created
    assert files.ca_certificate == tmp_path / "signing" / DEV_CA_FILE
    assert files.signer_pkcs12 == tmp_path / "signing" / DEV_SIGNER_FILE
