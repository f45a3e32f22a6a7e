"""Replaying a case's journal reproduces its recorded history, and tampering is named."""

import json
from collections import OrderedDict

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import run_sql
from workflows import definitions
from workflows.definitions import load_specs
from workflows.models import JournalEntry, ProcessDefinition, ProcessInstance
from workflows.replay import replay_instance, state_at
from workflows.spiff import TaskState

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def accepted(flow):
    flow.reach_decision()
    flow.decide("accept")
    return flow


def entry(flow, kind: str, task_name: str = "") -> JournalEntry:
    entries = flow.journal(kind)
    return next(e for e in entries if not task_name or e.task_name == task_name)


def ready_tasks(workflow) -> list[str]:
    return sorted(t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY, manual=True))


def test_an_untouched_case_replays_to_every_recorded_state(accepted):
    verdict = replay_instance(accepted.instance)

    assert verdict.verified, verdict.describe()
    assert verdict.inputs == len(
        [e for e in accepted.journal() if e.instance_id == accepted.instance.pk and e.state_digest]
    )


def test_a_rewritten_decision_makes_the_replay_diverge_at_that_entry(
    accepted, without_append_only_trigger
):
    decision = entry(accepted, "task.completed", "acceptance_decision")
    altered = {**decision.payload, "data": {**decision.payload["data"], "decision": "return"}}
    JournalEntry.objects.filter(pk=decision.pk).update(payload=altered)

    verdict = replay_instance(accepted.instance)

    assert not verdict.verified
    assert (verdict.diverged_at, verdict.kind) == (decision.sequence, "task.completed")
    assert "differs from the state recorded here" in verdict.reason


def test_a_rewritten_service_result_makes_the_replay_diverge_at_that_entry(
    accepted, without_append_only_trigger
):
    checks = entry(accepted, "service.completed", "check_drawing [child]")
    forged = {**checks.payload, "result": {"checked": 0, "failed": []}}
    JournalEntry.objects.filter(pk=checks.pk).update(payload=forged)

    verdict = replay_instance(accepted.instance)

    assert (verdict.verified, verdict.diverged_at) == (False, checks.sequence)


def test_a_deleted_input_makes_the_replay_stop_at_the_next_one(
    accepted, without_append_only_trigger
):
    submit = entry(accepted, "task.completed", "apply_acceptance")
    JournalEntry.objects.filter(pk=submit.pk).delete()

    verdict = replay_instance(accepted.instance)

    later_inputs = [
        e for e in accepted.journal() if e.sequence > submit.sequence and e.state_digest
    ]
    assert not verdict.verified
    assert verdict.diverged_at == later_inputs[0].sequence
    assert "apply_acceptance" in verdict.replayed_tasks[0]


def test_two_swapped_inputs_make_the_replay_diverge(accepted, without_append_only_trigger):
    drawing = entry(accepted, "task.completed", "drawing_review")
    media = entry(accepted, "task.completed", "media_review")
    decision = entry(accepted, "task.completed", "acceptance_decision")
    first, second = sorted((drawing, decision), key=lambda e: e.sequence)
    run_sql("UPDATE workflows_journalentry SET sequence = 999999 WHERE id = %s", first.pk)
    run_sql(
        "UPDATE workflows_journalentry SET sequence = %s WHERE id = %s", first.sequence, second.pk
    )
    run_sql(
        "UPDATE workflows_journalentry SET sequence = %s WHERE id = %s", second.sequence, first.pk
    )

    verdict = replay_instance(accepted.instance)

    assert not verdict.verified
    assert verdict.diverged_at <= max(first.sequence, media.sequence)


def test_an_edited_process_definition_fails_the_replay(accepted):
    definition = accepted.instance.definition
    ProcessDefinition.objects.filter(pk=definition.pk).update(
        bpmn_xml=definition.bpmn_xml.replace('decision == "accept"', 'decision != "accept"')
    )

    verdict = replay_instance(accepted.instance)

    assert not verdict.verified
    assert verdict.reason == "the process definition was altered since deployment"
    assert verdict.diverged_at == 1


def test_specs_parsed_from_an_edited_definition_are_never_kept_for_a_replay(accepted, monkeypatch):
    monkeypatch.setattr(definitions, "_parsed_specs", OrderedDict())
    edited = ProcessDefinition.objects.get(pk=accepted.instance.definition_id)
    edited.bpmn_xml = edited.bpmn_xml.replace('decision == "accept"', 'decision != "accept"')
    load_specs(edited)  # the engine reading a row edited behind its back, since restored

    verdict = replay_instance(ProcessInstance.objects.get(pk=accepted.instance.pk))

    assert verdict.verified, verdict.describe()


def test_a_saved_state_edited_behind_the_journal_fails_the_replay(accepted):
    instance = ProcessInstance.objects.get(pk=accepted.instance.pk)
    state = json.loads(instance.state)
    state["data"]["decision"] = "forged"
    ProcessInstance.objects.filter(pk=instance.pk).update(state=json.dumps(state))

    verdict = replay_instance(ProcessInstance.objects.get(pk=instance.pk))

    assert not verdict.verified
    assert verdict.reason == "the instance's saved state differs from its replay"


def test_time_travel_shows_the_case_as_it_stood_after_any_entry(accepted):
    # The drawings are checked in parallel jobs: the review opens after the last one.
    checks = [
        e for e in accepted.journal("service.completed") if e.task_name == "check_drawing [child]"
    ][-1]
    decision = entry(accepted, "task.completed", "acceptance_decision")

    assert "drawing_review" in ready_tasks(state_at(accepted.instance, checks.sequence))
    before_decision = state_at(accepted.instance, decision.sequence - 1)
    assert ready_tasks(before_decision) == ["acceptance_decision"]
    assert state_at(accepted.instance, accepted.journal()[-1].sequence).is_completed()


def test_verify_journal_with_replay_names_the_diverging_entry(
    accepted, capsys, without_append_only_trigger
):
    call_command("verify_journal", accepted.case.reference, "--replay")
    assert "replay verified" in capsys.readouterr().out

    checks = entry(accepted, "service.completed", "check_drawing [child]")
    JournalEntry.objects.filter(pk=checks.pk).update(payload={**checks.payload, "result": {}})

    with pytest.raises(CommandError):
        call_command("verify_journal", accepted.case.reference, "--replay")
    assert f"#{checks.sequence}" in capsys.readouterr().out
