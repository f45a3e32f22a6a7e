"""An archived case's live workflow rows are compacted; it verifies and replays as before."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command

from workflows.compaction import instance_compact
from workflows.exceptions import InstanceEnded
from workflows.journal import verify_chain
from workflows.models import JournalEntry, ProcessInstance, ServiceJob
from workflows.replay import replay_instance, state_at
from workflows.tasks import compact_instances

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def archived(flow):
    flow.reach_decision()
    flow.decide("accept")
    assert flow.status == "archived"
    assert flow.instance.status == ProcessInstance.Status.COMPLETED
    return flow


def test_an_archived_case_keeps_its_journal_and_verifies_after_compaction(archived, capsys):
    instance = archived.instance
    journal = [(e.sequence, e.entry_hash) for e in archived.journal()]
    certificates = archived.certificates()
    digest = instance.state_digest
    assert ServiceJob.objects.filter(instance=instance).exists()

    outcome = instance_compact(instance.pk)

    assert outcome.compacted, outcome.describe()
    instance.refresh_from_db()
    assert instance.state == "" and instance.state_digest == digest
    assert not ServiceJob.objects.filter(instance=instance).exists()
    assert [(e.sequence, e.entry_hash) for e in archived.journal()] == journal
    assert archived.certificates() == certificates
    assert verify_chain(archived.case.reference).intact
    assert replay_instance(instance).verified
    assert state_at(instance, journal[-1][0]).is_completed()
    call_command("verify_journal", archived.case.reference, "--replay")
    assert "replay verified" in capsys.readouterr().out
    assert not instance_compact(instance.pk).compacted  # once is enough


def test_a_compacted_case_whose_kept_digest_was_altered_fails_the_replay(archived):
    instance_compact(archived.instance.pk)
    ProcessInstance.objects.filter(pk=archived.instance.pk).update(state_digest="0" * 64)

    verdict = replay_instance(archived.instance)

    assert not verdict.verified
    assert verdict.reason == "the instance's saved state differs from its replay"


def test_nothing_more_runs_on_a_compacted_instance(archived):
    from workflows.engine import message_send

    instance_compact(archived.instance.pk)
    with pytest.raises(InstanceEnded):
        message_send(instance_id=archived.instance.pk, name="anything")


def test_a_running_case_or_one_that_does_not_replay_is_left_as_it_is(open_case, archived):
    running = open_case()
    assert not instance_compact(running.instance.pk).compacted

    instance = archived.instance
    state = json.loads(instance.state)
    state["data"]["decision"] = "forged"
    ProcessInstance.objects.filter(pk=instance.pk).update(state=json.dumps(state))

    outcome = instance_compact(instance.pk)

    assert not outcome.compacted
    assert "differs from its replay" in outcome.reason
    instance.refresh_from_db()
    assert json.loads(instance.state)["data"]["decision"] == "forged"
    assert instance.compacted_at is None


def test_the_daily_beat_job_compacts_cases_archived_long_enough_ago(archived, clock):
    schedule = settings.CELERY_BEAT_SCHEDULE["workflows-compact-instances"]
    assert schedule["task"] == "workflows.compact_instances"
    assert compact_instances.delay().get() == 0  # archived today: kept live for now

    clock.move_to(timedelta(days=settings.WORKFLOWS_COMPACT_AFTER_DAYS + 1))

    assert compact_instances.delay().get() == 1
    assert ProcessInstance.objects.get(pk=archived.instance.pk).compacted_at is not None
    assert JournalEntry.objects.filter(chain=archived.case.reference).exists()


def test_the_auditor_still_replays_and_travels_through_a_compacted_case(archived, client):
    from django.urls import reverse

    from tests.acceptance.conftest import make_user

    instance_compact(archived.instance.pk)
    client.force_login(make_user("auditor_test", "auditors"))
    reference = archived.case.reference

    replayed = client.post(reverse("acceptance:timeline_replay", args=[reference]))
    decision = next(
        e for e in archived.journal("task.completed") if e.task_name == "acceptance_decision"
    )
    timeline = client.get(
        reverse("acceptance:timeline", args=[reference]), {"at": decision.sequence}
    )

    assert replayed.status_code == 200 and "全部通过 verified" in replayed.content.decode()
    assert timeline.status_code == 200
