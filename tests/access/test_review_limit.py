"""The archivist's time limit: working days on the holiday calendar, escalated when passed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.test import Client

from access.models import AccessRequest
from access.services import request_instance
from workflows.labels import SHANGHAI
from workflows.models import HumanTask, JournalEntry
from workflows.timers import fire_due_timers
from workflows.workdays import calendar_seed_from_package

from .conftest import tenant_request_submit

# A Friday before the National Day week: five working days end after the holiday.
SUBMITTED = datetime(2026, 9, 25, 10, 0, tzinfo=SHANGHAI)


def test_the_review_is_due_in_five_working_days_and_escalates_without_closing_the_task(
    access_world, time_machine
):
    world = access_world
    calendar_seed_from_package()
    time_machine.move_to(SUBMITTED, tick=True)
    request = tenant_request_submit(world, codes=("A5-1",))
    request.refresh_from_db()
    due = request.review_due_at.astimezone(SHANGHAI)
    # 28-30 Sep are worked, 1-7 Oct are the National Day holiday, 8 and 9 Oct are worked.
    assert (due.date(), due.hour, due.minute) == (date(2026, 10, 9), 17, 30)
    assert request_instance(request).next_timer_at == request.review_due_at

    time_machine.move_to(request.review_due_at - timedelta(minutes=1))
    assert fire_due_timers() == 0
    time_machine.move_to(request.review_due_at + timedelta(minutes=1))
    assert fire_due_timers() == 1
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.UNDER_REVIEW
    assert HumanTask.objects.filter(
        task_name="archivist_review", status=HumanTask.Status.OPEN
    ).exists()
    queue = Client()
    queue.force_login(world.archivist)
    assert "已超时" in queue.get("/access/review/").content.decode()
    # The escalation is on the request's journal: the timer's firing, replayed like any input.
    assert JournalEntry.objects.filter(chain=request.reference, kind="timer.fired").exists()


def test_the_shared_inbox_shows_the_review_due_the_access_queue_shows(access_world, time_machine):
    world = access_world
    calendar_seed_from_package()
    time_machine.move_to(SUBMITTED, tick=True)
    request = tenant_request_submit(world, codes=("A5-1",))
    request.refresh_from_db()
    task = HumanTask.objects.get(task_name="archivist_review", status=HumanTask.Status.OPEN)
    assert task.due_at == request.review_due_at
    client = Client()
    client.force_login(world.archivist)
    inbox = client.get("/tasks/").content.decode()
    queue = client.get("/access/review/").content.decode()
    # The same Shanghai time on both pages, never the inbox's "no due date" dash.
    assert "2026-10-09 17:30" in inbox and "2026-10-09 17:30" in queue
    row = inbox.split(f'id="task-{task.task_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="due">—' not in row
