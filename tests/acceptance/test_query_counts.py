"""No page's query count grows with the number of rows it lists.

Each page is read once with one row and once with fifty (cases, materials, journal entries,
tasks), each time after a first unmeasured read (sessions, caches); the two counts must be equal.
A count that grows with the rows is an N+1: with a few thousand cases the page would make
thousands of queries.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from acceptance.models import CatalogItem
from workflows.models import HumanTask, JournalEntry

from .conftest import CaseFlow

pytestmark = pytest.mark.django_db

MANY = 50
DOCUMENT = "E1-5"


def queries(client: Client, url: str) -> int:
    """Queries one read of ``url`` makes (after an unmeasured first read)."""
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cases(open_case) -> Callable[[int], list[CaseFlow]]:
    """``cases(n)``: the world's cases, opened until there are ``n`` (nothing uploaded)."""
    made: list[CaseFlow] = []

    def grow(n: int) -> list[CaseFlow]:
        while len(made) < n:
            made.append(open_case(upload=False))
        return made

    return grow


def materials(flow: CaseFlow, n: int) -> None:
    """Upload distinct documents to ``flow``'s case until it has ``n`` materials."""
    item = CatalogItem.objects.get(code=DOCUMENT)
    while flow.case.materials.count() < n:
        variant = flow.case.materials.count() + 1
        flow.upload_file(DOCUMENT, flow.samples.path(item, variant))


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("owner", "acceptance:case_list"),
        ("reviewer", "acceptance:case_list"),
        ("owner", "workflows:inbox"),
        ("owner", "acceptance:projects"),
        ("owner", "acceptance:home"),
        ("reviewer", "acceptance:home"),
    ],
)
def test_lists_of_cases_and_tasks_make_as_many_queries_for_fifty_rows_as_for_one(
    cases, world, who, page
):
    client = signed_in(getattr(world, who))
    url = reverse(page)
    cases(1)
    one = queries(client, url)
    cases(MANY)
    assert HumanTask.objects.open().count() >= MANY
    assert queries(client, url) == one


@pytest.mark.parametrize("url", ["/api/cases/", "/api/tasks/", "/api/projects/"])
def test_api_lists_make_as_many_queries_for_fifty_rows_as_for_one(cases, world, url):
    client = signed_in(world.owner)
    cases(1)
    one = queries(client, url)
    cases(MANY)
    assert queries(client, url) == one


@pytest.mark.parametrize("url", ["/tasks/", "/api/tasks/"])
def test_the_tasks_of_a_reviewer_with_fifty_take_as_many_queries_as_with_one(open_case, world, url):
    client = signed_in(world.reviewer)
    flows: list[CaseFlow] = []

    def reviewer_tasks(n: int) -> None:
        while len(flows) < n:
            flow = open_case(upload=False)
            flow.complete("node_submit")
            flows.append(flow)

    reviewer_tasks(1)
    one = queries(client, url)
    reviewer_tasks(MANY)
    assert HumanTask.objects.open().filter(task_name="node_guidance").count() == MANY
    assert queries(client, url) == one


@pytest.mark.parametrize("page", ["acceptance:case", "acceptance:timeline"])
def test_a_case_page_makes_as_many_queries_for_fifty_materials_as_for_one(open_case, world, page):
    flow = open_case(upload=False)
    url = reverse(page, args=[flow.case.reference])
    materials(flow, 1)
    one = {who: queries(signed_in(getattr(world, who)), url) for who in ("owner", "reviewer")}
    materials(flow, MANY)
    many = {who: queries(signed_in(getattr(world, who)), url) for who in ("owner", "reviewer")}
    assert many == one


def test_the_timeline_makes_as_many_queries_for_fifty_journal_entries_as_for_one(open_case, world):
    flow = open_case(upload=False)
    url = reverse("acceptance:timeline", args=[flow.case.reference])
    client = signed_in(world.reviewer)
    materials(flow, 1)
    entries = JournalEntry.objects.filter(chain=flow.case.reference)
    before = entries.count()
    one = queries(client, url)
    materials(flow, MANY)
    assert entries.count() >= before + MANY - 1
    assert queries(client, url) == one


def test_the_api_case_detail_makes_as_many_queries_for_fifty_cases_and_materials_as_for_one(
    cases, world
):
    flow = cases(1)[0]
    url = f"/api/cases/{flow.case.reference}/"
    client = signed_in(world.owner)
    materials(flow, 1)
    one = queries(client, url)
    cases(MANY)
    materials(flow, MANY)
    assert queries(client, url) == one


def test_a_task_page_makes_as_many_queries_for_fifty_materials_as_for_one(open_case, world):
    flow = open_case(upload=False)
    task = flow.task("node_submit")
    url = reverse("workflows:task", args=[task.task_id])
    client = signed_in(world.owner)
    materials(flow, 1)
    one = queries(client, url)
    materials(flow, MANY)
    assert queries(client, url) == one


def user_group_reads(client: Client, url: str, user) -> int:
    """Queries one read of ``url`` makes for ``user``'s groups (subqueries aside)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    of_user = re.compile(rf'"auth_user_groups"\."user_id" (= {user.pk}\b|IN \({user.pk}\))')
    return sum(
        'FROM "auth_group" INNER JOIN "auth_user_groups"' in q["sql"]
        and bool(of_user.search(q["sql"]))
        for q in captured
    )


def test_every_role_check_of_a_page_shares_one_read_of_the_persons_groups(open_case, world):
    flow = open_case(upload=False)
    flow.complete("node_submit")
    task = flow.task("node_guidance")
    urls = [
        reverse("acceptance:home"),
        reverse("acceptance:case_list"),
        reverse("workflows:inbox"),
        reverse("acceptance:case", args=[flow.case.reference]),
        reverse("acceptance:timeline", args=[flow.case.reference]),
        reverse("workflows:task", args=[task.task_id]),
        "/api/tasks/",
    ]
    client = signed_in(world.reviewer)
    reads = {url: user_group_reads(client, url, world.reviewer) for url in urls}
    assert reads == dict.fromkeys(urls, 1)
