"""The staff page for process version migration: the dry run per case, a ticked batch moved
with a reason (the flagged ones refused), a revert, and who may use it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from workflows.models import InstanceMigration, ProcessInstance

from .helpers import deploy_migration_v2, last_entry, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user, client):
    user = make_user("stan")
    user.is_staff = True
    user.save()
    client.force_login(user)
    return user


@pytest.fixture
def running(case_at):
    cases = {
        "ready": case_at("intake", "PAGE-1"),
        "renamed": case_at("archive_old", "PAGE-2"),
        "flagged": case_at("review", "PAGE-3"),
    }
    deploy_migration_v2()
    return cases


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def face_of(response) -> str:
    """What the page shows before anyone opens a folded technical detail."""
    html = re.sub(r"<details.*?</details>", "", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S))


def test_the_page_shows_each_cases_dry_run_in_words_with_ids_only_in_the_details(
    client, staff, running
):
    response = client.get(reverse("workflows:migrations"), {"process": "wf_migration"})

    assert response.status_code == 200
    face = face_of(response)
    assert "第 1 版在办" in face
    assert "Register the request → Register the request" in face
    assert "Archive the file → 无对应环节" in face
    assert "新版本需要案件中没有的数据：预算金额" in face
    assert "期限变更 · Review deadline：" in face  # the deadline that moves, in Shanghai time
    for internal in ("archive_old", "review_deadline", "budget", "wf_migration", "READY", "P20D"):
        assert internal not in face, internal
    assert "archive_old" in page_text(response)  # for the technical reviewer, folded
    checkboxes = re.findall(r'name="instance" value="(\d+)"', response.content.decode())
    assert checkboxes == [str(running["ready"].pk)]  # only a case that can move is offered


def test_a_mapping_lets_the_renamed_step_move(client, staff, running):
    response = client.get(
        reverse("workflows:migrations"),
        {"process": "wf_migration", "to": 2, "mapping": '{"archive_old": "archive"}'},
    )

    assert "Archive the file → Archive the file （按对应关系）" in face_of(response)
    checkboxes = re.findall(r'name="instance" value="(\d+)"', response.content.decode())
    assert sorted(checkboxes) == sorted([str(running["ready"].pk), str(running["renamed"].pk)])


def test_staff_move_the_ticked_cases_with_a_reason_and_the_flagged_one_is_refused(
    client, staff, running
):
    ids = [running[key].pk for key in ("ready", "renamed", "flagged")]

    response = client.post(
        reverse("workflows:migrations_act"),
        {
            "process": "wf_migration",
            "to": 2,
            "mapping": '{"archive_old": "archive"}',
            "instance": ids,
            "reason": "新增预算审批环节",
        },
        follow=True,
    )

    text = page_text(response)
    assert "已将 2 件案件迁移到第 2 版" in text
    assert "PAGE-3 不可迁移" in text
    assert reload(running["flagged"]).definition.version == 1
    assert {reload(running[k]).definition.version for k in ("ready", "renamed")} == {2}
    assert last_entry("PAGE-1", "instance.migrated").payload["reason"] == "新增预算审批环节"
    assert "最近的迁移" in text and "撤销迁移" in text


def test_a_reason_is_required(client, staff, running):
    response = client.post(
        reverse("workflows:migrations_act"),
        {"process": "wf_migration", "to": 2, "instance": [running["ready"].pk], "reason": " "},
        follow=True,
    )

    assert "请填写迁移理由" in page_text(response)
    assert reload(running["ready"]).definition.version == 1


def test_staff_revert_a_migration_from_the_page(client, staff, running):
    client.post(
        reverse("workflows:migrations_act"),
        {"process": "wf_migration", "to": 2, "instance": [running["ready"].pk], "reason": "试迁"},
    )
    migration = InstanceMigration.objects.get()

    response = client.post(
        reverse("workflows:migration_revert", args=[migration.pk]),
        {"reason": "版本选错"},
        follow=True,
    )

    assert "已撤销 PAGE-1 的迁移，恢复到第 1 版" in page_text(response)
    assert reload(running["ready"]).definition.version == 1
    assert reload(running["ready"]).status == ProcessInstance.Status.WAITING


def test_only_staff_may_open_or_use_the_page(client, make_user, running):
    client.force_login(make_user("carl", "clerks"))

    assert client.get(reverse("workflows:migrations")).status_code == 403
    response = client.post(
        reverse("workflows:migrations_act"),
        {"process": "wf_migration", "to": 2, "instance": [running["ready"].pk], "reason": "x"},
    )
    assert response.status_code == 403
    assert reload(running["ready"]).definition.version == 1
