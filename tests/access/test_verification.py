"""A certified extract on the public verification page: genuine, forged, expired."""

from __future__ import annotations

import io
from datetime import timedelta

from django.test import Client

from certificates.codes import verification_code_printed


def lookup(extract, code=None):
    return Client().get(
        "/verify/api/",
        {
            "number": extract.number,
            "code": code or verification_code_printed(extract.verification_code),
        },
    )


def test_an_extract_is_found_by_number_and_code_with_its_holder_and_validity(extract):
    answer = lookup(extract)
    assert answer.status_code == 200
    facts = answer.json()["certificate"]
    assert facts["in_force"] is True
    assert facts["holder"] == "张晓明"
    assert facts["valid_until"] == extract.valid_until.isoformat()
    assert "城建档案利用证明" in facts["kind_label"]

    page = Client().post("/verify/", {"number": extract.number, "code": extract.verification_code})
    html = page.content.decode()
    assert "城建档案利用证明" in html and "张晓明" in html and "有效期至" in html


def test_a_wrong_code_is_not_found(extract):
    assert lookup(extract, code="AAAA-AAAA").status_code == 404


def test_a_forged_extract_is_not_verified(extract):
    data = extract.pdf.read()
    forged = data[: len(data) // 3] + bytes([data[len(data) // 3] ^ 1]) + data[len(data) // 3 + 1 :]
    answer = Client().post("/verify/api/", {"pdf": io.BytesIO(forged)})
    assert answer.status_code == 200
    report = answer.json()
    assert report["genuine"] is False
    assert report["verdict_zh"].startswith("核验未通过")


def test_an_expired_extract_says_it_expired(extract, time_machine):
    time_machine.move_to(
        extract.issued_at + timedelta(days=extract.request.rule.extract_valid_days + 2)
    )
    facts = lookup(extract).json()["certificate"]
    assert facts["in_force"] is False
    assert facts["status"] == "expired"
    assert "超过有效期" in facts["status_note_zh"]
    report = Client().post("/verify/api/", {"pdf": io.BytesIO(extract.pdf.read())}).json()
    assert report["genuine"] is True and report["in_force"] is False
    assert "已过期" in report["verdict_zh"]
