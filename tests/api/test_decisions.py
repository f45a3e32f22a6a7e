"""Acceptance decisions, the commitment, its delivery and the certificates, through the API."""

import io
import zipfile

import pytest

from acceptance.models import Case, Commitment
from certificates.models import Certificate

from .conftest import CORE_DRAWING, TOLERATED, assert_error

# The drawing and AV checks are queued when the engine's transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def deciding(open_case):
    """A case waiting for the reviewer's decision, the tolerable item left out."""
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    return flow


def decide(client, flow, outcome, tolerated=(), comment=""):
    return client.post(
        "/api/decisions/",
        {
            "case": flow.case.reference,
            "outcome": outcome,
            "tolerated_items": list(tolerated),
            "comment": comment,
        },
        format="json",
    )


def test_a_conditional_decision_tolerating_a_core_item_is_refused(deciding, as_reviewer):
    response = decide(as_reviewer, deciding, "conditional", [TOLERATED, CORE_DRAWING])
    body = assert_error(response, 400, "not_tolerable", "tolerated_items")
    assert body["data"]["items"] == [CORE_DRAWING]
    assert CORE_DRAWING in body["message_zh"] and CORE_DRAWING in body["message_en"]
    assert deciding.task("acceptance_decision") is not None
    assert not deciding.case.decisions.exists()


def test_completing_the_decision_task_directly_is_held_to_the_same_rule(deciding, as_reviewer):
    task_id = deciding.task("acceptance_decision").task_id
    response = as_reviewer.post(
        f"/api/tasks/{task_id}/complete/",
        {"data": {"decision": "conditional", "tolerated_items": [CORE_DRAWING]}},
        format="json",
    )
    assert_error(response, 400, "not_tolerable", "data.tolerated_items")
    assert deciding.instance.incidents.count() == 0


def test_only_a_reviewer_decides(deciding, as_owner, as_auditor, as_stranger):
    # Who may decide is settled before what is decided.
    assert_error(
        decide(as_owner, deciding, "conditional", [CORE_DRAWING]), 403, "task_permission_denied"
    )
    assert_error(decide(as_auditor, deciding, "accept"), 403, "read_only_auditor")
    assert_error(decide(as_stranger, deciding, "accept"), 400, "does_not_exist", "case")


def test_a_case_not_waiting_for_a_decision_answers_409(flow, as_reviewer):
    assert_error(decide(as_reviewer, flow, "accept"), 409, "task_not_available")


def test_an_unknown_outcome_is_a_field_error(deciding, as_reviewer):
    assert_error(decide(as_reviewer, deciding, "maybe"), 400, "invalid_choice", "outcome")


