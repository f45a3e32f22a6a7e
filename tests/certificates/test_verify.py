"""Public verification: by number and code, by PDF file; no login, no leaks, rate limited."""

from __future__ import annotations

import json
import re
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from acceptance.demo import PROJECT_NAME
from certificates.exceptions import UploadRefused
from certificates.lifecycle import certificate_revoke
from certificates.pdf import render_certificate_pdf
from certificates.throttling import PROCESS_COUNTS
from certificates.verify import certificate_lookup, pdf_verify
from signing.signers import Pkcs12FileSigner

from .helpers import pdf_bytes, tampered
from .test_pdf import make_content

PUBLIC_FIELDS = {
    "number",
    "kind",
    "kind_label",
    "status",
    "status_label",
    "status_note_zh",
    "status_note_en",
    "project_name",
    "issued_on",
    "pdf_sha256",
    "in_force",
}


def printed(code: str) -> str:
    return f"{code[:4].lower()} - {code[4:].lower()}"


def without_token(response, number: str) -> str:
    """The page as text, with the (per-response) CSRF token and the typed number taken out."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return html.replace(f'value="{number}"', 'value="NUMBER"')


# -- lookups ------------------------------------------------------------------------------------


def test_number_and_code_give_the_public_facts(certificate):
    found = certificate_lookup(number=certificate.number, code=certificate.verification_code)
    assert found.number == certificate.number
    assert found.project_name == PROJECT_NAME
    assert found.pdf_sha256 == certificate.pdf_sha256
    assert found.status == "issued" and found.in_force
    assert set(found.as_dict()) == PUBLIC_FIELDS


def test_the_code_is_read_as_printed_whatever_the_case_spaces_or_hyphen(certificate):
    code = certificate.verification_code
    assert certificate_lookup(number=f" {certificate.number} ", code=printed(code)) is not None


@pytest.mark.parametrize(
    "wrong",
    [
        {"code": "AAAA-AAAA"},
        {"code": ""},
        {"number": "JGYS1999-00001"},
        {"number": "x" * 500},
    ],
)
def test_a_wrong_code_or_unknown_number_finds_nothing(certificate, wrong):
    query = {"number": certificate.number, "code": certificate.verification_code, **wrong}
    assert certificate_lookup(**query) is None


def test_the_code_is_compared_in_constant_time(certificate, monkeypatch):
    compared = []
    import certificates.verify as verify

    def spy(a, b):
        compared.append((a, b))
        return False

    monkeypatch.setattr(verify.hmac, "compare_digest", spy)
    certificate_lookup(number=certificate.number, code="AAAAAAAA")
    certificate_lookup(number="JGYS1999-00001", code="AAAAAAAA")
    assert len(compared) == 2  # the unknown number is compared too, against a dummy


# -- the JSON endpoint ---------------------------------------------------------------------------


def test_the_api_answers_without_login(client, certificate):
    response = client.get(
        "/verify/api/",
        {"number": certificate.number, "code": printed(certificate.verification_code)},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["found"] is True
    assert set(body["certificate"]) == PUBLIC_FIELDS
    assert body["certificate"]["project_name"] == PROJECT_NAME
    assert response["Cache-Control"] == "no-store"


def test_wrong_code_and_unknown_number_get_byte_identical_answers(client, certificate):
    wrong = client.get("/verify/api/", {"number": certificate.number, "code": "AAAA-AAAA"})
    unknown = client.get("/verify/api/", {"number": "JGYS1999-00009", "code": "AAAA-AAAA"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.content == unknown.content
    assert json.loads(wrong.content)["found"] is False

    page_wrong = client.post("/verify/", {"number": certificate.number, "code": "AAAA-AAAA"})
    page_unknown = client.post("/verify/", {"number": "JGYS1999-00009", "code": "AAAA-AAAA"})
    assert page_wrong.status_code == page_unknown.status_code == 200
    assert without_token(page_wrong, certificate.number) == without_token(
        page_unknown, "JGYS1999-00009"
    )
    assert "未找到与该编号和验证码相符的验收意见书" in page_wrong.content.decode()
    assert PROJECT_NAME not in page_wrong.content.decode()


def test_the_api_needs_both_parameters(client):
    response = client.get("/verify/api/", {"number": "JGYS2026-00001"})
    assert response.status_code == 400
    assert response.json()["error"] == "missing_parameters"


def test_the_api_checks_an_uploaded_pdf(client, certificate):
    upload = SimpleUploadedFile("c.pdf", pdf_bytes(certificate), "application/pdf")
    body = client.post("/verify/api/", {"pdf": upload}).json()
    assert body["genuine"] and body["in_force"] and body["registered"]
    assert body["signature"]["ok"] and body["signature"]["coverage"] == "ENTIRE_FILE"
    assert body["certificate"]["number"] == certificate.number

    upload = SimpleUploadedFile("c.pdf", tampered(pdf_bytes(certificate)), "application/pdf")
    body = client.post("/verify/api/", {"pdf": upload}).json()
    assert not body["genuine"] and not body["registered"] and not body["signature"]["ok"]
    assert body["certificate"] is None


# -- the page ------------------------------------------------------------------------------------


def test_the_qr_code_address_opens_the_form_with_the_number_filled_in(client, certificate):
    response = client.get(f"/verify/{certificate.number}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{certificate.number}"' in html
    assert "验收意见书与档案证明真伪核验" in html and "Certificate verification" in html
    assert PROJECT_NAME not in html  # nothing is shown before the code is given
    assert "noindex" in response["X-Robots-Tag"]


def test_the_page_shows_status_project_date_and_hash(client, certificate):
    response = client.post(
        "/verify/", {"number": certificate.number, "code": certificate.verification_code}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert PROJECT_NAME in html
    assert certificate.pdf_sha256 in html
    assert "有效 Valid" in html
    local = certificate.issued_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert f"{local.year}年{local.month}月{local.day}日" in html


def test_the_page_says_a_revoked_certificate_is_void(client, certificate):
    certificate_revoke(certificate=certificate, reason="材料造假")
    html = client.post(
        "/verify/", {"number": certificate.number, "code": certificate.verification_code}
    ).content.decode()
    assert "已撤销" in html and "revoked" in html
    assert "材料造假" not in html  # the reason is the archive's, not printed on the certificate


def test_the_page_checks_an_uploaded_pdf(client, certificate):
    upload = SimpleUploadedFile("c.pdf", pdf_bytes(certificate), "application/pdf")
    html = client.post("/verify/", {"pdf": upload}).content.decode()
    assert "真实有效" in html and certificate.number in html

    upload = SimpleUploadedFile("c.pdf", tampered(pdf_bytes(certificate)), "application/pdf")
    html = client.post("/verify/", {"pdf": upload}).content.decode()
    assert "核验未通过" in html


def test_the_page_keeps_csrf_protection(certificate):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/verify/", {"number": certificate.number, "code": certificate.verification_code}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"GIF89a not a pdf", "不是 PDF 或 OFD 文件"), (b"", "The file is empty")],
)
def test_a_non_pdf_upload_is_refused_clearly(client, db, content, message):
    upload = SimpleUploadedFile("x.pdf", content, "application/pdf")
    response = client.post("/verify/", {"pdf": upload})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_oversized_upload_is_refused_before_it_is_read(client, db, settings):
    settings.CERTIFICATES_VERIFY_MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 200_000, "application/pdf")
    response = client.post("/verify/", {"pdf": big})
    assert response.status_code == 413
    assert "文件过大" in response.content.decode() and "1 KB" in response.content.decode()
    api = client.post(
        "/verify/api/", {"pdf": SimpleUploadedFile("b.pdf", b"%PDF-" + b"0" * 200_000)}
    )
    assert api.status_code == 413 and api.json()["error"] == "upload_refused"


def test_a_file_just_over_the_limit_is_refused_after_reading(client, db, settings):
    settings.CERTIFICATES_VERIFY_MAX_UPLOAD_BYTES = 1024
    upload = SimpleUploadedFile("c.pdf", b"%PDF-1.7\n" + b"0" * 1100, "application/pdf")
    response = client.post("/verify/", {"pdf": upload})
    assert response.status_code == 400 and "文件过大" in response.content.decode()


# -- the rate limit ------------------------------------------------------------------------------


def test_lookups_are_rate_limited_per_client_address(client, certificate, settings):
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = 3
    query = {"number": certificate.number, "code": "AAAA-AAAA"}
    assert [client.get("/verify/api/", query).status_code for _ in range(4)] == [404] * 3 + [429]
    limited = client.get("/verify/api/", query)
    assert limited.json()["error"] == "rate_limited"
    assert "查询过于频繁" in limited.json()["message_zh"]
    assert limited["Retry-After"] == "60"
    page = client.post("/verify/", query)
    assert page.status_code == 429 and "查询过于频繁" in page.content.decode()
    # Another address is not affected.
    other = client.get("/verify/api/", query, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 404


def test_opening_the_form_does_not_count(client, db, settings):
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = 1
    for _ in range(3):
        assert client.get("/verify/").status_code == 200


# -- the PDF check ------------------------------------------------------------------------------


def test_a_validly_signed_pdf_that_was_never_issued_is_not_genuine(db):
    signed = Pkcs12FileSigner().sign(render_certificate_pdf(make_content()), reason="X")
    report = pdf_verify(signed)
    assert report.signature.ok
    assert not report.registered and not report.genuine
    assert "Not verified" in report.verdict[1]


def test_an_unsigned_pdf_is_not_genuine(db):
    report = pdf_verify(render_certificate_pdf(make_content()))
    assert not report.signature.present
    assert "no digital signature" in report.signature.problem_en


def test_bytes_appended_after_signing_are_detected(certificate):
    data = pdf_bytes(certificate) + b"\n% appended\n"
    report = pdf_verify(data)
    assert not report.genuine


def test_untrusted_roots_fail_the_check(certificate, settings, tmp_path):
    settings.CERTIFICATES_TRUST_ROOTS = [str(tmp_path / "missing.pem")]
    report = pdf_verify(pdf_bytes(certificate))
    assert report.signature.intact and report.signature.valid
    assert not report.signature.trusted and not report.genuine
    assert "No trust roots" in report.signature.problem_en


def test_pdf_verify_refuses_what_is_not_a_pdf(db):
    with pytest.raises(UploadRefused, match="neither a PDF nor an OFD"):
        pdf_verify(b"<html>")


@pytest.fixture
def redis_down(settings):
    """The shared cache is a Redis server that is not running (a port nothing listens on)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    working = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    PROCESS_COUNTS.clear()
    yield
    settings.CACHES = working  # before fresh_rate_limit clears the cache


def test_verification_answers_while_the_cache_is_down_and_still_limits_per_process(
    client, certificate, settings, redis_down, caplog
):
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = 3
    found = {"number": certificate.number, "code": printed(certificate.verification_code)}
    answer = client.get("/verify/api/", found)
    assert answer.status_code == 200 and answer.json()["found"] is True
    page = client.post("/verify/", found)
    assert page.status_code == 200 and PROJECT_NAME in page.content.decode()
    assert client.get("/verify/api/", found).status_code == 200
    assert client.get("/verify/api/", found).status_code == 429
    assert "the cache failed" in caplog.text
