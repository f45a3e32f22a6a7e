"""The inbox through the API: list, claim, release, complete, and who may do which."""

import pytest

from workflows.inbox import task_claim, task_delegate
from workflows.models import HumanTask

from .conftest import assert_error, make_user, token_client


def task_names(client, **query) -> list[str]:
    return [task["task_name"] for task in client.get("/api/tasks/", query).json()["results"]]


def open_task(flow, name: str) -> str:
    return str(flow.task(name).task_id)


@pytest.mark.django_db
def test_each_user_lists_the_tasks_of_their_roles(flow, as_owner, as_reviewer, as_stranger):
    assert task_names(as_owner) == ["node_submit"]
    assert task_names(as_reviewer) == []
    assert task_names(as_stranger) == []
    flow.complete("node_submit")
    assert task_names(as_owner) == []
    assert task_names(as_reviewer) == ["node_guidance"]
    assert task_names(as_owner, status="completed") == ["node_submit"]
    assert task_names(as_reviewer, case=flow.case.reference) == ["node_guidance"]
    assert task_names(as_reviewer, case="YS-NO-SUCH") == []


@pytest.mark.django_db
def test_a_status_the_inbox_does_not_know_is_refused_not_read_as_none(flow, as_owner):
    """``status=done`` is not a state: the platform is told so instead of getting no tasks."""
    body = assert_error(as_owner.get("/api/tasks/", {"status": "done"}), 400, "invalid", "status")
    assert "open" in body["message_en"] and "all" in body["message_en"]


@pytest.mark.django_db
def test_an_auditor_lists_every_task_and_works_none(flow, as_auditor):
    flow.complete("node_submit")
    assert sorted(task_names(as_auditor, status="all")) == ["node_guidance", "node_submit"]
    task_id = open_task(flow, "node_guidance")
    assert_error(as_auditor.post(f"/api/tasks/{task_id}/claim/"), 403, "read_only_auditor")


