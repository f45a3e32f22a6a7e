"""The engine: starting instances, service tasks (synchronous and in the background), incidents,
retries and messages. Every action loads the instance from its saved state and saves it again."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from workflows import engine as engine_module
from workflows.engine import (
    incident_retry,
    message_send,
    service_job_deliver,
    service_job_fail,
    service_job_run,
    task_complete,
)
from workflows.exceptions import MessageNotExpected, NoIncidentToRetry
from workflows.incidents import incidents_retry, open_incidents
from workflows.models import HumanTask, Incident, OutboxJob, ProcessInstance, ServiceJob
from workflows.services import DEFERRED, registry
from workflows.spiff import SPIFF_VERSION, TaskState
from workflows.timers import fire_due_timers

from .helpers import (
    journal_kinds,
    last_entry,
    open_task,
    open_task_names,
    reload,
    workflow_of,
)

NOW = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


class Handler:
    """A test service handler that can be told to fail, and writes to the database first."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[dict] = []

    def __call__(self, call, **params):
        self.calls.append({"call": call, **params})
        Group.objects.create(name=f"written by {call.operation} #{len(self.calls)}")
        if self.error is not None:
            raise self.error
        return {"echo": params, "attempt": len(self.calls)}


def task_state(instance, task_name: str) -> str:
    (task,) = [t for t in workflow_of(instance).get_tasks() if t.task_spec.name == task_name]
    return TaskState.get_name(task.state)


def handler_writes() -> list[str]:
    return sorted(
        Group.objects.filter(name__startswith="written by").values_list("name", flat=True)
    )


# -- starting -----------------------------------------------------------------------------------


def test_starting_an_instance_journals_what_was_started(deploy, start, make_user):
    definition = deploy("versioned_v1.bpmn")
    starter = make_user("sam")

    instance = start("wf_versioned", key="START-1", actor=starter, size=3, when=NOW)

    assert instance.status == "waiting"
    assert instance.spiff_version == SPIFF_VERSION
    assert instance.completed_at is None
    entry = last_entry("START-1", "instance.started")
    assert entry.actor == "sam"
    assert entry.instance_id == instance.pk
    assert entry.payload == {
        "process_id": "wf_versioned",
        "version": 1,
        "definition_sha256": definition.content_sha256,
        "data": {"size": 3, "when": "2030-01-01 08:00:00+00:00"},
    }
    assert entry.state_digest == instance.state_digest


def test_an_instance_that_reaches_its_end_is_completed(deploy, start, make_user):
    deploy("versioned_v1.bpmn")
    instance = start("wf_versioned", key="END-1")

    with time_machine.travel(NOW, tick=False):
        task_complete(task_id=open_task(instance, "first").task_id, user=make_user("c", "clerks"))

    instance = reload(instance)
    assert instance.status == "completed"
    assert instance.completed_at == NOW
    assert HumanTask.objects.get(instance=instance).status == "completed"
    assert journal_kinds("END-1") == ["instance.started", "task.completed"]


# -- synchronous services -----------------------------------------------------------------------


@pytest.fixture
def compute(services, deploy) -> Handler:
    handler = services.register("wftest.compute", Handler())
    deploy("service.bpmn")
    return handler


def test_a_synchronous_service_result_lands_in_its_result_variable(compute, start, business_object):
    instance = start("wf_service", key="SYNC-1", amount=21)

    assert instance.status == "waiting"
    assert open_task(instance, "confirm").context == {
        "computed": {"echo": {"value": 42}, "attempt": 1}
    }
    (call,) = compute.calls
    assert call["value"] == 42  # the parameter expression "amount * 2"
    assert call["call"].task_name == "compute"
    assert call["call"].business_object == business_object
    assert handler_writes() == ["written by wftest.compute #1"]


def test_a_synchronous_service_result_is_recorded_in_the_journal_entry(compute, start):
    start("wf_service", key="SYNC-2", amount=1)

    entry = last_entry("SYNC-2", "instance.started")
    assert entry.payload["services"] == [
        {
            "task": "compute",
            "operation": "wftest.compute",
            "result": {"echo": {"value": 2}, "attempt": 1},
        }
    ]


