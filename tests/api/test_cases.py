"""Cases: opened by the owner's organisation, read by whoever may see them, journal verified."""

import pytest

from acceptance.models import Case

from .conftest import assert_error


@pytest.fixture
def project(open_case):
    """A registered project whose case is not opened yet (the flow's case is closed off)."""
    return open_case(upload=False).case.project


@pytest.mark.django_db
def test_an_owner_opens_a_case_and_its_process_starts(project, as_owner):
    response = as_owner.post("/api/cases/", {"project": project.reference}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == Case.Status.PRE_FILING
    assert body["process_status"] == "waiting"
    assert [task["task_name"] for task in body["open_tasks"]] == ["node_submit"]
    assert body["open_tasks"][0]["assignee"] == "owner_test"


@pytest.mark.django_db
def test_a_reviewer_opens_no_case_403(project, as_reviewer):
    response = as_reviewer.post("/api/cases/", {"project": project.reference}, format="json")
    assert_error(response, 403, "not_permitted", "project")


@pytest.mark.django_db
def test_another_organisations_project_cannot_be_named(project, as_stranger):
    response = as_stranger.post("/api/cases/", {"project": project.reference}, format="json")
    body = assert_error(response, 400, "does_not_exist", "project")
    assert project.reference in body["message_en"]


@pytest.mark.django_db
def test_an_auditor_opens_nothing_but_reads_every_case(flow, as_auditor):
    response = as_auditor.post("/api/cases/", {"project": flow.case.project.reference})
    assert_error(response, 403, "read_only_auditor")
    listed = as_auditor.get("/api/cases/").json()["results"]
    assert [case["reference"] for case in listed] == [flow.case.reference]


@pytest.mark.django_db
def test_cases_are_listed_by_project_and_status(flow, as_owner, as_reviewer, as_stranger):
    reference = flow.case.reference
    for query in ({}, {"project": flow.case.project.reference}, {"status": "pre_filing"}):
        results = as_owner.get("/api/cases/", query).json()["results"]
        assert [case["reference"] for case in results] == [reference]
    assert as_owner.get("/api/cases/", {"status": "accepted"}).json()["count"] == 0
    assert as_reviewer.get("/api/cases/").json()["count"] == 1
    assert as_stranger.get("/api/cases/").json()["count"] == 0
    assert_error(as_stranger.get(f"/api/cases/{reference}/"), 404, "not_found")


@pytest.mark.django_db
def test_the_case_journal_is_verified_intact(flow, as_auditor, as_stranger):
    path = f"/api/cases/{flow.case.reference}/journal/verify/"
    verdict = as_auditor.get(path).json()
    assert verdict["intact"] is True
    assert verdict["chain"] == flow.case.reference
    assert verdict["entries"] == len(flow.journal())
    assert_error(as_stranger.get(path), 404, "not_found")
