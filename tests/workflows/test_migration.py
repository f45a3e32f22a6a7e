"""Moving running instances onto a newer version of their process: the dry run, applying it to
one case or many, reverting it, and a replay of the journal that verifies across the move.
The two versions of ``wf_migration`` are described beside ``case_at`` in conftest."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from workflows.definitions import deploy_bpmn
from workflows.engine import task_complete
from workflows.journal import entry_hash
from workflows.migration import (
    MigrationRefused,
    migration_apply,
    migration_plan,
    migration_revert,
    migrations_apply,
)
from workflows.models import HumanTask, JournalEntry, JournalHead, ProcessInstance
from workflows.replay import replay_instance
from workflows.spiff import state_digest, timer_deadline, timer_tasks

from .helpers import (
    MIGRATION_MAPPING,
    bpmn_bytes,
    deploy_migration_v2,
    last_entry,
    open_task,
    open_task_names,
    reload,
    workflow_of,
)

NOW = datetime(2030, 3, 4, 2, 0, tzinfo=UTC)
RENAMED = MIGRATION_MAPPING

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(migration_people):
    return migration_people["clerk"]


@pytest.fixture
def reviewer(migration_people):
    return migration_people["reviewer"]


def test_a_dry_run_maps_steps_by_id_and_writes_nothing(case_at):
    with time_machine.travel(NOW, tick=False):
        instance = case_at("intake", "MIG-1")
    v2 = deploy_migration_v2()
    state, entries = instance.state, JournalEntry.objects.count()

    plan = migration_plan(instance, v2)

    assert plan.ok, plan.problems
    assert [(s.name, s.target, s.how) for s in plan.steps] == [("intake", "intake", "id")]
    assert plan.missing_data == []  # the budget is asked for at intake, still ahead
    assert plan.verdict.zh == "可迁移"
    assert reload(instance).state == state
    assert reload(instance).definition.version == 1
    assert JournalEntry.objects.count() == entries


def test_a_dry_run_flags_a_removed_step_unless_a_mapping_file_names_its_successor(
    case_at, tmp_path
):
    instance = case_at("archive_old", "MIG-2")
    v2 = deploy_migration_v2()

    flagged = migration_plan(instance, v2)
    mapped = migration_plan(instance, v2, mapping=RENAMED)

    assert not flagged.ok
    assert [(s.name, s.target) for s in flagged.steps] == [("archive_old", "")]
    assert "step archive_old has no counterpart in the new version" in [
        p.en for p in flagged.problems
    ]
    assert flagged.verdict.zh == "不可迁移"
    assert mapped.ok, mapped.problems
    assert [(s.name, s.target, s.how) for s in mapped.steps] == [
        ("archive_old", "archive", "mapping")
    ]
    assert mapped.steps[0].target_label.zh == "Archive the file"


def test_a_dry_run_flags_data_the_new_version_reads_and_reports_the_deadline_it_moves(case_at):
    with time_machine.travel(NOW, tick=False):
        instance = case_at("review", "MIG-3")
    v2 = deploy_migration_v2()

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        plan = migration_plan(instance, v2, mapping=RENAMED)

    assert plan.missing_data == ["budget"]  # the budget gate after the review reads it
    assert not plan.ok
    assert any("budget" in p.en for p in plan.problems)
    (timer,) = plan.timers
    assert timer.name == "review_deadline"
    assert timer.before == NOW + timedelta(days=10)
    assert timer.after == NOW + timedelta(days=1, seconds=0) + timedelta(days=20)


def test_a_mapping_to_a_step_the_new_version_lacks_is_refused(case_at):
    instance = case_at("archive_old", "MIG-4")
    v2 = deploy_migration_v2()

    plan = migration_plan(instance, v2, mapping={"archive_old": "archiving"})

    assert not plan.ok
    assert "mapped task archiving is not in the new version" in [p.en for p in plan.problems]


def test_applying_moves_a_waiting_user_task_and_the_case_completes_on_the_new_version(
    case_at, clerk, reviewer, make_user
):
    instance = case_at("intake", "MIG-5")
    row = open_task(instance, "intake")
    v2 = deploy_migration_v2()
    admin = make_user("ada")

    migration = migration_apply(
        instance_id=instance.pk, target_definition=v2, actor=admin, reason="budget rule"
    )

    instance = reload(instance)
    assert instance.definition == v2
    assert migration.source.version == 1 and migration.target.version == 2
    moved_row = open_task(instance, "intake")
    assert moved_row.pk == row.pk
    assert [f["name"] for f in moved_row.form] == ["size", "budget"]  # the new version's form
    entry = last_entry("MIG-5", "instance.migrated")
    assert entry.actor == "ada"
    assert entry.payload["from"]["definition_sha256"] == migration.source.content_sha256
    assert entry.payload["to"]["definition_sha256"] == v2.content_sha256
    assert entry.payload["mapping"] == {} and entry.payload["reason"] == "budget rule"

    task_complete(task_id=moved_row.task_id, user=clerk, data={"size": 2, "budget": 500})
    task_complete(task_id=open_task(instance, "review").task_id, user=reviewer, data={})
    assert open_task_names(instance) == ["approve_budget"]  # a step only version 2 has
    task_complete(task_id=open_task(instance, "approve_budget").task_id, user=reviewer, data={})
    task_complete(task_id=open_task(instance, "archive").task_id, user=clerk, data={})

    assert reload(instance).status == ProcessInstance.Status.COMPLETED
    assert replay_instance(instance).verified


def test_a_renamed_step_keeps_its_inbox_row_and_who_claimed_it(case_at, clerk):
    instance = case_at("archive_old", "MIG-6")
    row = open_task(instance, "archive_old")
    row.assignee = clerk
    row.save()
    v2 = deploy_migration_v2()

    migration_apply(
        instance_id=instance.pk, target_definition=v2, mapping=RENAMED, reason="new ids"
    )

    moved = HumanTask.objects.get(pk=row.pk)
    assert (moved.status, moved.task_name, moved.assignee) == ("open", "archive", clerk)
    assert moved.task_id in {t.id for t in workflow_of(instance).get_tasks()}
    task_complete(task_id=moved.task_id, user=clerk, data={})
    assert reload(instance).status == ProcessInstance.Status.COMPLETED


def test_a_flagged_case_is_refused_and_left_as_it_was(case_at):
    instance = case_at("review", "MIG-7")
    v2 = deploy_migration_v2()
    state = instance.state

    with pytest.raises(MigrationRefused) as refused:
        migration_apply(instance_id=instance.pk, target_definition=v2, reason="try")

    assert "budget" in refused.value.message_en
    assert reload(instance).state == state
    assert reload(instance).definition.version == 1
    assert last_entry("MIG-7", "instance.migrated") is None


def test_bulk_apply_moves_twenty_running_cases_and_refuses_the_flagged_ones(case_at):
    cases = [case_at(("intake", "review", "archive_old")[n % 3], f"BULK-{n:02}") for n in range(20)]
    v2 = deploy_migration_v2()

    outcomes = migrations_apply(
        cases, target_definition=v2, mapping=RENAMED, reason="version 2 for all"
    )

    moved = [o.instance.business_key for o in outcomes if o.migration]
    refused = [o.instance.business_key for o in outcomes if o.refusal]
    at_review = [c.business_key for n, c in enumerate(cases) if n % 3 == 1]
    assert sorted(refused) == sorted(at_review)  # the budget they lack is read after the review
    assert len(moved) == 20 - len(at_review) == 13
    versions = dict(ProcessInstance.objects.values_list("business_key", "definition__version"))
    assert {versions[key] for key in moved} == {2}
    assert {versions[key] for key in refused} == {1}
    assert all(replay_instance(reload(c)).verified for c in cases)


def tasks_of(instance: ProcessInstance) -> tuple[str, list]:
    """The case as its workflow stands: its digest, and each task's id, step and state."""
    workflow = workflow_of(instance)
    tasks = sorted((str(t.id), t.task_spec.name, t.state) for t in workflow.get_tasks())
    return state_digest(workflow), tasks


