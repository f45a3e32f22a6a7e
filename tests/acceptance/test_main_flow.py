"""The main flow of an acceptance case (DESIGN.md section 4), through every gateway and timer.

Each test drives a case the way its owner and reviewer would (uploads, open tasks, decisions,
deliveries) and asserts what they would notice: the case's status, which task is open next, the
commitment and certificates, and the case's journal. Asynchronous service jobs (drawing and AV
checks, certificate issuance) run eagerly right after each commit, hence transactional tests.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from acceptance.exceptions import (
    AcceptanceError,
    DuplicateMaterial,
    NotPermitted,
    NotTolerable,
    UploadRefused,
)
from acceptance.models import Case, CatalogItem, Commitment, Material, Organisation
from acceptance.services.commitments import commitment_deliver
from acceptance.services.materials import material_upload
from certificates.models import Certificate
from workflows.engine import task_complete
from workflows.journal import verify_chain
from workflows.models import ProcessInstance
from workflows.replay import replay_instance
from workflows.timers import fire_due_timers

from .conftest import CORE_DOCUMENT, CORE_DRAWING, TOLERATED, CaseFlow, make_user

pytestmark = pytest.mark.django_db(transaction=True)

FULL, CONDITIONAL = Certificate.Kind.FULL, Certificate.Kind.CONDITIONAL
ISSUED, SUPERSEDED, SUSPENDED = (
    Certificate.Status.ISSUED,
    Certificate.Status.SUPERSEDED,
    Certificate.Status.SUSPENDED,
)


def completed_tasks(flow: CaseFlow) -> list[tuple[str, dict]]:
    """(task, submitted data) of every completed user task, in order, from the journal."""
    return [(entry.task_name, entry.payload["data"]) for entry in flow.journal("task.completed")]


def service_results(flow: CaseFlow, operation: str) -> list[dict]:
    """Results of the synchronous service ``operation`` recorded in the journal, in order."""
    return [
        service["result"]
        for entry in flow.journal()
        for service in entry.payload.get("services", [])
        if service["operation"] == operation and "result" in service
    ]


def fresh(material: Material) -> Material:
    # Material's status field is protected: refresh_from_db may not set it.
    return Material.objects.get(pk=material.pk)


def assert_closed_with_full_certificate(flow: CaseFlow) -> Certificate:
    """The case is archived, its process completed, its journal intact; returns the certificate."""
    assert flow.status == Case.Status.ARCHIVED
    assert flow.instance.status == ProcessInstance.Status.COMPLETED
    assert flow.open_tasks() == []
    assert verify_chain(flow.case.reference).intact
    assert replay_instance(flow.instance).verified
    full = flow.certificate(FULL)
    pdf = Path(full.pdf.path)
    assert pdf.is_file()
    assert pdf.read_bytes().startswith(b"%PDF")
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == full.pdf_sha256
    return full


# -- pre-filing: node guidance ------------------------------------------------------------------


def test_node_guidance_asking_for_more_sends_the_owner_back_and_approval_moves_to_the_next_node(
    open_case,
):
    flow = open_case(nodes=2, leave_out=["C6-P1"])
    first, second = flow.case.project.nodes.order_by("position").values_list("code", flat=True)
    assert flow.open_tasks() == ["node_submit"]
    assert flow.task("node_submit").context == {"node": first}

    flow.complete("node_submit")
    guidance = flow.task("node_guidance")
    assert guidance.context["node"] == first
    assert guidance.context["node_check"]["missing"] == ["C6-P1"]

    flow.review(
        "node_guidance",
        guidance="more",
        requested_items=["C6-P1"],
        guidance_comment="请补充 C6-P1 桩基检测报告",
    )
    assert flow.open_tasks() == ["node_submit"]
    # The owner's second submission shows what the reviewer asked for.
    assert flow.task("node_submit").context == {
        "node": first,
        "requested_items": ["C6-P1"],
        "guidance_comment": "请补充 C6-P1 桩基检测报告",
    }

    flow.upload("C6-P1")
    flow.complete("node_submit")
    assert flow.task("node_guidance").context["node_check"]["missing"] == []
    flow.review("node_guidance", guidance="approve")
    assert flow.open_tasks() == ["node_submit"]
    assert flow.task("node_submit").context == {"node": second}

    flow.complete("node_submit")
    assert flow.task("node_guidance").context["node"] == second
    flow.review("node_guidance", guidance="approve")
    assert flow.open_tasks() == ["apply_acceptance"]
    assert flow.status == Case.Status.PRE_FILING
    assert [(name, data.get("guidance")) for name, data in completed_tasks(flow)] == [
        ("node_submit", None),
        ("node_guidance", "more"),
        ("node_submit", None),
        ("node_guidance", "approve"),
        ("node_submit", None),
        ("node_guidance", "approve"),
    ]


# -- completeness gateway -----------------------------------------------------------------------


@pytest.mark.parametrize("missing", [CORE_DRAWING, CORE_DOCUMENT])
def test_a_missing_core_item_returns_the_case_with_the_missing_list_until_the_owner_supplies_it(
    open_case, missing
):
    flow = open_case(leave_out=[missing])
    flow.prefile()
    flow.apply()

    assert flow.status == Case.Status.RETURNED
    assert flow.open_tasks() == ["supplement"]
    supplement = flow.task("supplement")
    assert supplement.assignee == flow.owner
    assert supplement.context["completeness"]["acceptable"] is False
    assert supplement.context["completeness"]["missing_blocking"] == [missing]

    flow.upload(missing)
    flow.complete("supplement")
    assert flow.status == Case.Status.UNDER_REVIEW
    assert flow.open_tasks() == ["drawing_review", "media_review"]
    reports = service_results(flow, "acceptance.completeness_check")
    assert [report["acceptable"] for report in reports] == [False, True]


# -- parallel reviews: drawing and AV loops -----------------------------------------------------


def test_a_returned_unstamped_drawing_is_rechecked_and_approved_after_the_owner_resubmits_it(
    open_case,
):
    flow = open_case(unstamped=[CORE_DRAWING])
    flow.prefile()
    flow.apply()
    unstamped = flow.current(CORE_DRAWING)
    review = flow.task("drawing_review")
    assert review.context["drawing_check"] == {
        "checked": 11,
        "failed": [unstamped.original_name],
        "set_findings": {},
        "index_findings": [],
    }
    assert fresh(unstamped).status == Material.Status.CHECK_FAILED

    flow.review("drawing_review", drawing_verdict="return", drawing_comment="D-1 缺竣工图章")
    # The AV branch runs on in parallel; only the drawing branch went back to the owner.
    assert flow.open_tasks() == ["drawing_resubmit", "media_review"]
    resubmit = flow.task("drawing_resubmit")
    assert resubmit.assignee == flow.owner
    assert resubmit.context["drawing_comment"] == "D-1 缺竣工图章"

    stamped = flow.upload(CORE_DRAWING, variant=2, supersedes=unstamped)
    flow.complete("drawing_resubmit")
    recheck = flow.task("drawing_review").context["drawing_check"]
    assert recheck == {"checked": 11, "failed": [], "set_findings": {}, "index_findings": []}
    assert fresh(unstamped).status == Material.Status.SUPERSEDED
    assert (stamped.version, stamped.supersedes_id) == (2, unstamped.pk)

    flow.approve_reviews()
    assert flow.open_tasks() == ["acceptance_decision"]
    drawings = flow.case.materials.current().filter(format_kind="drawing")
    assert set(drawings.values_list("status", flat=True)) == {Material.Status.APPROVED}


def test_drawings_returned_with_a_failing_sheet_do_not_block_a_later_supplement(open_case):
    # Regression: the sheets the owner did not replace stayed "returned" for good, so after a
    # decision return the completeness check reported them missing and the case was stuck.
    flow = open_case(unstamped=[CORE_DRAWING])
    flow.prefile()
    flow.apply()
    flow.review("drawing_review", drawing_verdict="return", drawing_comment="D-1 缺竣工图章")
    flow.upload(CORE_DRAWING, variant=2, supersedes=flow.current(CORE_DRAWING))
    flow.complete("drawing_resubmit")
    flow.approve_reviews()
    flow.decide("return", comment="请补正")

    flow.complete("supplement")
    assert flow.status == Case.Status.UNDER_REVIEW
    assert flow.open_tasks() == ["drawing_review", "media_review"]


def test_returned_av_records_are_rechecked_and_approved_after_the_owner_resubmits_a_photo(
    open_case,
):
    flow = open_case()
    flow.prefile()
    flow.apply()
    assert flow.task("media_review").context["media_check"] == {"checked": 2, "failed": []}

    flow.review("media_review", media_verdict="return", media_comment="现场照片不清晰，请重拍")
    assert flow.open_tasks() == ["drawing_review", "media_resubmit"]
    resubmit = flow.task("media_resubmit")
    assert resubmit.assignee == flow.owner
    assert resubmit.context["media_comment"] == "现场照片不清晰，请重拍"
    photo = flow.current("E3-1")
    assert photo.status == Material.Status.RETURNED

    flow.upload("E3-1", variant=2, supersedes=photo)
    flow.complete("media_resubmit")
    assert flow.task("media_review").context["media_check"] == {"checked": 2, "failed": []}

    flow.approve_reviews()
    assert flow.open_tasks() == ["acceptance_decision"]
    media = flow.case.materials.current().filter(format_kind__in=("photo", "video"))
    assert set(media.values_list("status", flat=True)) == {Material.Status.APPROVED}


# -- decision gateway ---------------------------------------------------------------------------


def test_accepting_issues_the_full_certificate_and_archives_the_case(flow):
    flow.reach_decision()
    assert flow.open_tasks() == ["acceptance_decision"]
    assert flow.task("acceptance_decision").context["completeness"]["complete"] is True

    flow.decide("accept", comment="同意通过竣工档案验收")

    assert flow.certificates() == [(FULL, ISSUED)]
    assert_closed_with_full_certificate(flow)
    decision = flow.case.decisions.get()
    assert (decision.outcome, decision.decided_by) == ("accept", flow.reviewer)
    # The issuing job journals the certificate, then the engine journals the job's result; the
    # archival package's job then journals its archiving and transfer checks.
    assert flow.journal_kinds()[-5:] == [
        "task.completed",
        "certificate.issued",
        "service.completed",
        "archive.properties_checked",
        "archive.properties_checked",
    ]


def test_returning_at_decision_sends_the_owner_to_supplement_and_back_through_the_reviews(flow):
    flow.reach_decision()
    flow.decide("return", comment="A1-1 扫描件不清晰，请补正")

    assert flow.status == Case.Status.RETURNED
    assert flow.open_tasks() == ["supplement"]
    supplement = flow.task("supplement")
    assert supplement.assignee == flow.owner
    assert supplement.context["comment"] == "A1-1 扫描件不清晰，请补正"
    assert supplement.context["decision_result"]["outcome"] == "return"
    assert flow.certificates() == []

    flow.upload("A1-1", variant=2, supersedes=flow.current("A1-1"))
    flow.complete("supplement")
    assert flow.status == Case.Status.UNDER_REVIEW
    assert flow.open_tasks() == ["drawing_review", "media_review"]
    assert len(service_results(flow, "acceptance.completeness_check")) == 2

    flow.approve_reviews()
    assert flow.open_tasks() == ["acceptance_decision"]
    flow.decide("accept")
    assert [d.outcome for d in flow.case.decisions.all()] == ["return", "accept"]
    assert flow.certificates() == [(FULL, ISSUED)]
    assert_closed_with_full_certificate(flow)


# -- conditional acceptance and the commitment --------------------------------------------------


def test_a_conditional_acceptance_is_upgraded_to_full_when_the_owner_delivers_on_time(open_case):
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    completeness = flow.task("acceptance_decision").context["completeness"]
    assert (completeness["acceptable"], completeness["missing_tolerable"]) == (True, [TOLERATED])

    flow.decide("conditional", [TOLERATED], comment="主审要件齐全，同意容缺受理")
    assert flow.status == Case.Status.CONDITIONALLY_ACCEPTED
    commitment = flow.commitment
    assert commitment.status == Commitment.Status.DRAFT
    assert list(commitment.items.values_list("code", flat=True)) == [TOLERATED]
    assert flow.open_tasks() == ["sign_commitment"]
    assert flow.task("sign_commitment").assignee == flow.owner
    assert flow.certificates() == []

    flow.complete("sign_commitment", confirm=True)
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.PENDING
    assert commitment.signed_by == flow.owner
    assert commitment.period == "P3M"
    # Signed on 15 January 2026: three months to deliver.
    assert timezone.localtime(commitment.deadline).date() == date(2026, 4, 15)
    assert flow.certificates() == [(CONDITIONAL, ISSUED)]
    conditional = flow.certificate(CONDITIONAL)
    assert Path(conditional.pdf.path).is_file()
    assert flow.open_tasks() == []
    assert flow.instance.next_timer_at == commitment.deadline

    flow.deliver()
    assert flow.open_tasks() == ["check_delivery"]
    assert flow.task("check_delivery").context["delivery"]["items"] == [TOLERATED]
    flow.review("check_delivery", delivery_verdict="approve")

    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.FULFILLED
    assert flow.certificates() == [(CONDITIONAL, SUPERSEDED), (FULL, ISSUED)]
    full = assert_closed_with_full_certificate(flow)
    assert full.supersedes == conditional
    assert "message.received" in flow.journal_kinds()


def test_a_returned_delivery_leaves_the_commitment_waiting_for_another_one_before_its_deadline(
    open_case,
):
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    flow.accept_conditionally()
    (first,) = flow.deliver()
    flow.review("check_delivery", delivery_verdict="return", delivery_comment="缺少签章页")

    commitment = flow.commitment
    assert commitment.status == Commitment.Status.PENDING
    assert flow.open_tasks() == []
    assert flow.status == Case.Status.CONDITIONALLY_ACCEPTED
    assert flow.certificates() == [(CONDITIONAL, ISSUED)]
    instance = flow.instance
    assert instance.status == ProcessInstance.Status.WAITING
    # The event gateway waits again: the deadline timer is still armed, and a delivery is heard.
    assert instance.next_timer_at == commitment.deadline
    assert fire_due_timers() == 0

    flow.deliver(variant=2, supersedes=first)
    assert flow.open_tasks() == ["check_delivery"]
    flow.review("check_delivery", delivery_verdict="approve")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.FULFILLED
    assert flow.certificates() == [(CONDITIONAL, SUPERSEDED), (FULL, ISSUED)]
    assert_closed_with_full_certificate(flow)


def test_a_passed_commitment_deadline_suspends_the_certificate_until_a_late_delivery_is_accepted(
    open_case, clock
):
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    flow.accept_conditionally()
    commitment = flow.commitment
    assert fire_due_timers() == 0

    clock.move_to(commitment.deadline + timedelta(days=1))
    assert fire_due_timers() == 1

    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.OVERDUE
    assert flow.certificates() == [(CONDITIONAL, SUSPENDED)]
    assert "逾期" in flow.certificate(CONDITIONAL, SUSPENDED).status_reason
    # The event-based gateway waiting for delivery or deadline is what the timer fired on.
    (fired,) = flow.journal("timer.fired")
    assert [timer["task"] for timer in fired.payload["timers"]] == ["fulfilment_race"]
    assert [service["operation"] for service in fired.payload["services"]] == [
        "acceptance.commitment_overdue",
        "certificates.suspend",
    ]
    assert flow.open_tasks() == []
    assert flow.status == Case.Status.CONDITIONALLY_ACCEPTED

    flow.deliver()
    assert flow.open_tasks() == ["check_late_delivery"]
    flow.review("check_late_delivery", delivery_verdict="approve")

    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.FULFILLED_LATE
    assert flow.certificates() == [(CONDITIONAL, SUPERSEDED), (FULL, ISSUED)]
    assert_closed_with_full_certificate(flow)


def test_a_delivery_after_the_deadline_counts_as_late_even_before_the_timer_sweep_runs(
    open_case, clock
):
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    flow.accept_conditionally()
    clock.move_to(flow.commitment.deadline + timedelta(hours=1))

    # No sweep: the owner's delivery fires the due deadline before the message is taken.
    flow.deliver()

    assert flow.commitment.status == Commitment.Status.OVERDUE
    assert flow.certificates() == [(CONDITIONAL, SUSPENDED)]
    assert flow.open_tasks() == ["check_late_delivery"]
    assert flow.journal_kinds()[-3:] == ["timer.fired", "message.received", "commitment.delivered"]


# -- the review SLA ------------------------------------------------------------------------------


def test_the_review_sla_escalates_a_late_decision_without_taking_the_task_away(flow, clock):
    flow.reach_decision()
    decision = flow.task("acceptance_decision")
    assert abs(decision.due_at - decision.created_at - timedelta(days=5)) < timedelta(seconds=5)
    assert fire_due_timers() == 0

    clock.move_to(timezone.now() + timedelta(days=6))
    assert fire_due_timers() == 1

    (fired,) = flow.journal("timer.fired")
    assert [timer["task"] for timer in fired.payload["timers"]] == ["review_sla_timer"]
    (escalation,) = service_results(flow, "acceptance.review_escalate")
    assert escalation["case"] == flow.case.reference
    # Non-interrupting: the same decision task is still open, and firing again does nothing.
    assert flow.open_tasks() == ["acceptance_decision"]
    assert flow.task("acceptance_decision").task_id == decision.task_id
    assert fire_due_timers() == 0

    flow.decide("accept")
    assert flow.certificates() == [(FULL, ISSUED)]
    assert_closed_with_full_certificate(flow)


# -- core items can never be tolerated ----------------------------------------------------------


def test_a_conditional_decision_naming_a_core_item_is_refused_and_changes_nothing(flow):
    flow.reach_decision()

    with pytest.raises(NotTolerable) as refused:
        flow.decide("conditional", [CORE_DRAWING])

    assert CORE_DRAWING in str(refused.value)
    assert refused.value.data["items"] == [CORE_DRAWING]
    assert flow.open_tasks() == ["acceptance_decision"]
    assert flow.status == Case.Status.UNDER_REVIEW
    assert not flow.case.decisions.exists()
    assert not flow.case.commitments.exists()


def test_a_conditional_decision_on_a_core_item_that_bypasses_the_check_stops_at_an_incident(flow):
    flow.reach_decision()
    decision = flow.task("acceptance_decision")

    task_complete(
        task_id=decision.task_id,
        user=flow.reviewer,
        data={"decision": "conditional", "tolerated_items": [CORE_DRAWING]},
    )

    instance = flow.instance
    assert instance.status == ProcessInstance.Status.INCIDENT
    incident = instance.incidents.get(resolved_at__isnull=True)
    assert (incident.error_type, incident.task_name) == ("NotTolerable", "apply_decision")
    assert CORE_DRAWING in incident.message
    assert flow.status == Case.Status.UNDER_REVIEW
    assert not flow.case.decisions.exists()
    assert not flow.case.commitments.exists()
    assert flow.certificates() == []
    assert flow.journal_kinds()[-1] == "incident.raised"
    assert verify_chain(flow.case.reference).intact


# -- bad input on the domain services ------------------------------------------------------------


def upload_bytes(flow: CaseFlow, content: bytes, name: str, *, code: str = "A1-1", user=None):
    return material_upload(
        case=flow.case,
        user=user or flow.owner,
        catalog_item=CatalogItem.objects.get(code=code),
        node=flow.filing_node,
        file=ContentFile(content),
        name=name,
    )


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in (media_root / "materials").rglob("*") if path.is_file()]


def test_an_empty_upload_is_refused_and_nothing_is_stored(open_case, media_root):
    flow = open_case(upload=False)

    with pytest.raises(UploadRefused) as refused:
        upload_bytes(flow, b"", "竣工验收报告.pdf")

    assert type(refused.value) is UploadRefused
    assert "竣工验收报告.pdf" in str(refused.value)
    assert not flow.case.materials.exists()
    assert not (media_root / "materials").exists()


def test_the_same_file_twice_in_a_case_is_refused_and_stored_once(open_case, media_root):
    flow = open_case(upload=False)
    first = flow.upload("A1-1")

    with pytest.raises(DuplicateMaterial) as refused:
        flow.upload("A1-1")
    assert refused.value.data["existing"] == first.pk
    assert first.original_name in str(refused.value)
    # The same bytes under another name and catalog item are the same file.
    content = Path(first.file.path).read_bytes()
    with pytest.raises(DuplicateMaterial):
        upload_bytes(flow, content, "副本.pdf", code="A1-2")

    assert list(flow.case.materials.values_list("pk", flat=True)) == [first.pk]
    assert stored_files(media_root) == [Path(first.file.path)]
    assert len(flow.journal("material.uploaded")) == 1


@pytest.mark.parametrize(
    ("name", "stored_as"),
    [
        ("../../etc/竣工报告.pdf", "竣工报告.pdf"),
        ("C:\\Users\\施工\\竣工报告.pdf", "竣工报告.pdf"),
        ("竣工\x00报告\r\n.pdf", "竣工报告.pdf"),
        ("/\x1b\x7f", "unnamed"),
    ],
)
def test_a_file_name_with_path_separators_or_control_characters_is_stored_cleaned(
    open_case, media_root, samples, name, stored_as
):
    flow = open_case(upload=False)
    content = samples.path(CatalogItem.objects.get(code="A1-1")).read_bytes()

    material = upload_bytes(flow, content, name)

    assert material.original_name == stored_as
    assert flow.journal("material.uploaded")[0].payload["name"] == stored_as
    stored = Path(material.file.path).resolve()
    assert stored.is_relative_to((media_root / "materials" / flow.case.reference).resolve())
    assert stored.name == material.sha256


def test_an_owner_of_another_organisation_cannot_upload_to_the_case(open_case, media_root):
    flow = open_case(upload=False)
    stranger = make_user("owner_elsewhere", "owners")
    Organisation.objects.create(name="另一建设单位有限公司").members.add(stranger)

    with pytest.raises(NotPermitted):
        upload_bytes(flow, b"%PDF-1.4 not ours", "报告.pdf", user=stranger)

    assert not flow.case.materials.exists()
    assert not (media_root / "materials").exists()


def test_reporting_a_delivery_without_the_tolerated_items_lists_the_missing_codes(open_case):
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    flow.accept_conditionally()

    with pytest.raises(AcceptanceError) as refused:
        commitment_deliver(case=flow.case, user=flow.owner)

    assert refused.value.data["missing"] == [TOLERATED]
    assert TOLERATED in str(refused.value)
    assert flow.commitment.status == Commitment.Status.PENDING
    assert flow.open_tasks() == []
    assert "message.received" not in flow.journal_kinds()
