"""A whole case on PostgreSQL + Redis with a separate Celery worker doing the service jobs."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from acceptance.demo import run_demo
from acceptance.selectors.cases import case_instance, case_open_task
from workflows.engine import task_complete
from workflows.exceptions import TaskNotAvailable
from workflows.journal import verify_chain
from workflows.models import JournalEntry, ServiceJob

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_case_runs_end_to_end_with_a_separate_worker(celery_worker, settings):
    result = run_demo(say=lambda line: None, wait_seconds=90)

    instance = case_instance(result.case)
    assert instance.status == instance.Status.COMPLETED
    assert result.case.status == "archived"
    assert result.journal.intact and result.journal.entries > 50
    assert result.replay.verified, result.replay.describe()
    assert result.package.ok, result.package.describe()
    assert [c.kind for c in result.certificates] == ["conditional", "full"]
    assert [c.status for c in result.certificates] == ["superseded", "issued"]
    for certificate in result.certificates:
        assert certificate.pdf.open("rb").read(5) == b"%PDF-"
    jobs = ServiceJob.objects.filter(instance=instance)
    assert jobs.count() >= 5
    assert set(jobs.values_list("status", flat=True)) == {ServiceJob.Status.SUCCEEDED}
    assert celery_worker.poll() is None, "the worker must still be running"


def test_two_reviewers_deciding_the_same_task_at_once_one_wins(celery_worker):
    """The instance row lock serializes the two completions; the loser is told clearly."""
    from tests.integration.scenario import case_waiting_for_first_guidance

    case, reviewer_a, reviewer_b = case_waiting_for_first_guidance()
    task = case_open_task(case, "node_guidance")
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(user):
        barrier.wait()
        try:
            task_complete(task_id=task.task_id, user=user, data={"guidance": "approve"})
            outcomes.append("completed")
        except TaskNotAvailable:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(user,)) for user in (reviewer_a, reviewer_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["completed", "refused"]
    assert verify_chain(case.reference).intact
    completions = JournalEntry.objects.filter(chain=case.reference, kind="task.completed")
    assert completions.filter(task_name="node_guidance").count() == 1


def test_postgresql_refuses_to_update_or_delete_journal_entries(celery_worker):
    from tests.integration.scenario import case_waiting_for_first_guidance

    case, _, _ = case_waiting_for_first_guidance()
    entry = JournalEntry.objects.filter(chain=case.reference).first()
    for statement in (
        "UPDATE workflows_journalentry SET actor = 'mallory' WHERE id = %s",
        "DELETE FROM workflows_journalentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert verify_chain(case.reference).intact
