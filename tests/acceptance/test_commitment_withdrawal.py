"""The archive withdraws a commitment (撤销): while pending and while overdue.

Cases run through the real process: the withdrawal message ends the wait for delivery and the
deadline timer, the service task withdraws the commitment (journaled with actor and reason),
revokes the conditional certificate and returns the case to the owner's supplement step. The
clock then travels past the deadline: no timer fires, the sweep finds nothing, no incident.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from acceptance.exceptions import AcceptanceError, CaseStateConflict, NotPermitted
from acceptance.models import Case, Commitment, CommitmentPolicy, Notification
from acceptance.services.commitments import commitment_withdraw, commitments_sweep
from certificates.models import Certificate
from tests.api.conftest import token_client
from workflows.replay import replay_instance
from workflows.timers import fire_due_timers

from .conftest import TOLERATED, CaseFlow, make_user

pytestmark = pytest.mark.django_db(transaction=True)

CONDITIONAL, FULL = Certificate.Kind.CONDITIONAL, Certificate.Kind.FULL
Status = Commitment.Status
REASON = "建设单位提供的容缺材料承诺与实际不符，撤销容缺受理"


@pytest.fixture
def supervisor(world):
    return make_user("supervisor_test", "supervisors")


@pytest.fixture
def committed(open_case) -> CaseFlow:
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    flow.accept_conditionally()
    return flow


def assert_withdrawn(flow: CaseFlow, actor: str, was: str) -> None:
    commitment = flow.commitment
    assert commitment.status == Status.WITHDRAWN
    assert commitment.reason == REASON
    (entry,) = flow.journal("commitment.withdrawn")
    assert entry.actor == actor
    assert entry.payload["reason"] == REASON
    assert entry.payload["from"] == was
    (revoked,) = flow.journal("certificate.revoked")
    assert REASON in revoked.payload["reason"]
    assert flow.certificates() == [(CONDITIONAL, Certificate.Status.REVOKED)]
    assert flow.status == Case.Status.RETURNED
    assert flow.open_tasks() == ["supplement"]
    (notice,) = Notification.objects.filter(kind=Notification.Kind.WITHDRAWN)
    assert notice.recipient == flow.owner and REASON in notice.body_zh


def test_withdrawing_a_pending_commitment_revokes_the_certificate_and_returns_the_case(
    committed, clock
):
    flow = committed
    deadline = flow.commitment.deadline

    commitment_withdraw(case=flow.case, user=flow.reviewer, reason=f"  {REASON} ")

    assert_withdrawn(flow, "reviewer_test", Status.PENDING)
    # The deadline passes: the timer was cancelled with the wait, the sweep skips the row.
    clock.move_to(deadline + timedelta(days=2))
    assert fire_due_timers() == 0
    assert commitments_sweep().overdue == 0
    clock.move_to(deadline + timedelta(days=40))
    assert commitments_sweep().escalated == 0
    assert flow.instance.incidents.count() == 0
    assert flow.journal("commitment.overdue") == []
    assert replay_instance(flow.instance).verified

    # The owner files the item through the supplement loop; acceptance follows in full.
    flow.upload(TOLERATED)
    flow.complete("supplement")
    assert flow.status == Case.Status.UNDER_REVIEW
    flow.approve_reviews()
    flow.decide("accept", comment="材料已齐全")
    assert flow.status == Case.Status.ARCHIVED
    assert flow.certificates() == [
        (CONDITIONAL, Certificate.Status.REVOKED),
        (FULL, Certificate.Status.ISSUED),
    ]
    assert replay_instance(flow.instance).verified


def test_withdrawing_an_overdue_commitment_ends_the_wait_for_late_delivery(
    committed, clock, supervisor
):
    flow = committed
    deadline = flow.commitment.deadline
    clock.move_to(deadline + timedelta(hours=1))
    assert fire_due_timers() == 1
    assert flow.commitment.status == Status.OVERDUE
    assert flow.certificates() == [(CONDITIONAL, Certificate.Status.SUSPENDED)]

    commitment_withdraw(case=flow.case, user=supervisor, reason=REASON)

    assert_withdrawn(flow, "supervisor_test", Status.OVERDUE)
    clock.move_to(deadline + timedelta(days=40))
    assert fire_due_timers() == 0
    sweep = commitments_sweep()
    assert (sweep.overdue, sweep.escalated) == (0, 0)
    assert flow.instance.incidents.count() == 0
    assert replay_instance(flow.instance).verified


def test_withdrawing_while_the_clock_is_paused_after_a_returned_delivery(open_case, clock):
    CommitmentPolicy.objects.create(pause_on_return=True)
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    flow.accept_conditionally()
    deadline = flow.commitment.deadline
    flow.deliver()
    flow.review("check_delivery", delivery_verdict="return", delivery_comment="缺少签章页")
    assert flow.commitment.paused_at is not None

    commitment_withdraw(case=flow.case, user=flow.reviewer, reason=REASON)

    assert_withdrawn(flow, "reviewer_test", Status.PENDING)
    clock.move_to(deadline + timedelta(days=40))
    assert fire_due_timers() == 0
    assert commitments_sweep().overdue == 0
    assert flow.instance.incidents.count() == 0
    assert replay_instance(flow.instance).verified


def test_owners_empty_reasons_and_settled_commitments_are_refused_and_nothing_changes(
    committed,
):
    flow = committed
    journal_length = len(flow.journal())

    with pytest.raises(NotPermitted) as refused:
        commitment_withdraw(case=flow.case, user=flow.owner, reason=REASON)
    assert "审核人员" in refused.value.message_zh and "reviewers" in refused.value.message_en
    with pytest.raises(AcceptanceError) as empty:
        commitment_withdraw(case=flow.case, user=flow.reviewer, reason="   ")
    assert "理由" in empty.value.message_zh and "reason" in empty.value.message_en
    assert flow.commitment.status == Status.PENDING
    assert len(flow.journal()) == journal_length

    # While the archive checks a delivery the process is not waiting for a withdrawal.
    flow.deliver()
    with pytest.raises(CaseStateConflict) as reviewing:
        commitment_withdraw(case=flow.case, user=flow.reviewer, reason=REASON)
    assert "核验" in reviewing.value.message_zh and "under review" in reviewing.value.message_en
    assert flow.open_tasks() == ["check_delivery"]

    flow.review("check_delivery", delivery_verdict="approve")
    assert flow.commitment.status == Status.FULFILLED
    with pytest.raises(CaseStateConflict) as settled:
        commitment_withdraw(case=flow.case, user=flow.reviewer, reason=REASON)
    assert "按期履约" in settled.value.message_zh and "fulfilled" in settled.value.message_en
    assert flow.commitment.status == Status.FULFILLED
    assert flow.journal("commitment.withdrawn") == []


def test_the_page_offers_withdrawal_to_staff_only_and_refuses_owners_and_auditors(committed):
    flow = committed
    page = reverse("acceptance:commitment", args=[flow.case.reference])
    url = reverse("acceptance:commitment_withdraw", args=[flow.case.reference])

    owner = Client()
    owner.force_login(flow.owner)
    assert 'id="withdraw-form"' not in owner.get(page).content.decode()
    response = owner.post(url, {"reason": REASON})
    assert response.status_code == 302
    (message,) = get_messages(response.wsgi_request)
    assert "审核人员" in str(message) and "reviewers" in str(message)

    auditor = Client()
    auditor.force_login(make_user("auditor_test", "auditors"))
    response = auditor.post(url, {"reason": REASON})
    # The domain refuses an auditor (a bilingual message); a read-only middleware, where one is
    # installed, answers 403 before the view runs.
    if response.status_code != 403:
        (message,) = get_messages(response.wsgi_request)
        assert "审核人员" in str(message) and "reviewers" in str(message)
    assert flow.commitment.status == Status.PENDING

    reviewer = Client()
    reviewer.force_login(flow.reviewer)
    assert 'id="withdraw-form"' in reviewer.get(page).content.decode()
    response = reviewer.post(url, {"reason": ""}, follow=True)
    text = response.content.decode()
    assert "撤销承诺须填写理由" in text and "give a reason" in text
    assert flow.commitment.status == Status.PENDING

    response = reviewer.post(url, {"reason": REASON}, follow=True)
    text = response.content.decode()
    assert "承诺已撤销" in text and "withdrawn" in text
    assert 'id="withdraw-form"' not in text
    assert REASON in text  # the history shows the reason
    assert flow.commitment.status == Status.WITHDRAWN


def test_the_api_withdraws_for_staff_and_answers_refusals_in_the_error_format(committed):
    flow = committed
    url = f"/api/commitments/{flow.commitment.pk}/withdraw/"

    refused = token_client(flow.owner).post(url, {"reason": REASON}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_permitted" and refused.json()["message_zh"]
    auditor = token_client(make_user("auditor_api", "auditors"))
    assert auditor.post(url, {"reason": REASON}, format="json").status_code == 403
    empty = token_client(flow.reviewer).post(url, {}, format="json")
    assert empty.status_code == 400 and "reason" in empty.json()["message_en"]

    done = token_client(flow.reviewer).post(url, {"reason": REASON}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == Status.WITHDRAWN
    again = token_client(flow.reviewer).post(url, {"reason": REASON}, format="json")
    assert again.status_code == 409 and again.json()["message_zh"]
