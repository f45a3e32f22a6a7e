"""On PostgreSQL with a worker of its own: a case whose last inputs are not in its saved state
(written every few inputs) is taken on by a process that kept nothing, and goes on."""

import time

import pytest

from acceptance.selectors.cases import case_instance, case_open_task
from workflows import engine
from workflows.engine import task_complete
from workflows.journal import verify_chain
from workflows.models import JournalEntry, ServiceJob
from workflows.replay import replay_instance

pytestmark = pytest.mark.django_db(transaction=True)


def jobs_settled(instance, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while ServiceJob.objects.filter(instance=instance, status=ServiceJob.Status.QUEUED).exists():
        assert time.monotonic() < deadline, "the worker did not finish the case's jobs"
        time.sleep(0.2)


def test_a_process_that_kept_nothing_rebuilds_the_case_from_the_journal(celery_worker):
    from tests.integration.scenario import case_waiting_for_first_guidance

    case, reviewer, _ = case_waiting_for_first_guidance()
    instance = case_instance(case)
    jobs_settled(instance)
    instance.refresh_from_db()
    assert instance.inputs_since_state > 0  # inputs after the state saved, in the journal only

    engine.KEPT_WORKFLOWS.clear()  # this process died; a new one takes the next input
    task = case_open_task(case, "node_guidance")
    task_complete(task_id=task.task_id, user=reviewer, data={"guidance": "approve"})
    jobs_settled(instance)

    instance.refresh_from_db()
    last = JournalEntry.objects.filter(chain=case.reference).exclude(state_digest="")
    assert instance.state_digest == last.order_by("-sequence").first().state_digest
    assert verify_chain(case.reference).intact
    verdict = replay_instance(instance)
    assert verdict.verified, verdict.describe()
