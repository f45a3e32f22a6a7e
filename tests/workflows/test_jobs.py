"""The job path (workflows/jobs): the row first, the message after commit, leases, retries, the
sweep. Run eagerly here; tests/integration/test_faults.py breaks the real broker, worker and
database under it."""

from __future__ import annotations

import errno
import io
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError

from workflows.jobs.lease import Heartbeat, job_finish, job_renew, job_take
from workflows.jobs.outbox import job_enqueue
from workflows.jobs.retry import backoff_seconds, is_transient
from workflows.jobs.sweep import jobs_sweep
from workflows.jobs.worker import job_task
from workflows.models import OutboxJob

NOW = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db

CALLS: list[tuple] = []
FAILURES: list[Exception] = []


@job_task("wftest.job", soft_time_limit=30)
def wftest_job(*args) -> None:
    CALLS.append(args)
    if FAILURES:
        raise FAILURES.pop(0)


@pytest.fixture(autouse=True)
def calls():
    CALLS.clear()
    FAILURES.clear()
    yield CALLS
    FAILURES.clear()


@pytest.fixture
def sent(monkeypatch):
    """What the relay hands to Celery, without running it."""
    messages = []
    monkeypatch.setattr(
        wftest_job,
        "apply_async",
        lambda args, countdown=None: messages.append((args[0], countdown)),
    )
    return messages


# -- the outbox and the relay -------------------------------------------------------------------


def test_a_job_is_a_row_of_its_transaction_and_runs_once_it_commits(
    calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        job = job_enqueue("wftest.job", 7, "x")
        assert calls == []  # nothing leaves before the commit

    assert calls == [(7, "x")]
    job.refresh_from_db()
    assert (job.status, job.tries, job.lock_owner) == ("done", 1, "")
    assert job.finished_at is not None


def test_a_rolled_back_change_leaves_no_job(calls, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        job_enqueue("wftest.job", 1)
        raise RuntimeError("the change failed")

    assert calls == []
    assert not OutboxJob.objects.exists()


def test_a_broker_outage_at_commit_is_logged_and_the_row_waits_for_the_sweep(
    calls, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(wftest_job, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue("wftest.job", 3)  # no exception reaches the caller

    assert "the sweep will send it again" in caplog.text
    assert OutboxJob.objects.get(pk=job.pk).status == "pending"
    monkeypatch.undo()
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6)):
        assert jobs_sweep() == 1
    assert calls == [(3,)]
    assert OutboxJob.objects.get(pk=job.pk).status == "done"


# -- leases -------------------------------------------------------------------------------------


def test_one_worker_holds_a_job_and_a_second_take_gets_nothing():
    job = OutboxJob.objects.create(task="wftest.job")

    assert job_take(job.pk, "worker-a") is not None
    assert job_take(job.pk, "worker-b") is None
    assert not job_renew(job.pk, "worker-b")
    assert job_renew(job.pk, "worker-a")


def test_an_expired_lease_lets_another_worker_take_the_job(settings):
    settings.WORKFLOWS_JOB_LEASE_SECONDS = 60
    job = OutboxJob.objects.create(task="wftest.job")
    with time_machine.travel(NOW, tick=False):
        job_take(job.pk, "dead-worker")
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        taken = job_take(job.pk, "worker-b")

    assert (taken.lock_owner, taken.tries) == ("worker-b", 2)
    # The dead worker, should it wake up, can neither renew nor finish the job any more.
    assert not job_renew(job.pk, "dead-worker")
    assert not job_finish(job.pk, "dead-worker")


def test_a_finished_job_is_never_taken_again():
    job = OutboxJob.objects.create(task="wftest.job")
    job_take(job.pk, "worker-a")
    job_finish(job.pk, "worker-a")

    assert job_take(job.pk, "worker-b") is None


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_keeps_renewing_the_lease_while_the_job_runs(settings):
    settings.WORKFLOWS_JOB_LEASE_SECONDS = 60
    settings.WORKFLOWS_JOB_HEARTBEAT_SECONDS = 0.05
    job = OutboxJob.objects.create(task="wftest.job")
    job_take(job.pk, "worker-a")
    taken = OutboxJob.objects.get(pk=job.pk)

    with Heartbeat(job.pk, "worker-a"):
        time.sleep(0.5)

    beaten = OutboxJob.objects.get(pk=job.pk)
    assert beaten.heartbeat_at > taken.heartbeat_at
    assert beaten.lock_expires_at > taken.lock_expires_at


# -- what a worker does with a message -----------------------------------------------------------


def test_a_duplicate_message_of_a_finished_job_does_nothing(calls, sent):
    job = OutboxJob.objects.create(task="wftest.job", args=[5])
    wftest_job.run(job.pk)
    wftest_job.run(job.pk)

    assert calls == [(5,)]


def test_a_message_for_a_job_another_worker_holds_comes_back_when_the_lease_ends(
    calls, sent, settings
):
    settings.WORKFLOWS_JOB_LEASE_SECONDS = 60
    job = OutboxJob.objects.create(task="wftest.job", args=[5])
    with time_machine.travel(NOW, tick=False):
        job_take(job.pk, "busy-worker")
    with time_machine.travel(NOW + timedelta(seconds=20), tick=False):
        wftest_job.apply(args=(job.pk,))  # as the in-process (eager) call does: no coming back
        assert sent == []
        wftest_job.run(job.pk)  # as a worker does

    assert calls == []
    assert OutboxJob.objects.get(pk=job.pk).lock_owner == "busy-worker"
    assert sent == [(job.pk, 41)]


def test_a_transient_error_gives_the_job_back_with_a_backoff(calls, sent, settings):
    settings.WORKFLOWS_JOB_BACKOFF_SECONDS = 4
    FAILURES.append(OperationalError("could not connect to server: Connection refused"))
    job = OutboxJob.objects.create(task="wftest.job", args=[1])

    with time_machine.travel(NOW, tick=False):
        wftest_job.run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.lock_owner, job.tries) == ("pending", "", 1)
    assert job.available_at == NOW + timedelta(seconds=4)
    assert job.error.startswith("OperationalError: could not connect")
    assert sent == [(job.pk, 4)]
    wftest_job.run(job.pk)
    assert OutboxJob.objects.get(pk=job.pk).status == "done"
    assert calls == [(1,), (1,)]


def test_a_job_failing_transiently_past_its_tries_fails_for_good(calls, sent, settings):
    settings.WORKFLOWS_JOB_ATTEMPTS = 2
    FAILURES.extend([TimeoutError("slow"), TimeoutError("slow")])
    job = OutboxJob.objects.create(task="wftest.job")

    wftest_job.run(job.pk)
    wftest_job.run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.tries, job.error) == ("failed", 2, "TimeoutError: slow")