def test_the_conditional_path_through_the_api(
    deciding, as_reviewer, as_owner, as_auditor, as_stranger
):
    case = deciding.case
    response = decide(as_reviewer, deciding, "conditional", [TOLERATED], "主审要件齐全")
    assert response.status_code == 201, response.json()
    decision = response.json()
    assert (decision["outcome"], decision["tolerated_items"], decision["decided_by"]) == (
        "conditional",
        [TOLERATED],
        "reviewer_test",
    )
    commitment_id = decision["commitment"]
    assert deciding.status == Case.Status.CONDITIONALLY_ACCEPTED
    assert as_owner.get("/api/decisions/", {"case": case.reference}).json()["count"] == 1

    # The owner signs; the process issues the conditional certificate.
    assert_error(
        as_reviewer.post(f"/api/commitments/{commitment_id}/sign/"), 403, "task_permission_denied"
    )
    signed = as_owner.post(f"/api/commitments/{commitment_id}/sign/")
    assert signed.status_code == 200, signed.json()
    assert (signed.json()["status"], signed.json()["signed_by"]) == ("pending", "owner_test")
    assert signed.json()["deadline"]
    assert_error(
        as_owner.post(f"/api/commitments/{commitment_id}/sign/"), 409, "task_not_available"
    )

    certificates = as_owner.get("/api/certificates/", {"case": case.reference}).json()["results"]
    assert [(c["kind"], c["status"]) for c in certificates] == [("conditional", "issued")]
    number = certificates[0]["number"]
    pdf = as_auditor.get(f"/api/certificates/{number}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert as_stranger.get("/api/certificates/").json()["count"] == 0
    assert_error(as_stranger.get(f"/api/certificates/{number}/"), 404, "not_found")
    assert_error(as_stranger.get(f"/api/certificates/{number}/pdf/"), 404, "not_found")
    ofd = as_auditor.get(f"/api/certificates/{number}/ofd/")
    assert ofd.status_code == 200 and ofd["Content-Type"] == "application/ofd"
    assert f'filename="{number}.ofd"' in ofd["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(ofd.streaming_content))) as package:
        assert number.encode() in package.read("OFD.xml")
    assert_error(as_stranger.get(f"/api/certificates/{number}/ofd/"), 404, "not_found")

    # Delivering before uploading the tolerated item says what is missing.
    body = assert_error(
        as_owner.post(f"/api/commitments/{commitment_id}/deliver/"), 400, "acceptance_error"
    )
    assert body["data"]["missing"] == [TOLERATED]
    deliver_file = deciding.samples.path(case.catalog_version.items.get(code=TOLERATED))
    with deliver_file.open("rb") as handle:
        uploaded = as_owner.post(
            "/api/materials/",
            {"case": case.reference, "catalog_item": TOLERATED, "file": handle},
            format="multipart",
        )
    assert uploaded.status_code == 201, uploaded.json()
    delivered = as_owner.post(f"/api/commitments/{commitment_id}/deliver/")
    assert delivered.status_code == 200, delivered.json()
    assert [m["catalog_item"] for m in delivered.json()["delivered"]] == [TOLERATED]

    # The reviewer checks the delivery from the inbox; the certificate is upgraded.
    tasks = as_reviewer.get("/api/tasks/", {"case": case.reference}).json()["results"]
    assert [t["task_name"] for t in tasks] == ["check_delivery"]
    done = as_reviewer.post(
        f"/api/tasks/{tasks[0]['task_id']}/complete/",
        {"data": {"delivery_verdict": "approve"}},
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert Commitment.objects.get(pk=commitment_id).status == Commitment.Status.FULFILLED
    assert deciding.certificates() == [
        (Certificate.Kind.CONDITIONAL, Certificate.Status.SUPERSEDED),
        (Certificate.Kind.FULL, Certificate.Status.ISSUED),
    ]
    commitment = as_auditor.get(f"/api/commitments/{commitment_id}/").json()
    assert (commitment["status"], commitment["items"]) == ("fulfilled", [TOLERATED])
    assert_error(
        as_owner.post(f"/api/commitments/{commitment_id}/deliver/"), 409, "case_state_conflict"
    )


def test_journal_entries_are_read_per_case_by_whoever_may_read_it(
    deciding, as_auditor, as_owner, as_stranger
):
    reference = deciding.case.reference
    entries = as_owner.get("/api/journal/", {"case": reference, "page_size": 500}).json()
    assert [e["kind"] for e in entries["results"]] == deciding.journal_kinds()
    assert [e["sequence"] for e in entries["results"]] == list(range(1, entries["count"] + 1))
    first = entries["results"][0]
    assert first["kind"] == "instance.started"
    assert (
        as_auditor.get(f"/api/journal/{first['id']}/").json()["entry_hash"] == first["entry_hash"]
    )
    project_chain = as_owner.get("/api/journal/", {"project": deciding.case.project.reference})
    assert [e["kind"] for e in project_chain.json()["results"]] == ["project.registered"]
    assert as_stranger.get("/api/journal/", {"case": reference}).json()["count"] == 0
    assert_error(as_stranger.get(f"/api/journal/{first['id']}/"), 404, "not_found")
    assert as_auditor.get("/api/journal/", {"kind": "task.completed"}).json()["count"] > 0