def test_a_failing_service_makes_an_incident_naming_the_real_error(compute, start):
    compute.error = ValueError("boom")

    instance = start("wf_service", key="FAIL-1", amount=1)

    assert instance.status == "incident"
    incident = Incident.objects.get(instance=instance)
    assert incident.error_type == "ValueError"  # not SpiffWorkflow's NameError
    assert incident.message == "boom"
    assert incident.task_name == "compute"
    assert incident.operation == "wftest.compute"
    assert "ValueError: boom" in incident.traceback
    assert incident.resolved_at is None
    assert journal_kinds("FAIL-1") == ["instance.started", "incident.raised"]
    assert last_entry("FAIL-1", "incident.raised").payload == {
        "incident": incident.pk,
        "error": "ValueError",
        "message": "boom",
    }
    assert open_task_names(instance) == []


def test_a_failing_service_leaves_none_of_its_database_writes(compute, start):
    compute.error = ValueError("boom")

    start("wf_service", key="FAIL-2", amount=1)

    assert len(compute.calls) == 1  # it ran, wrote a row, then raised
    assert handler_writes() == []


class Reader:
    """A test handler registered read-only: it reads the database, and writes if told to."""

    def __init__(self, write: bool = False) -> None:
        self.write = write
        self.calls = 0

    def __call__(self, call, **params):
        self.calls += 1
        name = call.business_object.name
        if self.write:
            Group.objects.create(name=f"written by {call.operation} #{self.calls}")
        return {"object": name, "value": params["value"]}