def test_revert_restores_the_case_until_it_moves_on(case_at, clerk):
    instance = case_at("archive_old", "MIG-8")
    row = open_task(instance, "archive_old")
    before = tasks_of(instance)
    v2 = deploy_migration_v2()
    migration = migration_apply(
        instance_id=instance.pk, target_definition=v2, mapping=RENAMED, reason="try it"
    )

    migration_revert(migration_id=migration.pk, actor=clerk, reason="wrong version")

    instance = reload(instance)
    assert instance.definition.version == 1
    assert tasks_of(instance) == before
    assert HumanTask.objects.get(pk=row.pk).task_name == "archive_old"
    assert last_entry("MIG-8", "instance.migration_reverted").payload["reason"] == "wrong version"
    assert replay_instance(instance).verified
    with pytest.raises(MigrationRefused):
        migration_revert(migration_id=migration.pk, reason="again")

    again = migration_apply(
        instance_id=instance.pk, target_definition=v2, mapping=RENAMED, reason="now for real"
    )
    task_complete(task_id=open_task(instance, "archive").task_id, user=clerk, data={})
    with pytest.raises(MigrationRefused):
        migration_revert(migration_id=again.pk, reason="too late")


def test_an_unchanged_timer_keeps_its_deadline_and_a_changed_one_is_armed_again(
    deploy, start, clerk
):
    deploy("timers.bpmn")
    with time_machine.travel(NOW, tick=False):
        instance = start("wf_timers", key="MIG-T", deadline_after="P7D")
    changed = bpmn_bytes("timers.bpmn").replace(b'"PT1H"', b'"PT2H"')
    (v2,) = [r.definition for r in deploy_bpmn(changed, "timers.bpmn")]
    later = NOW + timedelta(minutes=30)

    with time_machine.travel(later, tick=False):
        plan = migration_plan(instance, v2)
        migration_apply(instance_id=instance.pk, target_definition=v2, reason="longer reminder")

    assert [(t.name, t.before, t.after) for t in plan.timers] == [
        ("reminder", NOW + timedelta(hours=1), later + timedelta(hours=2))
    ]
    deadlines = {t.task_spec.name: timer_deadline(t) for t in timer_tasks(workflow_of(instance))}
    assert deadlines == {
        "reminder": later + timedelta(hours=2),
        "deadline": NOW + timedelta(days=7),
    }
    assert reload(instance).next_timer_at == later + timedelta(hours=2)
    assert replay_instance(instance).verified


