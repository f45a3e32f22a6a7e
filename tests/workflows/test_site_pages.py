"""A site with more than one kind of business object: each task's pages come from the
``TaskPages`` named for its business object's model, and any other task gets the plain pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from workflows import engine
from workflows.models import HumanTask
from workflows.pages import TaskPages

pytestmark = pytest.mark.django_db


class TeamPages(TaskPages):
    """A host domain whose business objects are groups ("teams")."""

    def subject_labels(self, tasks):
        names = dict(
            Group.objects.filter(pk__in=[task.instance.object_id for task in tasks]).values_list(
                "pk", "name"
            )
        )
        return [f"团队 {names[int(task.instance.object_id)]}" for task in tasks]

    def subject_filters(self, user):
        return [(name, name) for name in Group.objects.values_list("name", flat=True)]

    def filter_by_subject(self, tasks, value):
        teams = Group.objects.filter(name=value).values_list("pk", flat=True)
        return tasks.filter(instance__object_id__in=[str(pk) for pk in teams])


@pytest.fixture
def two_domains(settings, services, deploy, make_user):
    settings.WORKFLOWS_TASK_PAGES = {
        "auth.group": f"{__name__}.TeamPages",
        "*": "workflows.pages.TaskPages",
    }
    services.register("wftest.record", lambda call, **params: {"recorded": True})
    deploy("tasks.bpmn")
    clerk = make_user("carol", "clerks")
    for business_object, key in (
        (Group.objects.create(name="测绘组"), "TEAM-1"),
        (User.objects.create_user("someone"), "PERSON-1"),
    ):
        engine.instance_start(
            process_id="wf_tasks",
            business_object=business_object,
            business_key=key,
            data={"subject": "s", "amount": 1, "reviewer_name": "rita", "review_period": "P4D"},
        )
    return clerk


def test_each_task_is_labelled_by_the_pages_of_its_business_object(client, two_domains):
    client.force_login(two_domains)
    html = client.get(reverse("workflows:inbox")).content.decode()
    assert "团队 测绘组" in html  # the team domain's label
    assert "PERSON-1" in html  # the plain pages' label: the business key
    for task in HumanTask.objects.open():
        assert client.get(reverse("workflows:task", args=[task.task_id])).status_code == 200


def test_the_subject_filter_asks_each_domain_about_its_own_tasks_only(client, two_domains):
    client.force_login(two_domains)
    html = client.get(reverse("workflows:inbox") + "?subject=测绘组").content.decode()
    assert "团队 测绘组" in html
    assert "PERSON-1" not in html


def test_a_task_claimed_in_place_keeps_its_subject_in_the_row_htmx_swaps_in(client, two_domains):
    client.force_login(two_domains)
    task = HumanTask.objects.open().get(instance__business_key="TEAM-1")
    row = client.post(reverse("workflows:claim", args=[task.task_id]), HTTP_HX_REQUEST="true")
    html = row.content.decode()
    assert "团队 测绘组" in html and "退回" in html
