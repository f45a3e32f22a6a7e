"""The completeness report (归档范围核对) as a page, PDF and JSON, and the one-time notice."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from acceptance.models import Case
from acceptance.selectors.completeness import completeness_report
from acceptance.services.material_checks import materials_check

from .conftest import CORE_DOCUMENT, TOLERATED, CaseFlow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gappy(open_case) -> CaseFlow:
    """A tolerable and a core item left out, and one file that fails its checks."""
    flow = open_case(leave_out=[TOLERATED, CORE_DOCUMENT, "A2-4"])
    bad = flow.upload("A1-1", variant=2)  # a second A1-1 record...
    Path(bad.file.path).write_bytes(b"<html>not a pdf</html>")  # ...damaged in storage
    flow.case.materials.filter(pk=bad.pk).update(original_name="A1-1-scan.pdf")
    flow.upload("A2-4", variant=1)
    broken = flow.current("A2-4")
    Path(broken.file.path).write_bytes(b"%PDF-1.4 truncated")
    materials_check(flow.case.materials.current())
    return flow


def test_the_report_sorts_required_items_into_present_tolerable_and_blocking(gappy):
    report = completeness_report(gappy.case)

    assert report.missing_tolerable == (TOLERATED,)
    assert report.missing_blocking == ("A2-4", CORE_DOCUMENT)
    assert (report.acceptable, report.complete) == (False, False)
    assert report.catalog_version == 1
    by_code = {item.code: item for item in report.items}
    assert by_code["A2-4"].status == "failed"
    assert by_code[TOLERATED].status == "missing"
    # A1-1 has one good and one failing file: present, and the failing one is still reported.
    assert by_code["A1-1"].status == "present"
    assert [m.name for m in by_code["A1-1"].materials] == ["A1-1-1.pdf", "A1-1-scan.pdf"]


def test_the_notice_lists_everything_to_fix_at_once(gappy):
    notice = completeness_report(gappy.case).notice

    assert [(e.code, e.problem, e.tolerable) for e in notice] == [
        ("A1-1", "failed", False),
        ("A2-4", "failed", False),
        (TOLERATED, "missing", True),
        (CORE_DOCUMENT, "missing", False),
    ]
    assert notice[0].file == "A1-1-scan.pdf"
    assert "检测未通过" in notice[0].message_zh and "fixity" not in notice[0].message_zh
    assert "The file's SHA-256 digest differs" in notice[0].message_en
    assert notice[2].message_zh == (
        "C6-P3 室内环境检测报告：尚未提交，请上传（可容缺，可在承诺期限内补交）。"
    )
    assert notice[3].message_en == (
        "E1-5 Completion acceptance report: not filed yet; upload it (core item: cannot be "
        "tolerated)."
    )


def test_applying_with_a_core_item_missing_returns_the_case_with_the_notice(open_case):
    flow = open_case(leave_out=[CORE_DOCUMENT, TOLERATED])
    flow.prefile()

    flow.apply()

    assert flow.status == Case.Status.RETURNED
    context = flow.task("supplement").context["completeness"]
    assert context["missing_blocking"] == [CORE_DOCUMENT]
    assert [(e["code"], e["problem"]) for e in context["notice"]] == [
        (TOLERATED, "missing"),
        (CORE_DOCUMENT, "missing"),
    ]
    assert context["volumes"][0] == {
        "number": 1,
        "group": "A",
        "retention": "permanent",
        "items": 23,
        "pages": 23,
    }


def test_the_page_shows_the_verdict_the_notice_and_each_files_checks(gappy, client):
    client.force_login(gappy.owner)

    page = client.get(f"/cases/{gappy.case.reference}/completeness/").content.decode()

    assert "缺少 2 项主审要件（不可容缺），须补正后方可受理。" in page
    assert "一次性告知" in page
    assert "C6-P3 室内环境检测报告：尚未提交" in page
    # The damaged file's failing check, by its name: the rule's code stays off the page.
    assert "固定性校验" in page and "authenticity.fixity" not in page
    assert "真实 ✗" in page


def test_the_json_download_has_every_item_and_the_counts(gappy, client):
    client.force_login(gappy.reviewer)

    response = client.get(f"/cases/{gappy.case.reference}/completeness/?format=json")

    data = json.loads(response.content)
    assert data["case"] == gappy.case.reference
    assert data["counts"]["missing_blocking"] == 2
    assert data["counts"]["notice"] == 4
    assert data["missing_tolerable"] == [TOLERATED]
    a24 = next(item for item in data["items"] if item["code"] == "A2-4")
    assert a24["status"] == "failed"
    assert a24["materials"][0]["properties"]["integrity"] == "fail"
    assert {p["code"] for p in a24["materials"][0]["problems"]} >= {"integrity.file_complete"}


def test_the_pdf_download_reads_back_with_the_verdict_and_the_notice(gappy, client):
    client.force_login(gappy.owner)

    response = client.get(f"/cases/{gappy.case.reference}/completeness/?format=pdf")

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "归档范围核对报告" in text
    assert "一次性告知" in text
    for code in (TOLERATED, CORE_DOCUMENT, "A2-4"):
        assert code in text
    assert len(reader.pages) >= 2
    assert client.get(f"/cases/{gappy.case.reference}/completeness/?format=doc").status_code == 404
