"""Commitment sweeps running in parallel on PostgreSQL, with the deadline timer's path racing them:
each due commitment turns overdue once, each notice and reminder is sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from acceptance.models import Commitment, Decision, Notification, Organisation
from acceptance.services.cases import case_open
from acceptance.services.commitments import commitment_transition, commitments_sweep
from acceptance.services.projects import project_register
from workflows.models import JournalEntry

from .scenario import case_waiting_for_first_guidance
from .test_certificate_numbering import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

DUE, UPCOMING = 12, 6
TERMS = {
    "day_count": "calendar",
    "reminder_offsets": [30, 7, 1],
    "pause_on_return": False,
    "escalate_after_days": 30,
}


@pytest.fixture
def commitments(real_stack):
    """DUE commitments past their deadline and UPCOMING ones due in five days."""
    first, reviewer, _other = case_waiting_for_first_guidance()
    users = get_user_model().objects
    owner = first.owner_user
    owner.email = "owner@example.org"
    owner.save()
    supervisor = users.create_user("int_supervisor", email="supervisor@example.org")
    supervisor.groups.add(Group.objects.get_or_create(name="supervisors")[0])
    organisation = Organisation.objects.get(members=owner)
    project = project_register(
        user=owner, owner=organisation, name="并发巡检测试工程", location="上海",
        works_type="building",
    )  # fmt: skip
    now = timezone.now()
    made = []
    for index in range(DUE + UPCOMING):
        case = case_open(project=project, user=owner)
        decision = Decision.objects.create(case=case, outcome="conditional", decided_by=reviewer)
        due = index < DUE
        made.append(
            Commitment.objects.create(
                case=case,
                decision=decision,
                period="P3M",
                status=Commitment.Status.PENDING,
                signed_by=owner,
                signed_at=now - timedelta(days=90),
                deadline=now - timedelta(minutes=index + 1) if due else now + timedelta(days=5),
                terms=TERMS,
            )
        )
    mail.outbox.clear()
    return made


def test_two_sweeps_and_the_timer_path_at_once_change_each_commitment_once(commitments, caplog):
    due = commitments[:DUE]
    now = timezone.now()

    def work(which):
        if which == "timer":  # the BPMN handler's path, commitment by commitment
            return sum(
                commitment_transition(commitment=c, action="mark_overdue", now=now) for c in due
            )
        return commitments_sweep(now)

    results, errors = run_concurrently(work, ["sweep", "sweep", "timer"])

    assert errors == []
    assert "commitment sweep" not in caplog.text  # no commitment failed (e.g. on a deadlock)
    sweeps = [r for r in results if not isinstance(r, int)]
    timer = next(r for r in results if isinstance(r, int))
    assert sum(s.overdue for s in sweeps) + timer == DUE
    assert sum(s.reminders for s in sweeps) == UPCOMING
    assert Commitment.objects.filter(status=Commitment.Status.OVERDUE).count() == DUE
    assert JournalEntry.objects.filter(kind="commitment.overdue").count() == DUE
    overdue = Notification.objects.filter(kind=Notification.Kind.OVERDUE)
    assert overdue.count() == 2 * DUE  # the owner and the supervisor, once each
    assert Notification.objects.filter(kind=Notification.Kind.REMINDER).count() == UPCOMING
    assert len(mail.outbox) == 2 * DUE + UPCOMING

    again = commitments_sweep(now)
    assert (again.overdue, again.reminders) == (0, 0)
    assert len(mail.outbox) == 2 * DUE + UPCOMING