def rehash_from(chain: str, sequence: int) -> None:
    """The attacker mends the hash chain after the entry they altered."""
    previous = JournalEntry.objects.get(chain=chain, sequence=sequence - 1).entry_hash
    for entry in JournalEntry.objects.filter(chain=chain, sequence__gte=sequence).order_by(
        "sequence"
    ):
        entry.previous_hash = previous
        entry.entry_hash = previous = entry_hash(entry)
        entry.save(update_fields=("previous_hash", "entry_hash"))
    JournalHead.objects.filter(chain=chain).update(entry_hash=previous)


def test_journal_replay_verifies_across_the_migration_and_fails_when_it_is_tampered_with(
    case_at, clerk, without_append_only_trigger
):
    instance = case_at("intake", "MIG-9")
    v2 = deploy_migration_v2()
    migration_apply(instance_id=instance.pk, target_definition=v2, reason="budget rule")
    task_complete(
        task_id=open_task(instance, "intake").task_id, user=clerk, data={"size": 1, "budget": 5}
    )
    out = io.StringIO()

    call_command("verify_journal", "MIG-9", "--replay", stdout=out)

    assert "MIG-9: intact" in out.getvalue()
    assert "replay verified" in out.getvalue()
    entry = last_entry("MIG-9", "instance.migrated")
    entry.payload = {**entry.payload, "to": entry.payload["from"]}  # "it stayed on version 1"
    entry.save(update_fields=("payload",))
    rehash_from("MIG-9", entry.sequence)
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_journal", "MIG-9", "--replay", stdout=out)

    assert "MIG-9: intact" in out.getvalue()  # the chain was mended: only the replay sees it
    assert str(failed.value) == "1 replay(s) diverged / 1 个流程回放不一致"
    assert f"replay diverges at entry #{entry.sequence} (instance.migrated)" in out.getvalue()


def test_the_command_reports_a_dry_run_table_and_applies_to_the_chosen_cases(case_at, tmp_path):
    ready = case_at("intake", "CMD-1")
    renamed = case_at("archive_old", "CMD-2")
    flagged = case_at("review", "CMD-3")
    deploy_migration_v2()
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(RENAMED), encoding="utf-8")
    out = io.StringIO()

    call_command("migrate_instances", "wf_migration", "--to-version", "2", "--dry-run", stdout=out)

    report = out.getvalue()
    assert "CMD-1" in report and "CMD-3" in report
    assert report.count("不可迁移 cannot move") == 2  # archive_old without a mapping, review
    assert reload(ready).definition.version == 1

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "migrate_instances", "wf_migration", "--to-version", "2", "--mapping", str(mapping),
            "--reason", "version 2", "--actor", "ops-admin", stdout=out,
        )  # fmt: skip
    assert {reload(c).definition.version for c in (ready, renamed)} == {2}
    assert reload(flagged).definition.version == 1
    assert "2 migrated / 已迁移 2 件" in out.getvalue()
    assert last_entry("CMD-1", "instance.migrated").actor == "ops-admin"
    assert "CMD-3" in out.getvalue()
