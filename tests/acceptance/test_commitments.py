"""Conditional acceptance under a time-limited commitment: policy, signing, deadlines, reminders.

Cases run through the real process; the clock travels (time-machine) across each deadline, and
the BPMN deadline timer (``fire_due_timers``) and the commitment sweep (``commitments_sweep``)
are run in both orders and twice to show they end in the same single transition.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from acceptance.deadlines import SHANGHAI
from acceptance.exceptions import CaseStateConflict, NotPermitted, NotTolerable, OwnerNotEligible
from acceptance.models import Case, CatalogItem, Commitment, CommitmentPolicy, Notification
from acceptance.services.commitments import commitment_sign, commitments_sweep
from certificates.models import Certificate
from workflows.timers import fire_due_timers

from .conftest import CORE_DOCUMENT, TOLERATED, CaseFlow, make_user

pytestmark = pytest.mark.django_db(transaction=True)

CONDITIONAL, FULL = Certificate.Kind.CONDITIONAL, Certificate.Kind.FULL
ISSUED, SUSPENDED, SUPERSEDED = (
    Certificate.Status.ISSUED,
    Certificate.Status.SUSPENDED,
    Certificate.Status.SUPERSEDED,
)
Status = Commitment.Status


@pytest.fixture
def supervisor(world):
    return make_user("supervisor_test", "supervisors")


@pytest.fixture
def with_emails(world, supervisor):
    for user in (world.owner, supervisor):
        user.email = f"{user.username}@example.org"
        user.save()


def conditional_case(open_case) -> CaseFlow:
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    return flow


def kinds_count(flow: CaseFlow, kind: str) -> int:
    return len(flow.journal(kind))


# -- policy and decision --------------------------------------------------------------------------


def test_an_owner_without_eligibility_is_refused_conditional_acceptance_and_nothing_changes(
    open_case, world
):
    world.organisation.conditional_eligible = False
    world.organisation.eligibility_reason = "信用等级 C 级 credit rating C"
    world.organisation.save()
    flow = conditional_case(open_case)

    with pytest.raises(OwnerNotEligible) as refused:
        flow.decide("conditional", [TOLERATED])

    assert "不具备容缺受理资格" in refused.value.message_zh
    assert "信用等级 C 级" in refused.value.message_zh
    assert "may not use conditional acceptance" in refused.value.message_en
    assert flow.status == Case.Status.UNDER_REVIEW
    assert flow.open_tasks() == ["acceptance_decision"]
    assert not flow.case.decisions.exists()


def test_a_policy_that_tolerates_only_other_items_refuses_the_item_and_a_core_item_cannot_be_listed(
    open_case,
):
    CommitmentPolicy.objects.create(tolerable_codes=["E3-2"])
    flow = conditional_case(open_case)

    with pytest.raises(NotTolerable) as refused:
        flow.decide("conditional", [TOLERATED])
    assert refused.value.data["items"] == [TOLERATED]
    assert flow.status == Case.Status.UNDER_REVIEW

    core = CommitmentPolicy(tolerable_codes=[CORE_DOCUMENT, "D-1"])
    with pytest.raises(ValidationError) as invalid:
        core.full_clean()
    message = str(invalid.value.message_dict["tolerable_codes"])
    assert "主审要件不得容缺" in message and CORE_DOCUMENT in message and "D-1" in message


def test_a_core_item_flagged_tolerable_in_the_catalog_is_still_never_tolerated(open_case):
    flow = conditional_case(open_case)
    CatalogItem.objects.filter(code=CORE_DOCUMENT).update(tolerable=True)

    with pytest.raises(NotTolerable) as refused:
        flow.decide("conditional", [CORE_DOCUMENT])
    assert refused.value.data["items"] == [CORE_DOCUMENT]


def test_a_policy_with_a_bad_period_or_bad_reminders_is_refused_with_both_languages():
    policy = CommitmentPolicy(period="P4M", reminder_offsets=[30, -1])
    with pytest.raises(ValidationError) as invalid:
        policy.full_clean()
    errors = invalid.value.message_dict
    assert "3 或 6 个月" in str(errors["period"]) and "3 or 6 months" in str(errors["period"])
    assert "正整数" in str(errors["reminder_offsets"])


# -- signing ---------------------------------------------------------------------------------------


def test_the_owner_signs_the_pdf_shown_and_the_journal_keeps_its_hash_user_and_time(open_case):
    flow = conditional_case(open_case)
    flow.decide("conditional", [TOLERATED])
    commitment = flow.commitment
    assert commitment.terms["reminder_offsets"] == [30, 7, 1]

    with pytest.raises(CaseStateConflict) as stale:
        commitment_sign(commitment=commitment, user=flow.owner, viewed_sha256="0" * 64)
    assert "请重新阅读" in stale.value.message_zh
    with pytest.raises(NotPermitted):
        commitment_sign(commitment=commitment, user=flow.reviewer, viewed_sha256="0" * 64)
    assert flow.commitment.status == Status.DRAFT

    from acceptance.services.commitments import commitment_document

    preview, deadline = commitment_document(commitment, flow.owner, timezone.now())
    signed = commitment_sign(
        commitment=commitment,
        user=flow.owner,
        viewed_sha256=hashlib.sha256(preview).hexdigest(),
    )

    assert signed.status == Status.PENDING
    assert signed.deadline == deadline == datetime(2026, 4, 15, 23, 59, 59, tzinfo=SHANGHAI)
    stored = signed.document.read()
    assert stored == preview
    (entry,) = flow.journal("commitment.pending")
    assert entry.actor == flow.owner.username
    assert entry.payload["pdf_sha256"] == hashlib.sha256(stored).hexdigest()
    assert entry.payload["signed_at"].startswith("2026-01-15")
    assert flow.certificates() == [(CONDITIONAL, ISSUED)]


# -- deadlines: sweep and timer --------------------------------------------------------------------


def test_sweep_then_timer_mark_overdue_once_suspend_notify_then_late_delivery_reinstates_and_upgrades(
    open_case, clock, supervisor, with_emails
):
    flow = conditional_case(open_case)
    flow.accept_conditionally()
    deadline = flow.commitment.deadline
    mail.outbox.clear()

    clock.move_to(deadline - timedelta(minutes=1))
    assert commitments_sweep().overdue == 0
    clock.move_to(deadline + timedelta(minutes=1))
    first = commitments_sweep()
    second = commitments_sweep()

    assert (first.overdue, second.overdue) == (1, 0)
    assert flow.commitment.status == Status.OVERDUE
    assert flow.certificates() == [(CONDITIONAL, SUSPENDED)]
    overdue_notices = Notification.objects.filter(kind=Notification.Kind.OVERDUE)
    assert sorted(overdue_notices.values_list("recipient__username", flat=True)) == [
        "owner_test",
        "supervisor_test",
    ]
    assert sorted(m.to[0] for m in mail.outbox if "逾期" in m.subject) == [
        "owner_test@example.org",
        "supervisor_test@example.org",
    ]
    (entry,) = flow.journal("commitment.overdue")
    assert entry.actor == "system:commitment-sweep"

    # The BPMN timer fires after the sweep: its path runs, the commitment changes nothing more.
    assert fire_due_timers() == 1
    assert kinds_count(flow, "commitment.overdue") == 1
    assert kinds_count(flow, "certificate.suspended") == 1
    assert overdue_notices.count() == 2
    assert flow.open_tasks() == []

    flow.deliver()
    flow.review("check_late_delivery", delivery_verdict="approve")
    assert flow.commitment.status == Status.FULFILLED_LATE
    kinds = flow.journal_kinds()
    assert kinds.index("certificate.reinstated") < kinds.index("certificate.superseded")
    assert flow.certificates() == [(CONDITIONAL, SUPERSEDED), (FULL, ISSUED)]
    assert flow.status == Case.Status.ARCHIVED


def test_timer_then_sweep_changes_nothing_more_and_a_long_overdue_commitment_is_escalated(
    open_case, clock, supervisor
):
    flow = conditional_case(open_case)
    flow.accept_conditionally()
    deadline = flow.commitment.deadline

    clock.move_to(deadline + timedelta(hours=2))
    assert fire_due_timers() == 1
    assert commitments_sweep().overdue == 0
    (entry,) = flow.journal("commitment.overdue")
    assert entry.actor == "system"

    clock.move_to(deadline + timedelta(days=29))
    assert commitments_sweep().escalated == 0
    clock.move_to(deadline + timedelta(days=31))
    assert commitments_sweep().escalated == 1
    assert commitments_sweep().escalated == 0
    commitment = flow.commitment
    assert commitment.status == Status.ESCALATED
    assert "逾期超过 30 天" in commitment.reason
    (record,) = Notification.objects.filter(kind=Notification.Kind.ESCALATED)
    assert record.recipient == supervisor

    flow.deliver()
    flow.review("check_late_delivery", delivery_verdict="approve")
    assert flow.commitment.status == Status.FULFILLED_LATE
    assert flow.certificates() == [(CONDITIONAL, SUPERSEDED), (FULL, ISSUED)]


def test_a_deadline_on_a_public_holiday_is_due_only_after_the_holiday(open_case, clock):
    flow = conditional_case(open_case)
    clock.move_to(datetime(2026, 7, 1, 10, tzinfo=SHANGHAI))
    flow.accept_conditionally()
    assert timezone.localtime(flow.commitment.deadline).date() == date(2026, 10, 8)

    clock.move_to(datetime(2026, 10, 2, 10, tzinfo=SHANGHAI))  # past 1 October, a holiday
    assert commitments_sweep().overdue == 0
    assert fire_due_timers() == 0
    clock.move_to(datetime(2026, 10, 9, 0, 1, tzinfo=SHANGHAI))
    assert fire_due_timers() == 1
    assert flow.commitment.status == Status.OVERDUE


def test_working_day_policy_counts_across_the_spring_festival(open_case, clock):
    CommitmentPolicy.objects.create(day_count="working")
    flow = conditional_case(open_case)
    flow.accept_conditionally()  # signed 15 January 2026, the Spring Festival ahead
    assert timezone.localtime(flow.commitment.deadline).date() == date(2026, 4, 23)

    clock.move_to(datetime(2026, 4, 16, 10, tzinfo=SHANGHAI))  # 3 calendar months later
    assert commitments_sweep().overdue == 0
    clock.move_to(datetime(2026, 4, 24, 0, 1, tzinfo=SHANGHAI))
    assert commitments_sweep().overdue == 1


# -- reminders -------------------------------------------------------------------------------------


def test_each_reminder_is_sent_once_even_when_the_sweep_runs_twice(open_case, clock, with_emails):
    flow = conditional_case(open_case)
    flow.accept_conditionally()
    deadline = flow.commitment.deadline  # 15 April 2026
    mail.outbox.clear()

    clock.move_to(deadline - timedelta(days=31))
    assert commitments_sweep().reminders == 0
    clock.move_to(deadline - timedelta(days=30))
    assert (commitments_sweep().reminders, commitments_sweep().reminders) == (1, 0)
    clock.move_to(deadline - timedelta(days=7))
    assert (commitments_sweep().reminders, commitments_sweep().reminders) == (1, 0)

    reminders = Notification.objects.filter(kind=Notification.Kind.REMINDER).order_by("pk")
    assert [n.title_zh for n in reminders] == [
        f"{flow.case.reference} 承诺还剩 30 天到期",
        f"{flow.case.reference} 承诺还剩 7 天到期",
    ]
    assert {n.recipient for n in reminders} == {flow.owner}
    assert [m.to for m in mail.outbox] == [["owner_test@example.org"]] * 2
    assert "2026-04-15 23:59" in mail.outbox[0].body


# -- the paused clock ------------------------------------------------------------------------------


def test_a_returned_delivery_pauses_the_clock_and_resubmission_moves_the_deadline(open_case, clock):
    CommitmentPolicy.objects.create(pause_on_return=True)
    flow = conditional_case(open_case)
    flow.accept_conditionally()
    signed_deadline = flow.commitment.deadline
    (first,) = flow.deliver()
    clock.move_to(signed_deadline - timedelta(days=10))
    flow.review("check_delivery", delivery_verdict="return", delivery_comment="缺少签章页")
    assert flow.commitment.paused_at is not None
    assert flow.instance.next_timer_at is None  # no deadline timer while paused

    clock.move_to(signed_deadline + timedelta(days=5))  # the signed deadline passes, paused
    assert commitments_sweep().overdue == 0
    assert fire_due_timers() == 0
    flow.deliver(variant=2, supersedes=first)

    commitment = flow.commitment
    assert commitment.paused_at is None
    assert commitment.initial_deadline == signed_deadline
    assert abs(commitment.deadline - (signed_deadline + timedelta(days=15))) < timedelta(minutes=1)
    flow.review("check_delivery", delivery_verdict="approve")
    assert flow.commitment.status == Status.FULFILLED
    assert flow.certificates() == [(CONDITIONAL, SUPERSEDED), (FULL, ISSUED)]
