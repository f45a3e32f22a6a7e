"""A task page summarises before it lists: the files with problems first, every file folded,
the latest ten history entries and a link to the whole timeline."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from django.urls import reverse

import acceptance
from acceptance.selectors.checks import material_check_state
from acceptance.selectors.completeness import NOT_DELIVERED, material_line
from workflows.paging import PAGE_SIZE

from ..browser import chromium_page
from .conftest import CORE_DRAWING

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(acceptance.__file__).resolve().parents[1] / "test-artifacts" / "web"
FOLDED_ROW = re.compile(r"<tr><td>([^<]+)<br>")


def test_the_task_page_shows_problem_files_first_and_folds_the_rest(client, open_case):
    flow = open_case(unstamped=[CORE_DRAWING])
    flow.complete("node_submit")
    task = flow.task("node_guidance")
    client.force_login(flow.reviewer)

    html = client.get(reverse("workflows:task", args=[task.task_id])).content.decode()

    flagged = sorted(
        material.catalog_item.code
        for material in flow.case.materials.current().select_related("catalog_item")
        if material_line(material).problems or material.status in NOT_DELIVERED
    )
    assert flagged  # the sample video falls short of the AV archive's recommendations
    problems = html.split('id="material-problems"')[1].split("</table>")[0]
    assert sorted(re.findall(r"<tr><td>([^<]+)<br>", problems)) == flagged
    total = flow.case.materials.current().count()
    assert f"共 {total} 份文件" in html
    states = Counter(material_check_state(m) for m in flow.case.materials.current())
    counts = html.split('id="check-state-counts"')[1].split("</p>")[0]
    assert {
        state: int(n) for state, n in re.findall(r'data-state="(\w+)">[^<]*<b>(\d+)</b>', counts)
    } == {str(state): n for state, n in states.items()}
    # The whole list is folded and paged: every file once over its pages.
    assert total > PAGE_SIZE
    listed, number = [], 1
    while True:
        query = {"page": number} if number > 1 else {}
        page = client.get(reverse("workflows:task", args=[task.task_id]), query)
        folded = page.content.decode().split('<details id="materials-all"')[1]
        assert (number > 1) == folded.startswith(" open")
        # Each row's check results fold their own details (the format's PRONOM id): the table
        # ends at its body, the pagination follows it inside the fold.
        table, after = folded.split('id="materials-table"')[1].split("</tbody>", 1)
        rows = FOLDED_ROW.findall(table)
        assert 0 < len(rows) <= PAGE_SIZE
        listed += rows
        if 'rel="next"' not in after.split("</details>")[0]:
            break
        number += 1
    assert len(listed) == total and number == -(-total // PAGE_SIZE)
    history = html.split('id="task-history"')[1]
    assert len(re.findall(r"<tr><td>\d+</td>", history)) == 10
    assert reverse("acceptance:timeline", args=[flow.case.reference]) in history


@pytest.mark.django_db(transaction=True)
def test_the_reviewers_task_page_is_a_summary_a_screen_or_two_long(
    open_case, live_server, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    flow = open_case(unstamped=[CORE_DRAWING])
    flow.complete("node_submit")
    task = flow.task("node_guidance")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    for page in chromium_page({"width": 1280, "height": 900}, timeout_ms=90_000):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", flow.reviewer.get_username())
        page.fill("input[name=password]", "test-password")
        page.click("form.card [type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(live_server.url + reverse("workflows:task", args=[task.task_id]))
        page.screenshot(path=str(ARTIFACTS / "reviewer-task-page.png"), full_page=True)
        height = page.evaluate("document.documentElement.scrollHeight")
        assert "份文件" in page.inner_text("#materials-summary")
        assert page.locator("#check-state-counts").is_visible()
        assert height < 4000, height
