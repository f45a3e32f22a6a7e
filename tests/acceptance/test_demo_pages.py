"""The demo on a shared database: it touches only its own cases, leaves work waiting at every
human step, and no page of any role shows the machine's internals."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from acceptance.demo import run_demo
from acceptance.models import Commitment
from certificates.models import Certificate
from workflows.models import HumanTask

from .crawl import crawl
from .internals import internals

ROLES = ("owner_demo", "reviewer_demo", "auditor_demo", "supervisor_demo")
WAITING = {
    "node_guidance",
    "drawing_review",
    "media_review",
    "acceptance_decision",
    "sign_commitment",
    "supplement",
}


def case_pages(case) -> list[str]:
    """Every page of a case, whether or not a link leads there from the role's home."""
    reference = case.reference
    return [
        f"/cases/{reference}/",
        f"/cases/{reference}/upload/",
        f"/cases/{reference}/completeness/",
        f"/cases/{reference}/drawings/",
        f"/cases/{reference}/media/",
        f"/cases/{reference}/timeline/",
        f"/cases/{reference}/commitment/",
        f"/cases/{reference}/volumes/",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_demo_leaves_others_alone_parks_work_and_no_page_shows_internals(open_case, client):
    other = open_case()
    other.reach_decision()
    other.accept_conditionally()
    theirs = other.commitment
    assert theirs.status == Commitment.Status.PENDING

    result = run_demo(say=lambda line: None, wait_seconds=30)

    # Another case's commitment is not moved three months ahead by the demo's sweep.
    theirs.refresh_from_db()
    assert theirs.status == Commitment.Status.PENDING
    assert other.certificate(Certificate.Kind.CONDITIONAL).status == Certificate.Status.ISSUED

    # Work waits at every human step, on the demo's own cases.
    parked = {case.pk for _step, _user, case in result.parked}
    waiting = set(
        HumanTask.objects.open()
        .filter(instance__business_key__in=[c.reference for _s, _u, c in result.parked])
        .values_list("task_name", flat=True)
    )
    assert waiting >= WAITING, WAITING - waiting
    assert len(parked) == 5

    cases = [result.case, result.late_case, *(case for _s, _u, case in result.parked)]
    problems = {}
    for username in ROLES:
        client.force_login(get_user_model().objects.get(username=username))
        starts = ["/", "/tasks/", *(url for case in cases for url in case_pages(case))]
        pages, failures = crawl(client, starts)
        assert not {u: s for u, s in failures.items() if s >= 500}, (username, failures)
        assert len(pages) > 10, username
        for url, html in pages.items():
            found = internals(html)
            if found:
                problems[f"{username} {url}"] = sorted(set(found))[:6]
    assert not problems, "\n".join(f"{page}: {found}" for page, found in problems.items())
