"""Timers: they fire when the sweep (or any action on the instance) finds their deadline passed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from io import StringIO
from uuid import uuid4

import pytest
import time_machine
from django.core.management import call_command

from workflows import tasks
from workflows.engine import task_complete, timer_reschedule
from workflows.exceptions import TaskNotAvailable
from workflows.models import HumanTask, ProcessInstance
from workflows.replay import replay_instance
from workflows.timers import due_instance_ids, fire_due_timers

from .helpers import journal_kinds, last_entry, open_task, open_task_names, reload

NOW = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
REMINDER = NOW + timedelta(hours=1)  # the non-interrupting boundary timer of "work"
DEADLINE = NOW + timedelta(days=1)  # the interrupting one (deadline_after = "P1D")
SECOND = timedelta(seconds=1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def start_at(deploy, start):
    deploy("timers.bpmn")

    def _start_at(moment: datetime, key: str) -> ProcessInstance:
        with time_machine.travel(moment, tick=False):
            return start("wf_timers", key=key, deadline_after="P1D")

    return _start_at


@pytest.fixture
def clerk(make_user):
    return make_user("carol", "clerks")


def sweep_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return fire_due_timers()


def test_the_earliest_deadline_is_stored_on_the_instance(start_at):
    instance = start_at(NOW, "T-1")

    assert instance.next_timer_at == REMINDER
    assert instance.status == "waiting"


def test_a_timer_does_not_fire_before_its_deadline(start_at):
    instance = start_at(NOW, "T-1")

    assert sweep_at(REMINDER - SECOND) == 0

    assert journal_kinds("T-1") == ["instance.started"]
    assert reload(instance).next_timer_at == REMINDER


def test_a_non_interrupting_timer_fires_after_its_duration_and_leaves_the_task_open(start_at):
    instance = start_at(NOW, "T-1")
    work = open_task(instance, "work")

    assert sweep_at(REMINDER + SECOND) == 1

    assert open_task(instance, "work") == work  # the same task, still open
    assert journal_kinds("T-1") == ["instance.started", "timer.fired"]
    assert last_entry("T-1", "timer.fired").payload == {
        "timers": [{"task": "reminder", "due": "2030-01-01 09:00:00+00:00"}]
    }
    instance = reload(instance)
    assert instance.status == "waiting"
    assert instance.next_timer_at == DEADLINE  # the next one still waits
    assert sweep_at(REMINDER + 2 * SECOND) == 0  # fired once only


def test_the_sweep_only_loads_instances_whose_timer_is_due(start_at):
    early = start_at(NOW, "T-EARLY")
    late = start_at(NOW + timedelta(minutes=30), "T-LATE")
    late_updated_at = late.updated_at

    assert due_instance_ids(REMINDER + SECOND) == [early.pk]
    assert sweep_at(REMINDER + SECOND) == 1

    assert journal_kinds("T-EARLY") == ["instance.started", "timer.fired"]
    assert journal_kinds("T-LATE") == ["instance.started"]
    assert reload(late).updated_at == late_updated_at  # never loaded, never saved


def test_an_interrupting_timer_cancels_the_user_task(start_at, clerk):
    instance = start_at(NOW, "T-1")
    sweep_at(REMINDER + SECOND)
    task_id = open_task(instance, "work").task_id

    assert sweep_at(DEADLINE + SECOND) == 1

    assert HumanTask.objects.get(task_id=task_id).status == "cancelled"
    assert open_task_names(instance) == []
    instance = reload(instance)
    assert instance.status == "completed"  # it ended at "expired"
    assert instance.next_timer_at is None
    assert last_entry("T-1", "timer.fired").payload["timers"][0]["task"] == "deadline"
    with pytest.raises(TaskNotAvailable):
        task_complete(task_id=task_id, user=clerk)


def test_both_timers_due_at_once_fire_in_one_sweep(start_at):
    instance = start_at(NOW, "T-1")

    assert sweep_at(DEADLINE + SECOND) == 2

    assert reload(instance).status == "completed"
    fired = last_entry("T-1", "timer.fired").payload["timers"]
    assert sorted(t["task"] for t in fired) == ["deadline", "reminder"]


def test_a_user_completing_before_the_deadline_wins(start_at, clerk):
    instance = start_at(NOW, "T-1")

    with time_machine.travel(DEADLINE - SECOND, tick=False):
        task_complete(task_id=open_task(instance, "work").task_id, user=clerk)

    instance = reload(instance)
    assert instance.status == "completed"
    assert instance.next_timer_at is None
    # The reminder was due before the completion: it fired first, in the same action.
    assert journal_kinds("T-1") == ["instance.started", "timer.fired", "task.completed"]
    assert sweep_at(DEADLINE + SECOND) == 0


def test_timers_are_refreshed_before_any_user_action(start_at, clerk):
    instance = start_at(NOW, "T-1")
    task_id = open_task(instance, "work").task_id

    # The deadline has passed but no sweep ran: the inbox still shows the task.
    with time_machine.travel(DEADLINE + SECOND, tick=False), pytest.raises(TaskNotAvailable):
        task_complete(task_id=task_id, user=clerk)

    assert journal_kinds("T-1") == ["instance.started"]  # the refused action changed nothing
    assert sweep_at(DEADLINE + 2 * SECOND) == 2
    assert HumanTask.objects.get(task_id=task_id).status == "cancelled"


def test_one_broken_instance_does_not_stop_the_sweep_of_the_others(start_at, caplog):
    broken = start_at(NOW, "T-BROKEN")
    healthy = start_at(NOW + SECOND, "T-HEALTHY")
    # A new token, as any writer of the state gives: the engine then loads what is saved.
    ProcessInstance.objects.filter(pk=broken.pk).update(
        state='{"not": "a workflow"', state_token=uuid4()
    )

    with caplog.at_level(logging.ERROR, logger="workflows.timers"):
        assert sweep_at(REMINDER + timedelta(minutes=1)) == 1

    assert journal_kinds("T-HEALTHY") == ["instance.started", "timer.fired"]
    assert journal_kinds("T-BROKEN") == ["instance.started"]
    assert f"firing timers of instance {broken.pk} failed" in caplog.text
    assert reload(healthy).next_timer_at == DEADLINE + SECOND


def test_fire_timers_command_prints_how_many_fired(start_at):
    start_at(NOW, "T-1")
    start_at(NOW, "T-2")
    out = StringIO()

    with time_machine.travel(REMINDER + SECOND, tick=False):
        call_command("fire_timers", stdout=out)
        call_command("fire_timers", stdout=out)

    assert out.getvalue().splitlines() == ["2 timer(s) fired", "0 timer(s) fired"]


def test_the_periodic_celery_task_returns_how_many_fired(start_at):
    start_at(NOW, "T-1")

    with time_machine.travel(REMINDER + SECOND, tick=False):
        assert tasks.fire_due_timers.delay().get() == 1


def test_a_rescheduled_timer_falls_due_at_its_new_deadline_and_replays(start_at):
    instance = start_at(NOW, "T-1")
    sweep_at(REMINDER + SECOND)
    later = DEADLINE + timedelta(days=3)

    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        moved = timer_reschedule(
            instance_id=instance.pk,
            task_name="deadline",
            due=later,
            data={"deadline_after": "P4D"},
            actor="staff",
        )

    assert moved
    assert reload(instance).next_timer_at == later
    entry = last_entry("T-1", "timer.rescheduled")
    assert (entry.actor, entry.task_name) == ("staff", "deadline")
    assert sweep_at(DEADLINE + SECOND) == 0
    assert open_task_names(instance) == ["work"]
    assert sweep_at(later + SECOND) == 1
    assert reload(instance).status == "completed"
    assert replay_instance(reload(instance)).verified


def test_rescheduling_a_timer_nothing_waits_on_changes_nothing(start_at):
    instance = start_at(NOW, "T-1")
    kinds = journal_kinds("T-1")

    assert not timer_reschedule(instance_id=instance.pk, task_name="work", due=DEADLINE)
    assert journal_kinds("T-1") == kinds
