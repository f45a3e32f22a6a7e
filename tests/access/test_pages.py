"""The pages' permissions and the plugin's inbox and task pages for a request's tasks."""

from __future__ import annotations

from django.test import Client

from access.models import AccessRequest
from workflows.models import HumanTask

from .conftest import tenant_request_submit


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def waiting_request(world):
    return tenant_request_submit(world)


def test_only_the_requester_sees_the_request_and_only_archivists_review(access_world):
    world = access_world
    request = waiting_request(world)
    page = client_for(world.tenant).get(f"/access/requests/{request.reference}/")
    assert page.status_code == 200 and "审核中" in page.content.decode()
    assert (
        client_for(world.committee).get(f"/access/requests/{request.reference}/").status_code == 404
    )
    assert client_for(world.tenant).get("/access/review/").status_code == 403
    queue = client_for(world.archivist).get("/access/review/").content.decode()
    assert request.reference in queue and "张晓明" in queue


def test_the_review_task_on_the_plugins_pages_names_the_request_and_refuses_a_reasonless_part(
    access_world,
):
    world = access_world
    request = waiting_request(world)
    archivist = client_for(world.archivist)
    inbox = archivist.get("/tasks/")
    assert inbox.status_code == 200
    assert f"查档申请 {request.reference} · 办理工商注册登记 · 张晓明" in inbox.content.decode()
    task = HumanTask.objects.get(task_name="archivist_review", status=HumanTask.Status.OPEN)
    assert archivist.get(f"/tasks/{task.task_id}/").status_code == 200
    answer = archivist.post(
        f"/tasks/{task.task_id}/",
        {"decision": "part", "approved_records": [str(world.records["A5-1"].pk)], "reasons": ""},
        follow=True,
    )
    assert "必须写明理由" in answer.content.decode()
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.UNDER_REVIEW
    assert HumanTask.objects.get(pk=task.pk).status == HumanTask.Status.OPEN
