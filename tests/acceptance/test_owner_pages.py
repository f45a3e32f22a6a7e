"""The owner's pages: register a project, open a case, upload several files, see the case."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from acceptance.models import Material, Project
from acceptance.selectors.catalog import case_catalog_items
from workflows.models import JournalEntry

from .conftest import PROJECT_NAME, SHANGHAI

pytestmark = pytest.mark.django_db(transaction=True)

JSON = {"HTTP_ACCEPT": "application/json"}


def post_files(client, flow, item, files, *, node=None, as_json=True):
    """The upload form's request: ``files`` (name, bytes) under one node and catalog item."""
    return client.post(
        reverse("acceptance:upload_files", args=[flow.case.reference]),
        {
            "node": (node or flow.filing_node).code,
            "catalog_item": item.code,
            "files": [SimpleUploadedFile(name, content) for name, content in files],
        },
        **(JSON if as_json else {}),
        follow=not as_json,
    )


def document_item(flow):
    return case_catalog_items(flow.case).filter(format_kind="document").first()


def project_facts(world) -> dict:
    return {
        "owner": world.organisation.pk,
        "name": "浦东新区网页登记测试工程",
        "location": "上海市浦东新区网页路 8 号",
        "works_type": "building",
        "contractor": "上海测试建工集团有限公司",
        "supervisor": "上海测试工程监理有限公司",
        "construction_permit_no": "310115202601010199",
        "floor_area_m2": "8600.50",
        "structure_type": "框架结构",
        "start_date": "2024-03-01",
        "completion_date": "2025-12-20",
    }


def test_an_owner_registers_a_project_with_its_nodes_and_opens_a_case(world, client):
    client.force_login(world.owner)
    assert "登记建设项目" in client.get(reverse("acceptance:project_new")).content.decode()

    response = client.post(reverse("acceptance:project_new"), project_facts(world))

    project = Project.objects.get(name="浦东新区网页登记测试工程")
    assert response["Location"] == reverse("acceptance:project", args=[project.reference])
    assert project.owner == world.organisation and project.created_by == world.owner
    page = client.get(response["Location"]).content.decode()
    assert "桩基工程" in page and "竣工" in page  # the default construction nodes
    assert JournalEntry.objects.filter(
        chain=f"project:{project.reference}", kind="project.registered"
    ).exists()

    response = client.post(reverse("acceptance:case_open", args=[project.reference]))
    case = project.cases.get()
    assert response["Location"] == reverse("acceptance:case", args=[case.reference])
    page = client.get(response["Location"]).content.decode()
    assert "预立卷" in page and "提交节点资料" in page  # state and the open step
    project_page = client.get(reverse("acceptance:project", args=[project.reference]))
    upload = reverse("acceptance:upload", args=[case.reference])
    assert f"{upload}?node=piles" in project_page.content.decode()  # upload per node


def test_registering_with_dates_in_the_wrong_order_says_what_to_fix_and_stores_nothing(
    world, client
):
    client.force_login(world.owner)
    facts = {**project_facts(world), "completion_date": "2023-01-01"}
    response = client.post(reverse("acceptance:project_new"), facts)
    assert response.status_code == 200
    assert "竣工日期不能早于开工日期" in response.content.decode()
    assert not Project.objects.exists()


def test_several_files_upload_at_once_each_answered_and_a_duplicate_refused(
    open_case, samples, client
):
    flow = open_case(upload=False)
    client.force_login(flow.owner)
    item = document_item(flow)
    first = samples.path(item, 1).read_bytes()
    second = samples.path(item, 2).read_bytes()

    page = client.get(reverse("acceptance:upload", args=[flow.case.reference]))
    assert page.status_code == 200 and item.code in page.content.decode()

    response = post_files(
        client, flow, item, [("一.pdf", first), ("二.pdf", second), ("一-copy.pdf", first)]
    )

    answer = json.loads(response.content)
    assert response.status_code == 207
    assert [f["ok"] for f in answer["files"]] == [True, True, False]
    assert answer["files"][2]["code"] == "duplicate_material"
    assert "内容相同" in answer["files"][2]["message_zh"]
    assert "same content" in answer["files"][2]["message_en"]
    assert Material.objects.filter(case=flow.case).count() == 2  # nothing accepted was lost

    check = client.get(answer["files"][0]["check_url"]).content.decode()
    assert "检测通过" in check and "真实 ✓" in check


def test_a_file_that_fails_its_checks_shows_why_as_soon_as_it_is_stored(open_case, client):
    flow = open_case(upload=False)
    client.force_login(flow.owner)
    response = post_files(
        client, flow, document_item(flow), [("报告.pdf", b"%PDF-1.7\nnot really a pdf")]
    )
    result = json.loads(response.content)["files"][0]
    assert response.status_code == 201 and result["ok"]
    check = client.get(result["check_url"]).content.decode()
    assert "检测未通过" in check and "✗" in check
    assert "problem-fail" in check  # the failing checks with their messages


def test_an_upload_without_node_item_or_file_is_refused_in_both_languages(open_case, client):
    flow = open_case(upload=False)
    client.force_login(flow.owner)
    response = client.post(
        reverse("acceptance:upload_files", args=[flow.case.reference]), {"node": "nope"}, **JSON
    )
    answer = json.loads(response.content)
    assert response.status_code == 400
    assert "请选择施工节点" in answer["message_zh"] and "construction node" in answer["message_en"]


def test_the_upload_form_also_works_without_javascript(open_case, samples, client):
    flow = open_case(upload=False)
    client.force_login(flow.owner)
    item = document_item(flow)
    response = post_files(
        client, flow, item, [("a.pdf", samples.path(item, 1).read_bytes())], as_json=False
    )
    assert "已保存：a.pdf" in response.content.decode()
    assert flow.case.materials.get().original_name == "a.pdf"


def test_the_case_page_shows_state_deadlines_and_the_certificate_to_download(flow, client):
    flow.reach_decision()
    flow.accept_conditionally()
    client.force_login(flow.owner)
    page = client.get(reverse("acceptance:case", args=[flow.case.reference])).content.decode()
    certificate = flow.case.certificates.get()
    assert "容缺受理" in page
    assert "限时承诺" in page and "截止" in page
    deadline = flow.commitment.deadline.astimezone(SHANGHAI)
    assert f"截止 {deadline:%Y-%m-%d %H:%M}" in page  # shown in Beijing time
    download = reverse("api:certificate-pdf", args=[certificate.number])
    assert download in page
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert PROJECT_NAME in page


def test_an_upload_past_the_overall_limit_stops_and_says_so(open_case, client, settings):
    settings.ACCEPTANCE_MAX_UPLOAD_BYTES = 3_000_000  # above the in-memory size, so it streams
    flow = open_case(upload=False)
    client.force_login(flow.owner)
    response = post_files(
        client, flow, document_item(flow), [("big.pdf", b"%PDF-1.7\n" + b"0" * 3_500_000)]
    )
    answer = json.loads(response.content)
    assert response.status_code == 413 and answer["code"] == "upload_too_large"
    assert "未保存任何文件" in answer["message_zh"] and "nothing was stored" in answer["message_en"]
    assert not flow.case.materials.exists()


def test_the_upload_page_knows_each_items_size_limit(open_case, client, settings):
    settings.ACCEPTANCE_MAX_BYTES_BY_KIND = {"document": 5_000_000}
    flow = open_case(upload=False)
    client.force_login(flow.owner)
    item = document_item(flow)
    page = client.get(reverse("acceptance:upload", args=[flow.case.reference])).content.decode()
    assert f'value="{item.code}" data-max-bytes="5000000"' in page