@pytest.mark.django_db
def test_the_owner_and_the_reviewer_work_a_node_through_the_api(flow, as_owner, as_reviewer):
    submit = open_task(flow, "node_submit")
    response = as_owner.post(f"/api/tasks/{submit}/complete/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["completed_by"]) == (
        "completed",
        "owner_test",
    )
    guidance = open_task(flow, "node_guidance")
    detail = as_reviewer.get(f"/api/tasks/{guidance}/").json()
    assert detail["can_claim"] is True
    assert [field["name"] for field in detail["form"]] == [
        "guidance",
        "requested_items",
        "guidance_comment",
    ]
    claimed = as_reviewer.post(f"/api/tasks/{guidance}/claim/").json()
    assert (claimed["assignee"], claimed["can_complete"]) == ("reviewer_test", True)
    done = as_reviewer.post(
        f"/api/tasks/{guidance}/complete/", {"data": {"guidance": "approve"}}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert flow.open_tasks() == ["apply_acceptance"]
    kinds = flow.journal_kinds()
    assert kinds.count("task.completed") == 2
    assert "task.claimed" in kinds


@pytest.mark.django_db
def test_a_claimed_task_is_released_to_the_role(flow, as_reviewer):
    flow.complete("node_submit")
    guidance = open_task(flow, "node_guidance")
    as_reviewer.post(f"/api/tasks/{guidance}/claim/")
    released = as_reviewer.post(f"/api/tasks/{guidance}/release/").json()
    assert (released["assignee"], released["claimed_at"]) == (None, None)


@pytest.mark.django_db
def test_working_another_roles_task_is_refused_with_403(flow, as_owner, as_reviewer):
    submit = open_task(flow, "node_submit")
    assert_error(as_reviewer.post(f"/api/tasks/{submit}/complete/"), 403, "task_permission_denied")
    assert_error(as_reviewer.post(f"/api/tasks/{submit}/claim/"), 403, "task_permission_denied")
    flow.complete("node_submit")
    guidance = open_task(flow, "node_guidance")
    assert_error(as_owner.post(f"/api/tasks/{guidance}/claim/"), 403, "task_permission_denied")
    response = as_owner.post(
        f"/api/tasks/{guidance}/complete/", {"data": {"guidance": "approve"}}, format="json"
    )
    assert_error(response, 403, "task_permission_denied")
    assert_error(as_owner.post(f"/api/tasks/{guidance}/release/"), 403, "task_permission_denied")


@pytest.mark.django_db
def test_another_organisations_task_is_not_found(flow, as_stranger):
    submit = open_task(flow, "node_submit")
    assert_error(as_stranger.get(f"/api/tasks/{submit}/"), 404, "not_found")
    assert_error(as_stranger.post(f"/api/tasks/{submit}/complete/"), 404, "not_found")


@pytest.mark.django_db
def test_task_data_is_checked_against_the_form_field_by_field(flow, as_reviewer):
    flow.complete("node_submit")
    guidance = open_task(flow, "node_guidance")

    def complete(data):
        return as_reviewer.post(f"/api/tasks/{guidance}/complete/", {"data": data}, format="json")

    assert_error(complete({}), 400, "task_data_invalid", "data.guidance")
    assert_error(complete({"guidance": "maybe"}), 400, "task_data_invalid", "data.guidance")
    assert_error(complete({"guidance": "approve", "x": 1}), 400, "task_data_invalid", "data.x")
    assert_error(
        as_reviewer.post(f"/api/tasks/{guidance}/complete/", {"data": [1]}, format="json"),
        400,
        "not_a_dict",
        "data",
    )


@pytest.mark.django_db
def test_a_completed_task_cannot_be_completed_again_409(flow, as_owner):
    submit = open_task(flow, "node_submit")
    assert as_owner.post(f"/api/tasks/{submit}/complete/").status_code == 200
    assert_error(as_owner.post(f"/api/tasks/{submit}/complete/"), 409, "task_not_available")
    assert HumanTask.objects.get(task_id=submit).status == "completed"


@pytest.mark.django_db
def test_task_data_with_a_nul_character_is_refused(flow, as_reviewer):
    flow.complete("node_submit")
    guidance = open_task(flow, "node_guidance")
    response = as_reviewer.post(
        f"/api/tasks/{guidance}/complete/",
        {"data": {"guidance": "approve", "guidance_comment": "a\x00b"}},
        format="json",
    )
    assert_error(response, 400, "null_characters_not_allowed", "data.guidance_comment")


@pytest.mark.django_db
def test_a_reviewer_who_claims_second_is_told_409_already_claimed(flow, as_reviewer):
    from .conftest import make_user, token_client

    flow.complete("node_submit")
    guidance = open_task(flow, "node_guidance")
    second = token_client(make_user("reviewer_second", "reviewers"))
    assert as_reviewer.post(f"/api/tasks/{guidance}/claim/").status_code == 200
    body = assert_error(second.post(f"/api/tasks/{guidance}/claim/"), 409, "task_already_claimed")
    assert (
        body["message_en"] == "this task was already claimed by reviewer_test; refresh your inbox"
    )
    assert "已由 reviewer_test 领取" in body["message_zh"]
    assert body["data"]["assignee"] == "reviewer_test"


@pytest.mark.django_db
def test_a_catalog_code_not_in_the_cases_catalog_is_refused(flow, as_reviewer):
    flow.complete("node_submit")
    guidance = open_task(flow, "node_guidance")
    data = {"guidance": "more", "requested_items": ["C5-4", "X9-99"], "guidance_comment": "补"}
    response = as_reviewer.post(f"/api/tasks/{guidance}/complete/", {"data": data}, format="json")
    body = assert_error(response, 400, "task_data_invalid", "data.requested_items")
    assert "X9-99 不在可选项中" in body["message_zh"]
    assert "X9-99 not among the options" in body["message_en"]
    assert flow.task("node_guidance").status == HumanTask.Status.OPEN

    data["requested_items"] = ["C5-4"]
    response = as_reviewer.post(f"/api/tasks/{guidance}/complete/", {"data": data}, format="json")
    assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_a_delegated_task_says_whose_it_is_and_its_delegate_cannot_complete_it(flow, world):
    flow.complete("node_submit")
    guidance = open_task(flow, "node_guidance")
    task_claim(task_id=guidance, user=world.reviewer)
    delegate = make_user("reviewer_two", "reviewers")
    task_delegate(task_id=guidance, user=world.reviewer, delegate=delegate, reason="休假")
    as_delegate = token_client(delegate)
    detail = as_delegate.get(f"/api/tasks/{guidance}/").json()
    assert (detail["assignee"], detail["owner"], detail["delegation"]) == (
        "reviewer_two",
        "reviewer_test",
        "pending",
    )
    assert detail["can_complete"] is False
    refused = as_delegate.post(
        f"/api/tasks/{guidance}/complete/", {"data": {"guidance": "approve"}}, format="json"
    )
    body = assert_error(refused, 403, "task_permission_denied")
    assert "该任务已委托 reviewer_two 办理" in body["message_zh"]