def test_a_real_error_fails_the_job_at_once(calls, sent):
    FAILURES.append(ValueError("not a drawing"))
    job = OutboxJob.objects.create(task="wftest.job")

    wftest_job.run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.tries, job.error) == ("failed", 1, "ValueError: not a drawing")
    assert sent == []


def test_the_task_takes_its_soft_time_limit_from_settings_over_its_default():
    assert (wftest_job.soft_time_limit, wftest_job.time_limit) == (30, 90)


# -- retry policy -------------------------------------------------------------------------------


def test_connection_broker_and_timeout_errors_are_transient_and_others_are_not():
    assert is_transient(OperationalError("server closed the connection unexpectedly"))
    assert is_transient(BrokerError("connection refused"))
    assert is_transient(ConnectionResetError())
    assert is_transient(TimeoutError())
    assert is_transient(OSError(errno.ENOSPC, "No space left on device"))
    assert not is_transient(OSError(errno.EACCES, "Permission denied"))
    wrapped = RuntimeError("while checking")
    wrapped.__cause__ = ConnectionRefusedError()
    assert is_transient(wrapped)
    assert not is_transient(ValueError("bad file"))
    assert not is_transient(KeyError("x"))


def test_the_backoff_doubles_up_to_its_cap(settings):
    settings.WORKFLOWS_JOB_BACKOFF_SECONDS = 5
    settings.WORKFLOWS_JOB_BACKOFF_MAX_SECONDS = 30
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 30, 30]


# -- the sweep ----------------------------------------------------------------------------------


def test_the_sweep_sends_again_what_nobody_took_in_time_or_a_dead_worker_held(sent, settings):
    settings.WORKFLOWS_JOB_PICKUP_SECONDS = 300
    settings.WORKFLOWS_JOB_LEASE_SECONDS = 120
    with time_machine.travel(NOW, tick=False):
        lost = OutboxJob.objects.create(task="wftest.job")
        fresh = OutboxJob.objects.create(task="wftest.job", available_at=NOW + timedelta(minutes=9))
        held_by_dead = OutboxJob.objects.create(task="wftest.job")
        job_take(held_by_dead.pk, "dead-worker")
        OutboxJob.objects.create(task="wftest.job", status="done")
        OutboxJob.objects.create(task="wftest.job", status="failed")
    with time_machine.travel(NOW + timedelta(minutes=5, seconds=1), tick=False):
        held_by_live = OutboxJob.objects.create(task="wftest.job", available_at=NOW)
        job_take(held_by_live.pk, "live-worker")

        assert jobs_sweep() == 2
        assert sorted(job_id for job_id, _ in sent) == [lost.pk, held_by_dead.pk]
        # Sent again: the next sweep waits a full pickup time before sending it once more.
        assert jobs_sweep() == 0
    assert OutboxJob.objects.get(pk=lost.pk).sends == 1
    assert OutboxJob.objects.get(pk=fresh.pk).sends == 0


def test_a_sweep_during_a_broker_outage_stops_at_the_first_failure_and_the_next_sends_all(
    monkeypatch, settings, calls
):
    """One failed send tells the broker is away: the sweep does not spend seconds on every row,
    and no row waits a full pickup time after the broker is back for a send that never left."""
    settings.WORKFLOWS_JOB_PICKUP_SECONDS = 300
    tried = []

    def broker_down(args, countdown=None):
        tried.append(args[0])
        raise BrokerError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    with time_machine.travel(NOW, tick=False):
        rows = [OutboxJob.objects.create(task="wftest.job", args=[n]) for n in range(3)]
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        monkeypatch.setattr(wftest_job, "apply_async", broker_down)
        assert jobs_sweep() == 0
        assert len(tried) == 1
        monkeypatch.undo()
    with time_machine.travel(NOW + timedelta(minutes=6, seconds=5), tick=False):
        assert jobs_sweep() == 3
    assert sorted(calls) == [(0,), (1,), (2,)]
    assert {row.status for row in OutboxJob.objects.filter(pk__in=[r.pk for r in rows])} == {"done"}


def test_the_sweep_command_reports_what_it_sent(sent, settings):
    settings.WORKFLOWS_JOB_PICKUP_SECONDS = 60
    OutboxJob.objects.create(task="wftest.job", available_at=datetime(2020, 1, 1, tzinfo=UTC))
    out = io.StringIO()

    call_command("sweep_jobs", stdout=out)

    assert out.getvalue() == "1 job(s) sent again\n"
