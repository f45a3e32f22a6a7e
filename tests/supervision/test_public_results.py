"""Public results (公开): the anonymous API, the XLSX export of a period and the links to both."""

from __future__ import annotations

import io
from datetime import UTC

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from supervision.services import plan_draw

from .conftest import PUBLISHED_AT, VALUE_KNOWN_AT

API = "/api/public/supervision/plans/"
# What the notice may publish of a target; anything else (a person, an inspector) is a leak.
TARGET_FIELDS = {
    "case",
    "project",
    "organisation",
    "stratum",
    "accepted_on",
    "outcome",
    "decided_on",
    "closed_on",
}
DRAW_FIELDS = {
    "number",
    "current",
    "reason",
    "drawn_at",
    "public_value",
    "seed",
    "document_sha256",
    "draw_file_url",
    "targets",
}


@pytest.fixture(autouse=True)
def fresh_counts():
    """The rate limit counts per address in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def drawn(world, time_machine):
    """A plan drawn twice (the second with its reason) and a second plan only published."""
    time_machine.move_to(PUBLISHED_AT.astimezone(UTC), tick=False)
    plan = world.ready()
    time_machine.move_to(VALUE_KNOWN_AT.astimezone(UTC), tick=False)
    plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)
    plan_draw(plan=plan, actor=world.supervisor, seen_draws=1, reason="抽取时系统时间有误")
    waiting = world.published(title="2026 年第四季度市政工程抽查", works_type="municipal")
    world.plan(title="尚未公布的草拟计划")
    plan.refresh_from_db()
    return plan, waiting


PERSONAL_FIELDS = {
    "inspectors",
    "exclusions",
    "created_by",
    "published_by",
    "public_value_entered_by",
    "drawn_by",
}


def keys(value) -> set[str]:
    """Every field name anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value).union(*(keys(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(item) for item in value))
    return set()


def persons(world) -> set[str]:
    users = [world.supervisor, world.second_supervisor, *world.inspectors]
    return {user.get_username() for user in users}


def test_anyone_reads_published_plans_with_their_draws_and_verification_data(world, drawn):
    plan, waiting = drawn
    response = APIClient().get(API)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2  # the draft is not public
    # Published at the same moment: in plan number order.
    assert [item["reference"] for item in body["results"]] == [plan.reference, waiting.reference]
    found = body["results"][0]
    assert found["status"] == "drawn"
    assert found["algorithm"] == "hmac-sha256-rank/2"
    assert found["population_size"] == 12
    assert found["seed_commitment"] == plan.publication["commitment"]
    assert found["population_digest"] == plan.publication["population_digest"]
    first, second = found["draws"]
    assert set(first) == DRAW_FIELDS
    assert (first["current"], second["current"]) == (False, True)
    assert second["reason"] == "抽取时系统时间有误"
    assert second["seed"] == plan.seed and second["public_value"] == "3421.57"
    assert len(second["targets"]) == 4
    assert {target["outcome"] for target in second["targets"]} == {"pending"}
    assert {target["outcome"] for target in first["targets"]} == {"superseded"}
    target = second["targets"][0]
    assert set(target) == TARGET_FIELDS
    assert target["organisation"] in {o.name for o in world.organisations}
    assert target["accepted_on"].startswith("2026-10-")
    # The links lead to the files the offline verification reads.
    assert APIClient().get(second["draw_file_url"]).json()["seed"] == plan.seed
    assert "seed" not in APIClient().get(found["publication_url"]).json()
    assert waiting.reference in response.content.decode()
    assert waiting.seed not in response.content.decode()  # not revealed before its draw


def test_the_payload_names_no_person(world, drawn):
    plan, _ = drawn
    listing = APIClient().get(API)
    one = APIClient().get(f"{API}{plan.reference}/")

    for response in (listing, one):
        text = response.content.decode()
        assert {name for name in persons(world) if name in text} == set()
        assert keys(response.json()) & PERSONAL_FIELDS == set()


def test_the_published_files_name_inspectors_only_by_codes_and_no_person(world, drawn):
    plan, _ = drawn
    for user in get_user_model().objects.all():
        user.first_name, user.last_name = "王", f"检查{user.pk}号"
        user.save()
    client = APIClient()
    files = [client.get(reverse("supervision:publication_file", args=[plan.reference]))]
    files += [
        client.get(reverse("supervision:draw_file", args=[plan.reference, number]))
        for number in (1, 2)
    ]

    names = set()
    for user in get_user_model().objects.all():
        names |= {user.get_username(), user.get_full_name(), user.last_name}
    for response in files:
        text = response.content.decode()
        assert {name for name in names if name in text} == set()
        assert set(response.json()["inspectors"]) == set(plan.inspector_codes)
    result = files[-1].json()["result"]
    assert {code for row in result for code in row["inspectors"]} <= set(plan.inspector_codes)


def test_the_list_is_paged_and_an_unknown_or_draft_plan_is_not_found(world, drawn):
    plan, waiting = drawn
    draft = world.plan(title="草拟")
    client = APIClient()

    page = client.get(API, {"page_size": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]
    assert page["results"][0]["reference"] == plan.reference
    assert client.get(page["next"]).json()["results"][0]["reference"] == waiting.reference
    assert client.get(API, {"page": 3, "page_size": 1}).status_code == 404
    assert client.get(API, {"page_size": 0}).json()["code"] == "invalid"
    assert client.get(f"{API}{draft.reference}/").status_code == 404
    assert client.get(f"{API}{waiting.reference}/").json()["draws"] == []


def test_a_client_over_the_public_limit_is_told_to_wait(world, drawn, settings):
    settings.API_PUBLIC_RATE_LIMIT = 3
    client = APIClient()
    answers = [client.get(API) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["code"] == "throttled"
    assert refused.json()["message_zh"] == "请求过于频繁，请稍后再试"
    assert int(refused["Retry-After"]) == settings.API_PUBLIC_RATE_WINDOW


def test_the_period_export_lists_each_drawn_target_with_its_outcome(world, drawn, client):
    plan, _ = drawn
    response = client.get(
        reverse("supervision:public_export"), {"start": "2026-11-01", "end": "2026-11-30"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('"supervision-results-20261101-20261130.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    results = list(book["抽查结果 Results"].values)
    assert results[0] == ("公示期间 Period", "2026-11-01 — 2026-11-30") + (None,) * 12
    header, rows = results[1], results[2:]
    assert header[0] == "计划编号 Plan" and header[11] == "检查结果 Outcome"
    assert header[12:] == ("检查结论日期 Decided on", "办结日期 Closed on")
    assert "建设单位 Owner organisation" in header
    assert len(rows) == 8  # two draws of four targets
    by_draw = {number: [row for row in rows if row[3] == number] for number in (1, 2)}
    assert {row[11] for row in by_draw[2]} == {"待检查 not inspected yet"}
    assert {row[11] for row in by_draw[1]} == {"已重新抽取，不予检查 superseded by a later draw"}
    # Not inspected: no decision nor closing date yet.
    assert {(row[12], row[13]) for row in rows} == {(None, None)}
    assert by_draw[2][0][4] == "2026-11-03 16:00"  # Asia/Shanghai
    assert by_draw[2][0][5] == "抽取时系统时间有误"
    assert {row[8] for row in rows} <= {o.name for o in world.organisations}
    api_cases = [
        t["case"] for t in APIClient().get(f"{API}{plan.reference}/").json()["draws"][1]["targets"]
    ]
    assert [row[6] for row in by_draw[2]] == api_cases
    verification = list(book["核验数据 Verification"].values)
    assert verification[0][0] == "计划编号 Plan"
    assert [row[7] for row in verification[1:]] == [plan.seed, plan.seed]
    text = " ".join(str(cell) for row in results + verification for cell in row)
    assert {name for name in persons(world) if name in text} == set()


def test_another_period_exports_no_draw_and_a_reversed_period_is_explained(world, drawn, client):
    url = reverse("supervision:public_export")
    empty = load_workbook(
        io.BytesIO(client.get(url, {"start": "2026-10-01", "end": "2026-10-31"}).content)
    )
    assert len(list(empty["抽查结果 Results"].values)) == 2  # period and headers only

    refused = client.get(url, {"start": "2026-12-01", "end": "2026-11-01"})
    assert refused.status_code == 400
    assert "开始日期晚于结束日期" in refused.content.decode()


def test_the_public_pages_offer_the_export_the_api_and_each_targets_outcome(world, drawn, client):
    plan, _ = drawn
    listing = client.get(reverse("supervision:public")).content.decode()
    assert 'id="download-results"' in listing and reverse("supervision:public_export") in listing
    assert API in listing

    page = client.get(reverse("supervision:public_plan", args=[plan.reference])).content.decode()
    current = page.split('id="draw-2"')[1]
    assert current.count("待检查") == 4
    assert page.split('id="draw-2"')[0].count("已重新抽取，不予检查") == 4
