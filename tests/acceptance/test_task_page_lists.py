"""A task page summarises before it lists: the files with problems first, every file folded,
the latest ten history entries and a link to the whole timeline."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from acceptance.selectors.completeness import NOT_DELIVERED, material_line

from .conftest import CORE_DRAWING

pytestmark = pytest.mark.django_db


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
    everything = html.split('<details id="materials-all">')[1].split("</details>")[0]
    total = flow.case.materials.current().count()
    assert everything.count("<tr><td>") == total
    assert f"共 {total} 份文件" in html
    history = html.split('id="task-history"')[1]
    assert len(re.findall(r"<tr><td>\d+</td>", history)) == 10
    assert reverse("acceptance:timeline", args=[flow.case.reference]) in history
