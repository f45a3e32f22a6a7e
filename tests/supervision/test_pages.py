"""The supervisor's plan pages and the public notice, through the test client."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from supervision import verify_draw
from supervision.models import InspectionPlan
from supervision.services import plan_draw

from ..acceptance.conftest import make_user
from ..acceptance.internals import internals
from .conftest import PUBLISHED_AT, VALUE_KNOWN_AT

PLAN_FORM = {
    "title": "2026 年第四季度竣工档案验收质量抽查",
    "period_start": "2026-10-01",
    "period_end": "2026-10-31",
    "works_type": "",
    "population": "accepted",
    "stratify": "on",
    "sample_size": "4",
    "inspectors_per_target": "2",
    "public_value_source": "上证综合指数 2026-11-03 收盘点位",
    "public_value_date": "2026-11-03",
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def at(time_machine):
    def move(moment):
        time_machine.move_to(moment.astimezone(UTC), tick=False)

    return move


def new_plan(client, **changes) -> InspectionPlan:
    data = PLAN_FORM | {"inspector_group": Group.objects.get(name="inspectors").pk} | changes
    response = client.post(reverse("supervision:plan_new"), data)
    assert response.status_code == 302, response.content.decode()
    return InspectionPlan.objects.latest("created_at")


def test_a_plan_goes_from_draft_to_a_published_draw_by_two_supervisors(world, at):
    first, second = signed_in(world.supervisor), signed_in(world.second_supervisor)
    at(PUBLISHED_AT)
    plan = new_plan(first)
    page = first.get(reverse("supervision:plan", args=[plan.reference])).content.decode()
    assert "草拟" in page and "公布计划" in page

    first.post(reverse("supervision:publish", args=[plan.reference]))
    at(VALUE_KNOWN_AT)
    refused = first.post(
        reverse("supervision:public_value", args=[plan.reference]),
        {"value": "3421.57"},
        follow=True,
    ).content.decode()
    assert "另一名人员录入" in refused
    second.post(reverse("supervision:public_value", args=[plan.reference]), {"value": "3421.57"})
    page = second.post(
        reverse("supervision:draw", args=[plan.reference]), {"seen_draws": "0"}, follow=True
    ).content.decode()

    assert "第 1 次抽取完成" in page
    assert "2026-11-03 16:00" in page  # Asia/Shanghai, as drawn
    late = first.post(
        reverse("supervision:draw", args=[plan.reference]), {"seen_draws": "0"}, follow=True
    ).content.decode()
    assert "li_supervisor 已于 2026-11-03 16:00 完成第 1 次抽取" in late


def test_the_public_sees_plans_draws_and_downloads_files_that_verify(world, at, client):
    at(PUBLISHED_AT)
    plan = world.ready()
    at(VALUE_KNOWN_AT)
    draw = plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)

    listing = client.get(reverse("supervision:public")).content.decode()
    assert plan.reference in listing and "已抽取" in listing
    page = client.get(reverse("supervision:public_plan", args=[plan.reference])).content.decode()
    first = draw.document["population"][0]
    assert first["organisation"] in page
    assert "inspector_" not in page.split('id="verification"')[0]  # no persons on the face
    assert "zhang_supervisor" not in page and "li_supervisor" not in page
    downloaded = client.get(reverse("supervision:draw_file", args=[plan.reference, 1]))
    assert downloaded["Content-Disposition"].endswith(f"{plan.reference}-draw-1.json")
    assert verify_draw.verify(json.loads(downloaded.content)).ok
    supervisor = signed_in(world.supervisor)
    pages = {
        url: client_.get(url).content.decode()
        for client_, url in (
            (client, reverse("supervision:public")),
            (client, reverse("supervision:public_plan", args=[plan.reference])),
            (supervisor, reverse("supervision:plans")),
            (supervisor, reverse("supervision:plan", args=[plan.reference])),
            (supervisor, reverse("supervision:plan_new")),
        )
    }
    assert {url: internals(html) for url, html in pages.items() if internals(html)} == {}
    # The supervisor sees who each published code is: in the result and in the code table.
    plan_page = pages[reverse("supervision:plan", args=[plan.reference])]
    for code, pk in plan.inspector_codes.items():
        assert f"<td>{code}</td><td>{get_user_model().objects.get(pk=pk).username}</td>" in (
            plan_page
        )
    first_code = draw.result[0]["inspectors"][0]
    person = get_user_model().objects.get(pk=plan.inspector_codes[first_code]).username
    assert f"{first_code} {person}" in plan_page.split('id="population"')[0]
    before = json.loads(
        client.get(reverse("supervision:publication_file", args=[plan.reference])).content
    )
    assert "seed" not in before and before["commitment"] == draw.document["commitment"]


def test_a_draft_is_not_public_and_plan_pages_are_for_supervisors(world, client):
    plan = world.plan()
    assert client.get(reverse("supervision:public_plan", args=[plan.reference])).status_code == 404
    inspector = signed_in(world.inspectors[0])
    assert inspector.get(reverse("supervision:plans")).status_code == 403
    owner = signed_in(make_user("owner_person", "reviewers"))
    assert owner.get(reverse("supervision:plan", args=[plan.reference])).status_code == 403


def test_a_sample_larger_than_the_population_is_answered_on_the_plan_page(world, at):
    at(PUBLISHED_AT)
    first = signed_in(world.supervisor)
    plan = new_plan(first, sample_size="20")

    page = first.post(reverse("supervision:publish", args=[plan.reference]), follow=True)

    text = page.content.decode()
    assert "抽取数量 20 大于检查对象总数 12" in text
    assert "larger than the population" in text
    assert "草拟" in text


def test_the_form_names_a_missing_size_or_rate(world):
    first = signed_in(world.supervisor)
    data = PLAN_FORM | {
        "sample_size": "",
        "inspector_group": Group.objects.get(name="inspectors").pk,
    }
    page = first.post(reverse("supervision:plan_new"), data).content.decode()

    assert "请填写抽取数量或抽取比例（二选一）" in page
    assert not InspectionPlan.objects.exists()


def test_staff_keep_the_conflict_register_in_the_admin_and_never_see_a_plan_seed(world, at):
    at(PUBLISHED_AT)
    plan = world.published()
    staff = get_user_model().objects.create_superuser("archive_admin", password="test-password")
    client = signed_in(staff)

    assert client.get(reverse("admin:supervision_recusal_add")).status_code == 200
    page = client.get(reverse("admin:supervision_inspectionplan_change", args=[plan.pk]))
    assert page.status_code == 200
    assert plan.seed not in page.content.decode()
