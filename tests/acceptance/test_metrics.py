"""/metrics after a case opens: the domain's counts and the plugin's, from one scrape."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db


def test_an_open_case_shows_in_the_metrics_of_cases_instances_and_waiting_tasks(open_case, client):
    open_case(upload=False)

    text = client.get("/metrics").content.decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }

    assert samples[("acceptance_cases", (("state", "pre_filing"),))] == 1
    assert samples[("acceptance_cases", (("state", "accepted"),))] == 0
    assert samples[("acceptance_commitments", (("state", "pending"),))] == 0
    assert (
        samples[
            ("workflow_instances", (("process", "completion_acceptance"), ("status", "waiting")))
        ]
        == 1
    )
    assert samples[("workflow_user_tasks_waiting", (("age", "hour"), ("task", "node_submit")))] == 1
    assert samples[("certificates", (("kind", "conditional"), ("status", "issued")))] == 0
