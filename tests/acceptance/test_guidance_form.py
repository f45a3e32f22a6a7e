"""The node-guidance form: catalog items grouped by category, searchable, and the items the node
check flagged already ticked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from acceptance.models import CatalogItem

pytestmark = pytest.mark.django_db


def test_guidance_offers_grouped_searchable_items_with_the_flagged_ones_ticked(client, open_case):
    flow = open_case(upload=False)
    node = flow.case.project.nodes.get()
    missing = node.expected_items.order_by("code").first()
    flow.upload_required(leave_out=[missing.code])
    flow.complete("node_submit")
    task = flow.task("node_guidance")

    client.force_login(flow.reviewer)
    html = client.get(reverse("workflows:task", args=[task.task_id])).content.decode()
    form = html[html.index('id="task-form"') :]
    assert 'class="choice-search"' in form
    groups = re.findall(r"<summary>([A-E]) [^<]+<small>", form)
    assert groups == ["A", "B", "C", "D", "E"]
    ticked = re.findall(r'value="([^"]+)"[^>]*checked', form)
    assert ticked == [missing.code]
    # The group holding it is open; the others stay folded.
    opened = re.findall(r'<details class="choice-group" open>\s*<summary>(\w)', form)
    assert opened == [missing.category[:1]]
    assert CatalogItem.objects.filter(version=flow.case.catalog_version).count() == len(
        re.findall(r'name="requested_items"', form)
    )

    # Sent back as ticked: the owner is asked for exactly that item.
    client.post(
        reverse("workflows:task", args=[task.task_id]),
        {"guidance": "more", "requested_items": [missing.code], "guidance_comment": "请补交"},
    )
    assert flow.task("node_submit").context["requested_items"] == [missing.code]