def savepoints_while(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return sum(query["sql"].startswith("SAVEPOINT") for query in queries.captured_queries)


def test_a_read_only_service_runs_without_a_savepoint_of_its_own(services, deploy, start):
    services.register("wftest.compute", Reader())
    deploy("service.bpmn")
    start("wf_service", key="RO-0", amount=1)  # the lane's group is created once, in a savepoint
    wrapped = savepoints_while(lambda: start("wf_service", key="RO-1", amount=1))
    registry.unregister("wftest.compute")
    services.register("wftest.compute", Reader(), read_only=True)

    reading = savepoints_while(lambda: start("wf_service", key="RO-2", amount=3))

    assert reading == wrapped - 1
    instance = ProcessInstance.objects.get(business_key="RO-2")
    assert instance.status == "waiting"
    assert open_task(instance, "confirm").context == {
        "computed": {"object": "business object under test", "value": 6}
    }


def test_a_read_only_service_that_writes_is_refused_and_writes_nothing(services, deploy, start):
    services.register("wftest.compute", Reader(write=True), read_only=True)
    deploy("service.bpmn")

    instance = start("wf_service", key="RO-3", amount=1)

    assert instance.status == "incident"
    incident = Incident.objects.get(instance=instance)
    assert incident.error_type == "ReadOnlyServiceWrote"
    assert "wftest.compute" in incident.message
    assert handler_writes() == []
    assert journal_kinds("RO-3") == ["instance.started", "incident.raised"]


def test_retrying_an_incident_after_the_fix_completes_the_step(compute, start, make_user):
    compute.error = ValueError("boom")
    instance = start("wf_service", key="FAIL-3", amount=5)
    incident = Incident.objects.get(instance=instance)
    compute.error = None  # the handler is fixed

    with time_machine.travel(NOW, tick=False):
        incident_retry(incident_id=incident.pk, actor=make_user("admin"))

    assert reload(instance).status == "waiting"
    assert open_task(instance, "confirm").context == {
        "computed": {"echo": {"value": 10}, "attempt": 2}
    }
    incident.refresh_from_db()
    assert incident.resolved_at == NOW
    assert journal_kinds("FAIL-3") == ["instance.started", "incident.raised", "incident.retried"]
    retried = last_entry("FAIL-3", "incident.retried")
    assert retried.actor == "admin"
    assert retried.payload["incident"] == incident.pk
    assert retried.payload["services"][0]["result"]["attempt"] == 2
    assert handler_writes() == ["written by wftest.compute #2"]


def test_a_resolved_incident_cannot_be_retried_again(compute, start):
    compute.error = ValueError("boom")
    instance = start("wf_service", key="FAIL-4", amount=5)
    incident = Incident.objects.get(instance=instance)
    compute.error = None
    incident_retry(incident_id=incident.pk)

    with pytest.raises(NoIncidentToRetry) as excinfo:
        incident_retry(incident_id=incident.pk)

    assert excinfo.value.code == "no_incident_to_retry"
    assert journal_kinds("FAIL-4").count("incident.retried") == 1


def test_a_retry_that_fails_again_opens_a_new_incident(compute, start):
    compute.error = ValueError("boom")
    instance = start("wf_service", key="FAIL-5", amount=5)
    first = Incident.objects.get(instance=instance)
    compute.error = ValueError("still broken")

    incident_retry(incident_id=first.pk)

    assert reload(instance).status == "incident"
    latest = Incident.objects.filter(instance=instance, resolved_at__isnull=True).get()
    assert latest.message == "still broken"
    assert journal_kinds("FAIL-5")[-2:] == ["incident.retried", "incident.raised"]


def test_a_service_failing_after_a_user_task_keeps_the_users_completion(
    services, deploy, start, make_user
):
    services.register("wftest.record", Handler(error=KeyError("missing")))
    deploy("tasks.bpmn")
    instance = start(
        "wf_tasks", key="FAIL-6", subject="s", amount=1, reviewer_name="rita", review_period="P1D"
    )
    rita = make_user("rita", "wf-reviewers")
    task_complete(
        task_id=open_task(instance, "triage").task_id,
        user=make_user("carol", "clerks"),
        data={"priority": "low"},
    )

    review = task_complete(
        task_id=open_task(instance, "review").task_id, user=rita, data={"decision": "accept"}
    )

    assert review.status == "completed"
    assert reload(instance).status == "incident"
    assert Incident.objects.get(instance=instance).error_type == "KeyError"
    assert journal_kinds("FAIL-6")[-2:] == ["task.completed", "incident.raised"]


# -- asynchronous services ----------------------------------------------------------------------


@pytest.fixture
def background(services, deploy) -> Handler:
    handler = services.register("wftest.background", Handler(), asynchronous=True)
    deploy("async_service.bpmn")
    return handler


@pytest.fixture
def queued(background, start, django_capture_on_commit_callbacks):
    """An instance whose background job is queued, the commit hook not run (no worker yet)."""
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        instance = start("wf_async", key="ASYNC-1", subject="tower A")
    assert len(callbacks) == 1
    return instance


def test_an_asynchronous_service_waits_while_its_job_is_queued(queued, background):
    job = ServiceJob.objects.get(instance=queued)

    assert queued.status == "running"
    assert task_state(queued, "check") == "STARTED"
    assert job.status == "queued"
    assert job.task_name == "check"
    assert job.operation == "wftest.background"
    assert job.params == {"subject": "tower A"}
    assert job.attempts == 1
    assert background.calls == []
    assert open_task_names(queued) == []
    assert last_entry("ASYNC-1", "instance.started").payload["services"] == [
        {"task": "check", "operation": "wftest.background", "job": job.pk}
    ]


def test_running_the_job_feeds_its_result_back_and_advances_the_flow(queued, background):
    job = ServiceJob.objects.get(instance=queued)

    service_job_run(job.pk)

    job.refresh_from_db()
    assert job.status == "succeeded"
    assert job.result == {"echo": {"subject": "tower A"}, "attempt": 1}
    assert job.finished_at is not None
    assert reload(queued).status == "waiting"
    assert open_task(queued, "inspect").context == {"check_result": job.result}
    assert journal_kinds("ASYNC-1") == ["instance.started", "service.completed"]
    assert last_entry("ASYNC-1", "service.completed").payload == {
        "operation": "wftest.background",
        "job": job.pk,
        "params": {"subject": "tower A"},
        "result": job.result,
    }
    assert handler_writes() == ["written by wftest.background #1"]


def test_running_a_finished_job_again_does_nothing(queued, background):
    job = ServiceJob.objects.get(instance=queued)
    service_job_run(job.pk)

    service_job_run(job.pk)

    assert len(background.calls) == 1
    assert journal_kinds("ASYNC-1") == ["instance.started", "service.completed"]
    assert open_task_names(queued) == ["inspect"]


def test_a_failing_background_job_fails_and_makes_an_incident(queued, background):
    background.error = RuntimeError("scanner offline")
    job = ServiceJob.objects.get(instance=queued)

    service_job_run(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "RuntimeError: scanner offline"
    assert reload(queued).status == "incident"
    incident = Incident.objects.get(instance=queued)
    assert (incident.error_type, incident.message) == ("RuntimeError", "scanner offline")
    assert (incident.task_name, incident.operation) == ("check", "wftest.background")
    assert journal_kinds("ASYNC-1") == ["instance.started", "incident.raised"]
    assert handler_writes() == []


class LockRace(OperationalError):
    """What Django raises when PostgreSQL aborts a transaction to break a deadlock."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("deadlock detected")
        self.__cause__ = type("DatabaseError", (Exception,), {"sqlstate": sqlstate})()


class LosesLockRaces(Handler):
    def __init__(self, races: int, sqlstate: str = "40P01") -> None:
        super().__init__()
        self.races, self.sqlstate = races, sqlstate

    def __call__(self, call, **params):
        result = super().__call__(call, **params)
        if len(self.calls) <= self.races:
            raise LockRace(self.sqlstate)
        return result


def test_a_deferred_job_waits_until_its_result_is_delivered_once(queued, services):
    """A handler that hands its work to jobs of its own: the task waits for their result."""
    calls = []

    def hand_over(call, **params):
        calls.append(call.job_id)
        return DEFERRED

    registry.unregister("wftest.background")
    services.register("wftest.background", hand_over, asynchronous=True)
    job = ServiceJob.objects.get(instance=queued)

    service_job_run(job.pk)

    assert calls == [job.pk]
    assert ServiceJob.objects.get(pk=job.pk).status == "queued"
    assert task_state(queued, "check") == "STARTED"
    assert journal_kinds("ASYNC-1") == ["instance.started"]

    service_job_deliver(job.pk, {"checked": 3})
    service_job_deliver(job.pk, {"checked": 4})  # a late second delivery changes nothing

    job.refresh_from_db()
    assert (job.status, job.result) == ("succeeded", {"checked": 3})
    assert open_task(queued, "inspect").context == {"check_result": {"checked": 3}}
    assert journal_kinds("ASYNC-1") == ["instance.started", "service.completed"]


def test_a_deferred_jobs_failure_opens_an_incident_that_queues_it_again(queued, services):
    registry.unregister("wftest.background")
    services.register("wftest.background", lambda call, **params: DEFERRED, asynchronous=True)
    job = ServiceJob.objects.get(instance=queued)
    service_job_run(job.pk)

    service_job_fail(job.pk, ValueError("chunk 2 of 4: the file store is read-only"), tries=3)

    assert ServiceJob.objects.get(pk=job.pk).status == "failed"
    incident = Incident.objects.get(instance=queued)
    assert (incident.error_type, incident.attempts) == ("ValueError", 3)
    incident_retry(incident_id=incident.pk)
    assert ServiceJob.objects.get(pk=job.pk).status == "queued"


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_job_that_loses_a_lock_race_runs_again_instead_of_failing(
    queued, background, services, sqlstate
):
    racer = LosesLockRaces(races=1, sqlstate=sqlstate)
    registry.unregister("wftest.background")
    services.register("wftest.background", racer, asynchronous=True)
    job = ServiceJob.objects.get(instance=queued)

    service_job_run(job.pk)

    job.refresh_from_db()
    assert job.status == "succeeded"
    assert job.result["attempt"] == 2
    assert not Incident.objects.filter(instance=queued).exists()
    # The losing attempt's writes were rolled back with it.
    assert handler_writes() == ["written by wftest.background #2"]


def test_a_job_that_keeps_losing_lock_races_ends_in_an_incident_after_its_tries(
    queued, background, services, settings
):
    settings.WORKFLOWS_SERVICE_ATTEMPTS = {"wftest.background": 2}
    registry.unregister("wftest.background")
    services.register("wftest.background", LosesLockRaces(races=99), asynchronous=True)
    job = ServiceJob.objects.get(instance=queued)

    service_job_run(job.pk)
    assert ServiceJob.objects.get(pk=job.pk).status == "queued"  # a lock race is transient
    service_job_run(job.pk)

    assert ServiceJob.objects.get(pk=job.pk).status == "failed"
    incident = Incident.objects.get(instance=queued)
    assert (incident.error_type, incident.attempts) == ("LockRace", 2)


class ConnectionDrop(OperationalError):
    """What Django raises when the database server closed the connection under a query."""

    def __init__(self) -> None:
        super().__init__("server closed the connection unexpectedly")


class DropsConnection(Handler):
    def __init__(self, drops: int) -> None:
        super().__init__()
        self.drops = drops

    def __call__(self, call, **params):
        result = super().__call__(call, **params)
        if len(self.calls) <= self.drops:
            raise ConnectionDrop()
        return result


def outbox_rows(job):
    return list(
        OutboxJob.objects.filter(task="workflows.run_service_job", args=[job.pk]).order_by("pk")
    )


def test_a_transient_error_queues_the_job_again_after_a_backoff_instead_of_an_incident(
    queued, background, services, settings
):
    settings.WORKFLOWS_JOB_BACKOFF_SECONDS = 7
    registry.unregister("wftest.background")
    services.register("wftest.background", DropsConnection(drops=2), asynchronous=True)
    job = ServiceJob.objects.get(instance=queued)

    with time_machine.travel(NOW, tick=False):
        service_job_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts, job.retries) == ("queued", 2, 1)
    assert job.error == "ConnectionDrop: server closed the connection unexpectedly"
    assert not Incident.objects.filter(instance=queued).exists()
    assert reload(queued).status == "running"
    _first, retry = outbox_rows(job)
    assert retry.available_at == NOW + timedelta(seconds=7)
    # A retry is not an input to the process: the journal does not change.
    assert journal_kinds("ASYNC-1") == ["instance.started"]

    with time_machine.travel(NOW + timedelta(seconds=8), tick=False):
        service_job_run(job.pk)
    assert outbox_rows(job)[-1].available_at == NOW + timedelta(seconds=8 + 14)  # doubled
    service_job_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts, job.result["attempt"]) == ("succeeded", 3, 3)
    assert journal_kinds("ASYNC-1") == ["instance.started", "service.completed"]
    assert handler_writes() == ["written by wftest.background #3"]


def test_a_transient_error_past_the_operations_limit_opens_an_incident_naming_the_tries(
    queued, background, services, settings
):
    settings.WORKFLOWS_JOB_ATTEMPTS = 9
    settings.WORKFLOWS_SERVICE_ATTEMPTS = {"wftest.background": 3}
    registry.unregister("wftest.background")
    services.register("wftest.background", DropsConnection(drops=99), asynchronous=True)
    job = ServiceJob.objects.get(instance=queued)

    for _ in range(3):
        service_job_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 3)
    incident = Incident.objects.get(instance=queued)
    assert incident.attempts == 3
    assert incident.message == (
        "server closed the connection unexpectedly（已尝试 3 次 / after 3 tries）"
    )
    assert last_entry("ASYNC-1", "incident.raised").payload["message"] == incident.message

    # Retrying the incident gives the job a fresh round of tries.
    incident_retry(incident_id=incident.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.retries) == ("queued", 4, 0)
    service_job_run(job.pk)
    assert ServiceJob.objects.get(pk=job.pk).status == "queued"


def test_retrying_a_failed_job_queues_it_again(
    queued, background, django_capture_on_commit_callbacks
):
    background.error = RuntimeError("scanner offline")
    job = ServiceJob.objects.get(instance=queued)
    service_job_run(job.pk)
    incident = Incident.objects.get(instance=queued)
    background.error = None

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident_retry(incident_id=incident.pk)

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("queued", 2, "")
    assert reload(queued).status == "running"

    service_job_run(job.pk)

    job.refresh_from_db()
    assert job.status == "succeeded"
    assert job.result["attempt"] == 2
    assert open_task_names(queued) == ["inspect"]
    assert journal_kinds("ASYNC-1") == [
        "instance.started", "incident.raised", "incident.retried", "service.completed",
    ]  # fmt: skip


def test_a_late_result_for_a_task_that_timed_out_is_discarded(queued, background):
    job = ServiceJob.objects.get(instance=queued)
    with time_machine.travel(NOW + timedelta(hours=1, seconds=1), tick=False):
        assert fire_due_timers() == 1  # the one-hour timeout cancels the waiting service task
    assert task_state(queued, "check") == "CANCELLED"

    service_job_run(job.pk)

    job.refresh_from_db()
    assert job.status == "discarded"
    assert job.result is None
    assert reload(queued).status == "completed"  # it ended at "timed_out"
    assert open_task_names(queued) == []
    assert journal_kinds("ASYNC-1") == ["instance.started", "timer.fired", "service.discarded"]
    assert last_entry("ASYNC-1", "service.discarded").payload == {
        "operation": "wftest.background",
        "job": job.pk,
    }


def test_a_job_whose_handler_is_no_longer_registered_makes_an_incident(
    queued, background, services
):
    registry.unregister("wftest.background")  # e.g. a worker running an older release
    job = ServiceJob.objects.get(instance=queued)

    service_job_run(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert reload(queued).status == "incident"
    incident = Incident.objects.get(instance=queued)
    assert incident.error_type == "ServiceNotRegistered"
    assert "no handler is registered for service operation 'wftest.background'" in (
        incident.message
    )

    services.register("wftest.background", background, asynchronous=True)
    incident_retry(incident_id=incident.pk)
    service_job_run(job.pk)

    assert open_task_names(queued) == ["inspect"]


@pytest.mark.django_db(transaction=True)
def test_with_an_eager_celery_the_job_runs_right_after_the_commit(background, start):
    instance = start("wf_async", key="ASYNC-EAGER", subject="tower B")

    job = ServiceJob.objects.get(instance=instance)
    assert job.status == "succeeded"
    assert instance.status == "waiting"
    assert open_task(instance, "inspect").context["check_result"]["echo"] == {"subject": "tower B"}
    assert journal_kinds("ASYNC-EAGER") == ["instance.started", "service.completed"]


# -- messages -----------------------------------------------------------------------------------


@pytest.fixture
def waiting_for_message(deploy, start):
    deploy("message.bpmn")
    return start("wf_message", key="MSG-1")


def test_a_message_the_instance_waits_for_advances_it(waiting_for_message, make_user):
    assert waiting_for_message.status == "waiting"
    assert open_task_names(waiting_for_message) == []

    message_send(
        instance_id=waiting_for_message.pk,
        name="approved",
        payload={"by": "board", "on": NOW},
        actor=make_user("secretary"),
    )

    assert open_task(waiting_for_message, "act").context == {
        "approval": {"by": "board", "on": "2030-01-01 08:00:00+00:00"}
    }
    entry = last_entry("MSG-1", "message.received")
    assert entry.actor == "secretary"
    assert entry.payload == {
        "name": "approved",
        "payload": {"by": "board", "on": "2030-01-01 08:00:00+00:00"},
    }


def test_a_message_the_instance_is_not_waiting_for_is_refused(waiting_for_message):
    with pytest.raises(MessageNotExpected) as excinfo:
        message_send(instance_id=waiting_for_message.pk, name="rejected")

    error = excinfo.value
    assert error.code == "message_not_expected"
    assert error.data == {"message": "rejected"}
    assert "not waiting for the message 'rejected'" in error.message_en
    assert journal_kinds("MSG-1") == ["instance.started"]


def test_a_message_that_already_arrived_is_not_expected_twice(waiting_for_message):
    message_send(instance_id=waiting_for_message.pk, name="approved", payload={"n": 1})

    with pytest.raises(MessageNotExpected):
        message_send(instance_id=waiting_for_message.pk, name="approved", payload={"n": 2})

    assert open_task(waiting_for_message, "act").context == {"approval": {"n": 1}}


# -- the depth of the task tree -----------------------------------------------------------------


def test_a_loop_nearing_spiffworkflows_depth_limit_raises_one_incident_instead_of_ending(
    deploy, start, make_user, monkeypatch
):
    monkeypatch.setattr(engine_module, "TASK_DEPTH_ALARM", 20)
    deploy("loop.bpmn")
    clerk = make_user("clerk", "clerks")
    instance = start("wf_loop", key="LOOP-1", target=50, recorded=0)

    for _ in range(8):
        task_complete(task_id=open_task(instance, "record").task_id, user=clerk)

    incident = Incident.objects.get(instance=instance)
    assert incident.error_type == "TaskTreeTooDeep"
    assert "would end the process silently" in incident.message
    assert reload(instance).status == "incident"
    assert open_task_names(instance) == ["record"]  # the process goes on; nothing ended


# -- incidents in bulk --------------------------------------------------------------------------


def test_open_incidents_are_retried_in_bulk_and_one_refused_stops_no_other(
    background, start, deploy, django_capture_on_commit_callbacks
):
    background.error = RuntimeError("scanner offline")
    with django_capture_on_commit_callbacks(execute=False):
        first = start("wf_async", key="BULK-1", subject="a")
        second = start("wf_async", key="BULK-2", subject="b")
    for instance in (first, second):
        service_job_run(ServiceJob.objects.get(instance=instance).pk)
    resolved = Incident.objects.get(instance=first)
    background.error = None
    incident_retry(incident_id=resolved.pk)

    assert list(open_incidents(operation="wftest.background")) == [
        Incident.objects.get(instance=second)
    ]
    report = incidents_retry(incident_ids=[resolved.pk, Incident.objects.get(instance=second).pk])

    assert report.done == [Incident.objects.get(instance=second).pk]
    assert list(report.refused) == [resolved.pk]
    assert "该异常已处理" in report.refused[resolved.pk]
    assert ServiceJob.objects.get(instance=second).status == "queued"
    assert not open_incidents().exists()


def test_the_retry_incidents_command_retries_every_open_one(
    background, start, deploy, django_capture_on_commit_callbacks
):
    background.error = RuntimeError("scanner offline")
    with django_capture_on_commit_callbacks(execute=True):
        instance = start("wf_async", key="BULK-CMD", subject="a")  # eager: fails at once
    assert reload(instance).status == "incident"
    background.error = None
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("retry_incidents", "--all", "--operation", "wftest.background", stdout=out)

    assert out.getvalue() == "1 incident(s) retried\n"
    assert reload(instance).status == "waiting"
    assert open_task_names(instance) == ["inspect"]


def test_a_job_stopped_at_its_soft_time_limit_opens_an_incident_naming_the_limit(
    queued, background, services, settings
):
    settings.WORKFLOWS_JOB_TIME_LIMITS = {"workflows.run_service_job": 42}
    background.error = SoftTimeLimitExceeded()  # what Celery raises inside the job
    job = ServiceJob.objects.get(instance=queued)

    service_job_run(job.pk)

    assert ServiceJob.objects.get(pk=job.pk).status == "failed"
    incident = Incident.objects.get(instance=queued)
    assert incident.error_type == "JobTimeLimitExceeded"
    assert incident.attempts == 1
    assert "超过了 42 秒的时限" in incident.message
    assert "ran past its time limit of 42 s" in incident.message


def test_staff_retry_the_selected_incidents_from_the_admin(
    background, start, deploy, django_capture_on_commit_callbacks, admin_client
):
    background.error = RuntimeError("scanner offline")
    with django_capture_on_commit_callbacks(execute=True):
        instance = start("wf_async", key="ADMIN-RETRY", subject="a")
    incident = Incident.objects.get(instance=instance)
    background.error = None

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/workflows/incident/",
            {"action": "retry", "_selected_action": [incident.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "已重试 1 个 / 1 retried" in response.content.decode()
    assert reload(instance).status == "waiting"


def test_a_synchronous_service_that_loses_a_lock_race_runs_again_instead_of_an_incident(
    services, deploy, start
):
    services.register("wftest.compute", LosesLockRaces(races=1))
    deploy("service.bpmn")

    instance = start("wf_service", key="SYNC-RACE", amount=1)

    assert instance.status == "waiting"
    assert not Incident.objects.filter(instance=instance).exists()
    assert open_task(instance, "confirm").context["computed"]["attempt"] == 2
    # The losing attempt's writes went with its savepoint.
    assert handler_writes() == ["written by wftest.compute #2"]


def test_a_synchronous_service_that_keeps_losing_lock_races_opens_an_incident(
    services, deploy, start
):
    services.register("wftest.compute", LosesLockRaces(races=99))
    deploy("service.bpmn")

    instance = start("wf_service", key="SYNC-RACES", amount=1)

    assert instance.status == "incident"
    assert Incident.objects.get(instance=instance).error_type == "LockRace"
