"""One check state per material, recorded at intake, the same on every page after a reload."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from acceptance.models import Material
from acceptance.selectors.checks import CheckState, material_check, material_check_state

pytestmark = pytest.mark.django_db(transaction=True)

TRUNCATED_JPEG = Path("/work/shared/fixtures/photos/truncated_jpeg.jpg")
JSON = {"HTTP_ACCEPT": "application/json"}
PHOTO_ITEM = "E3-1"


def upload_on_page(client, flow, code: str, name: str, content: bytes) -> dict:
    response = client.post(
        reverse("acceptance:upload_files", args=[flow.case.reference]),
        {
            "node": flow.filing_node.code,
            "catalog_item": code,
            "files": [SimpleUploadedFile(name, content)],
        },
        **JSON,
    )
    assert response.status_code == 201, response.content
    return json.loads(response.content)["files"][0]


def rows_of(page: str, name: str) -> list[str]:
    """The table rows of the page that name the file ``name`` with its check state."""
    rows = [row.split("</tr>")[0] for row in page.split("<tr")[1:]]
    found = [row for row in rows if name in row and "data-check-state" in row]
    assert found
    return found


def test_a_truncated_jpeg_shows_failed_on_upload_and_after_every_reload(open_case, client):
    flow = open_case(upload=False)
    client.force_login(flow.owner)
    name = "竣工新貌-截断.jpg"
    stored = upload_on_page(client, flow, PHOTO_ITEM, name, TRUNCATED_JPEG.read_bytes())

    fragment = client.get(stored["check_url"]).content.decode()
    assert "检测未通过" in fragment and 'data-check-state="failed"' in fragment

    upload_page = client.get(
        reverse("acceptance:upload", args=[flow.case.reference]) + f"?node={flow.filing_node.code}"
    ).content.decode()
    case_page = client.get(reverse("acceptance:case", args=[flow.case.reference])).content.decode()
    for page in (upload_page, case_page):
        for row in rows_of(page, name):
            assert "检测未通过" in row and "未检测" not in row and "待检测" not in row

    flow.complete("node_submit")
    client.force_login(flow.reviewer)
    task = flow.task("node_guidance")
    task_page = client.get(reverse("workflows:task", args=[task.task_id])).content.decode()
    for row in rows_of(task_page, name):
        assert "检测未通过" in row and "未检测" not in row


def test_the_state_is_pending_running_then_done(open_case):
    flow = open_case(upload=False)
    material = flow.upload("A1-1")
    assert material_check_state(Material.objects.get(pk=material.pk)) == CheckState.PASSED

    Material.objects.filter(pk=material.pk).update(check_report={}, check_started_at=None)
    assert material_check_state(Material.objects.get(pk=material.pk)) == CheckState.PENDING

    later = timezone.now() + timedelta(minutes=1)
    Material.objects.filter(pk=material.pk).update(check_started_at=later)
    running = Material.objects.get(pk=material.pk)
    assert material_check_state(running) == CheckState.RUNNING
    assert material_check(running).findings == () and not material_check(running).done


def outcome(code: str, result: str) -> dict:
    return {
        "code": code,
        "property": code.partition(".")[0],
        "result": result,
        "message_zh": "说明",
        "message_en": "explained",
        "detail": {},
    }


@pytest.mark.parametrize(
    ("outcomes", "state"),
    [
        ([outcome("usability.pdf_opens", "pass")], CheckState.PASSED),
        ([outcome("authenticity.file_name", "warn")], CheckState.WARNED),
        ([outcome("usability.pdf_opens", "fail")], CheckState.FAILED),
        (
            [outcome("usability.pdf_opens", "fail"), outcome("security.executable", "fail")],
            CheckState.REFUSED,
        ),
    ],
)
def test_the_recorded_outcomes_decide_the_state(open_case, outcomes, state):
    flow = open_case(upload=False)
    material = flow.upload("A1-1")
    report = {
        "outcomes": outcomes,
        "passed": all(o["result"] != "fail" for o in outcomes),
        "checked_at": timezone.now().isoformat(),
    }
    Material.objects.filter(pk=material.pk).update(check_report=report)
    check = material_check(Material.objects.get(pk=material.pk))
    assert check.state == state
    assert [f["label"].zh for f in check.findings] == [
        {"authenticity.file_name": "文件名规范", "usability.pdf_opens": "PDF 可打开"}.get(
            o["code"], "可执行内容"
        )
        for o in outcomes
        if o["result"] != "pass"
    ]
