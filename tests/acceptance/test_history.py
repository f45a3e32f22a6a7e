"""Time travel of a case's domain objects, folded from its journal alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from acceptance.models import Case, Commitment, Material
from acceptance.selectors.history import case_as_of
from certificates.models import Certificate
from workflows.journal import chain_entries
from workflows.models import JournalEntry

from .conftest import TOLERATED

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fulfilled(open_case):
    """A conditional acceptance whose first delivery is returned and the second approved."""
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    flow.accept_conditionally()
    (first,) = flow.deliver()
    flow.review("check_delivery", delivery_verdict="return", delivery_comment="缺少签章页")
    flow.deliver(variant=2, supersedes=first)
    flow.review("check_delivery", delivery_verdict="approve")
    flow.first_delivery = first
    return flow


def as_of(flow, sequence: int):
    return case_as_of(chain_entries(flow.case.reference), sequence)


def sequence_of(flow, kind: str, *, task_name: str = "", index: int = 0) -> int:
    entries = [e for e in flow.journal(kind) if not task_name or e.task_name == task_name]
    return entries[index].sequence


def test_the_latest_point_agrees_with_the_database_on_every_domain_object(fulfilled):
    now = as_of(fulfilled, fulfilled.journal()[-1].sequence)

    case = fulfilled.refresh()
    assert now.case_status == case.status
    stored = {m.pk: (m.version, m.status, m.sha256) for m in Material.objects.filter(case=case)}
    assert {m.id: (m.version, m.status, m.sha256) for m in now.materials} == stored
    assert now.commitment["status"] == Commitment.Status.FULFILLED == fulfilled.commitment.status
    certificates = {c.number: c.status for c in Certificate.objects.filter(case=case)}
    assert {c["number"]: c["status"] for c in now.certificates} == certificates
    assert [d["outcome"] for d in now.decisions] == ["conditional"]


def test_the_case_after_the_decision_has_a_draft_commitment_and_no_certificate(fulfilled):
    decided = sequence_of(fulfilled, "task.completed", task_name="acceptance_decision")

    before, after = as_of(fulfilled, decided - 1), as_of(fulfilled, decided)

    assert before.decisions == [] and before.commitment is None
    assert before.case_status == Case.Status.UNDER_REVIEW
    assert after.case_status == Case.Status.CONDITIONALLY_ACCEPTED
    (decision,) = after.decisions
    assert decision["outcome"] == "conditional"
    assert decision["by"] == fulfilled.reviewer.username
    assert decision["tolerated_items"] == [TOLERATED]
    assert after.commitment["status"] == Commitment.Status.DRAFT
    assert after.certificates == []


def test_signing_starts_the_commitment_with_its_deadline_and_issues_the_conditional_certificate(
    fulfilled,
):
    signed = sequence_of(fulfilled, "task.completed", task_name="sign_commitment")
    issued = sequence_of(fulfilled, "certificate.issued")

    at = as_of(fulfilled, max(signed, issued))

    assert at.commitment["status"] == Commitment.Status.PENDING
    assert at.commitment["deadline"].startswith("2026-04-15")
    ((number, kind, status),) = [(c["number"], c["kind"], c["status"]) for c in at.certificates]
    assert (kind, status) == ("conditional", Certificate.Status.ISSUED)
    assert number == fulfilled.certificate("conditional", Certificate.Status.SUPERSEDED).number


def test_a_returned_delivery_and_its_new_version_are_told_apart(fulfilled):
    first = fulfilled.first_delivery
    second_upload = sequence_of(fulfilled, "material.uploaded", index=-1)

    returned = as_of(fulfilled, second_upload - 1)
    replaced = as_of(fulfilled, second_upload)

    (old,) = [m for m in returned.materials if m.id == first.pk]
    assert (old.version, old.status) == (1, Material.Status.CHECKED)  # the delivery review
    # returns the delivery, not the file: the file stays as its checks left it
    versions = {m.version: m for m in replaced.materials if m.catalog_item == TOLERATED}
    assert versions[1].status == Material.Status.SUPERSEDED
    assert versions[1].superseded_by == versions[2].id
    assert versions[2].status == Material.Status.RECEIVED


def test_before_the_first_upload_there_is_nothing_yet(fulfilled):
    at = as_of(fulfilled, 1)

    assert at.materials == [] and at.certificates == [] and at.decisions == []
    assert at.case_status == Case.Status.PRE_FILING


def test_a_verdict_on_an_empty_selection_changes_no_material():
    recorded_at = datetime(2026, 6, 1, tzinfo=UTC)
    entries = [
        JournalEntry(
            chain="YS-EMPTY",
            sequence=1,
            kind="material.uploaded",
            recorded_at=recorded_at,
            payload={"material": 7, "name": "site.jpg", "version": 1, "sha256": "0" * 64},
        ),
        JournalEntry(
            chain="YS-EMPTY",
            sequence=2,
            kind="media.reviewed",
            recorded_at=recorded_at,
            payload={"verdict": "approve", "status": "approved", "materials": []},
        ),
    ]

    (material,) = case_as_of(entries, 2).materials

    assert material.id == 7 and material.status != "approved"
