"""Who may see and do what on the pages; every refusal is a bilingual 403 (or 404) page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from acceptance.models import Organisation, Project

from .conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def auditor(db):
    return make_user("auditor_test", "auditors")


@pytest.fixture
def other_owner(world):
    user = make_user("owner_elsewhere", "owners")
    Organisation.objects.create(name="另一家建设单位").members.add(user)
    return user


def assert_forbidden(response) -> None:
    page = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in page and "Forbidden" in page


def test_anonymous_users_are_sent_to_sign_in_except_for_certificate_verification(flow, client):
    task = flow.task("node_submit")
    for url in (
        reverse("acceptance:home"),
        reverse("acceptance:projects"),
        reverse("acceptance:case", args=[flow.case.reference]),
        reverse("acceptance:upload", args=[flow.case.reference]),
        reverse("workflows:inbox"),
        reverse("workflows:task", args=[task.task_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get(reverse("certificates:verify")).status_code == 200
    assert "登录" in client.get(reverse("login")).content.decode()


def test_an_owner_sees_only_their_organisations_projects_and_cases(flow, other_owner, client):
    client.force_login(other_owner)
    project = flow.case.project
    assert project.reference not in client.get(reverse("acceptance:projects")).content.decode()
    assert client.get(reverse("acceptance:project", args=[project.reference])).status_code == 404
    case_url = reverse("acceptance:case", args=[flow.case.reference])
    assert client.get(case_url).status_code == 404
    assert "页面不存在" in client.get(case_url).content.decode()
    upload = reverse("acceptance:upload_files", args=[flow.case.reference])
    assert client.post(upload, {}).status_code == 404
    assert client.post(reverse("acceptance:case_open", args=[project.reference])).status_code == 404
    assert flow.case.reference not in client.get(reverse("acceptance:home")).content.decode()


def test_only_members_of_an_owner_organisation_register_projects_or_upload(flow, client):
    client.force_login(flow.reviewer)
    assert_forbidden(client.get(reverse("acceptance:project_new")))
    assert_forbidden(client.get(reverse("acceptance:upload", args=[flow.case.reference])))
    before = flow.case.materials.count()
    response = client.post(
        reverse("acceptance:upload_files", args=[flow.case.reference]),
        {
            "node": flow.filing_node.code,
            "catalog_item": "C6-P3",
            "files": [SimpleUploadedFile("x.pdf", b"%PDF-1.7 reviewer")],
        },
    )
    assert_forbidden(response)
    assert "只能向本单位项目的案件上传材料" in response.content.decode()
    assert flow.case.materials.count() == before
    assert_forbidden(
        client.post(reverse("acceptance:case_open", args=[flow.case.project.reference]))
    )
    assert flow.case.project.cases.count() == 1


def test_an_owner_cannot_register_for_an_organisation_they_do_not_belong_to(
    world, other_owner, client
):
    client.force_login(other_owner)
    response = client.post(
        reverse("acceptance:project_new"),
        {
            "owner": world.organisation.pk,
            "name": "冒名工程",
            "location": "某地",
            "works_type": "building",
        },
    )
    assert response.status_code == 200  # the organisation is not one of the choices
    assert "errorlist" in response.content.decode()
    assert not Project.objects.filter(name="冒名工程").exists()


def test_an_auditor_reads_everything_and_every_change_is_refused(flow, auditor, client):
    client.force_login(auditor)
    case = flow.case
    for url in (
        reverse("acceptance:home"),
        reverse("acceptance:projects"),
        reverse("acceptance:project", args=[case.project.reference]),
        reverse("acceptance:case", args=[case.reference]),
        reverse("acceptance:timeline", args=[case.reference]),
        reverse("workflows:task", args=[flow.task("node_submit").task_id]),
    ):
        assert client.get(url).status_code == 200, url
    task = flow.task("node_submit")
    for url in (
        reverse("acceptance:project_new"),
        reverse("acceptance:case_open", args=[case.project.reference]),
        reverse("acceptance:upload_files", args=[case.reference]),
        reverse("workflows:task", args=[task.task_id]),
        reverse("workflows:claim", args=[task.task_id]),
    ):
        response = client.post(url, {})
        assert_forbidden(response)
        assert "审计员只能查阅" in response.content.decode()
    assert case.project.cases.count() == 1 and flow.task("node_submit") is not None
    # Running the verification only reads (and records that it was run).
    assert (
        client.post(reverse("acceptance:timeline_replay", args=[case.reference])).status_code == 200
    )
    assert client.post(reverse("logout")).status_code == 302


def test_an_owner_cannot_complete_another_persons_task(flow, other_owner, world, client):
    colleague = get_user_model().objects.create_user("colleague", password="x")
    world.organisation.members.add(colleague)
    client.force_login(colleague)
    task = flow.task("node_submit")  # assigned to the owner who opened the case
    assert_forbidden(client.get(reverse("workflows:task", args=[task.task_id])))
    assert_forbidden(client.post(reverse("workflows:task", args=[task.task_id]), {}))
    assert flow.task("node_submit") is not None


def test_an_unknown_address_or_task_is_a_bilingual_404(world, client):
    client.force_login(world.owner)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() and "Not found" in response.content.decode()
    unknown = "00000000-0000-0000-0000-000000000000"
    assert client.get(reverse("workflows:task", args=[unknown])).status_code == 404


def test_the_500_page_is_bilingual_and_renders_without_a_request():
    page = render_to_string("500.html")
    assert "服务器内部错误" in page and "Server error" in page


def test_a_form_sent_without_its_csrf_token_gets_a_bilingual_403_and_changes_nothing(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner)
    response = client.post(reverse("acceptance:project_new"), {"name": "无令牌工程"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "请求已过期" in page and "could not be verified" in page
    assert not Project.objects.filter(name="无令牌工程").exists()
