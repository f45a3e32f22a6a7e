"""The completeness page: counts first, then the items under their categories, filterable."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .conftest import CORE_DOCUMENT, TOLERATED

pytestmark = pytest.mark.django_db


def page(client, flow, query: str = "") -> str:
    client.force_login(flow.reviewer)
    url = reverse("acceptance:completeness", args=[flow.case.reference]) + query
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def count(html: str, label: str) -> int:
    return int(re.search(rf'<span class="count">(\d+)</span>{label}', html).group(1))


def shown_codes(html: str) -> list[str]:
    return re.findall(r'<tr class="[a-z]*" id="item-([^"]+)">', html)


def test_the_summary_counts_present_missing_tolerable_and_core(client, open_case):
    flow = open_case(leave_out=[TOLERATED, CORE_DOCUMENT])
    html = page(client, flow)
    required = count(html, "必交条目")
    assert count(html, "已交") == required - 2
    assert count(html, "缺失 missing") == 2
    assert count(html, "缺失 · 可容缺") == 1
    assert count(html, "缺失 · 不可容缺") == 1
    # The summary comes before any item.
    assert html.index('id="completeness-counts"') < html.index('id="item-')


def test_items_are_grouped_by_category_and_groups_with_gaps_are_open(client, open_case):
    flow = open_case(leave_out=[TOLERATED])
    html = page(client, flow)
    groups = re.findall(r'<details class="card category" id="category-(\w)"( open)?>', html)
    assert [code for code, _open in groups] == ["A", "B", "C", "D", "E"]
    assert dict(groups) == {"A": "", "B": "", "C": " open", "D": "", "E": ""}  # C6-P3 is C
    codes = shown_codes(html)
    assert len(codes) == len(set(codes))  # every item once: no second table
    e1 = [code for code in codes if code.startswith("E1-")]
    assert e1.index("E1-2") < e1.index("E1-10")  # numbers in order, not as text


def test_filters_keep_only_the_items_asked_for(client, open_case):
    flow = open_case(leave_out=[TOLERATED, CORE_DOCUMENT])
    assert shown_codes(page(client, flow, "?show=missing")) == [TOLERATED, CORE_DOCUMENT]
    assert shown_codes(page(client, flow, "?show=tolerable")) == [TOLERATED]
    assert shown_codes(page(client, flow, "?show=blocking")) == [CORE_DOCUMENT]
    found = shown_codes(page(client, flow, "?q=e1-5"))
    assert found == [CORE_DOCUMENT]
    assert "没有符合条件的条目" in page(client, flow, "?show=problems")


def test_the_case_list_is_paged_and_searchable(client, open_case, monkeypatch):
    monkeypatch.setattr("workflows.paging.PAGE_SIZE", 1)
    first = open_case(upload=False)
    second = open_case(upload=False)
    client.force_login(first.reviewer)
    url = reverse("acceptance:case_list")
    newest = client.get(url).content.decode()
    assert second.case.reference in newest and first.case.reference not in newest
    assert "第 1 / 2 页，共 2 条" in newest
    older = client.get(url, {"page": 2}).content.decode()
    assert first.case.reference in older
    found = client.get(url, {"q": first.case.reference[-6:]}).content.decode()
    assert first.case.reference in found and second.case.reference not in found
