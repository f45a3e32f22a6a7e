"""Inspections of a confirmed draw, run by ``bpmn/inspection.bpmn``: notify, inspect with findings,
decide, rectify under a commitment of kind rectification, re-inspect, close; and what the public
notice then says of each target."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from acceptance.models import Commitment, Notification
from acceptance.services.commitments import commitments_sweep
from supervision.exceptions import InspectionInvalid, NotPermitted, PlanStateConflict
from supervision.inspections import (
    draw_confirm,
    finding_record,
    inspection_decide,
    rectification_report,
    reinspection_decide,
)
from supervision.models import Inspection, InspectionPlan
from supervision.selectors import public_targets
from supervision.services import plan_draw
from workflows.journal import chain_entries
from workflows.models import HumanTask, ProcessInstance
from workflows.timers import fire_due_timers
from workflows.workdays import working_days_between

PHOTO = b"\xff\xd8\xff\xe0" + b"evidence photo of a missing stamp" * 20


def evidence(name: str = "现场照片.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PHOTO, content_type="image/jpeg")


def outcome_of(inspection: Inspection) -> dict:
    rows = public_targets(inspection.draw, inspection.draw.number)
    return next(row for row in rows if row["case"] == inspection.case.reference)


def open_task(inspection: Inspection) -> HumanTask | None:
    return HumanTask.objects.open().filter(instance__business_key=inspection.reference).first()


def test_confirming_a_draw_starts_one_inspection_per_target_with_its_lead_inspector(
    world, confirmed
):
    plan = confirmed[0].plan
    assert plan.status == InspectionPlan.Status.INSPECTING
    assert len(confirmed) == len(plan.draws.get().result) == 2
    for inspection, row in zip(confirmed, plan.draws.get().result, strict=True):
        codes = [
            code for code, pk in plan.inspector_codes.items() if pk == inspection.lead_inspector_id
        ]
        assert codes == [row["inspectors"][0]]
        assert inspection.inspectors.count() == 2
        task = open_task(inspection)
        assert (task.task_name, task.assignee) == ("inspect", inspection.lead_inspector)
        assert task.due_at is not None
        owner = inspection.case.owner_user
        assert Notification.objects.filter(
            recipient=owner, kind=Notification.Kind.INSPECTION, case=inspection.case
        ).exists()
    # The draw is final once inspections started.
    with pytest.raises(PlanStateConflict):
        plan_draw(plan=plan, actor=world.supervisor, seen_draws=1, reason="换一批")
    with pytest.raises(PlanStateConflict):
        draw_confirm(plan=plan, actor=world.supervisor)
    assert Inspection.objects.count() == 2
    kinds = [entry.kind for entry in chain_entries(f"supervision:{plan.reference}")]
    assert kinds[-1] == "supervision.draw_confirmed"


def test_a_rectification_runs_on_a_commitment_back_and_forth_until_rectified(world, confirmed):
    inspection = confirmed[0]
    lead, case, owner = inspection.lead_inspector, inspection.case, inspection.case.owner_user
    finding_record(inspection=inspection, user=lead, item_code="A1-1", verdict="conforms", note="")
    finding = finding_record(
        inspection=inspection,
        user=lead,
        item_code="E1-5",
        verdict="deficient",
        note="竣工验收报告缺少监理单位签章",
        evidence=evidence(),
    )
    assert finding.evidence_sha256 and finding.evidence.read() == PHOTO

    inspection = inspection_decide(
        inspection=inspection, user=lead, decision="rectify", rectification_days=5
    )

    assert inspection.status == Inspection.Status.RECTIFYING
    rectification = inspection.rectification
    assert (rectification.kind, rectification.status) == ("rectification", "pending")
    assert list(rectification.items.values_list("code", flat=True)) == ["E1-5"]
    signed_day = rectification.signed_at.astimezone(rectification.deadline.tzinfo).date()
    assert working_days_between(signed_day, rectification.deadline.date()) == 5
    # Not one of the acceptance's delivery commitments: the case's own list does not see it.
    assert not case.commitments.filter(pk=rectification.pk).exists()
    task = open_task(inspection)
    assert (task.task_name, task.assignee) == ("rectify", owner)
    assert outcome_of(inspection)["outcome"] == "rectifying"

    inspection = rectification_report(inspection=inspection, user=owner, report="已补盖签章")
    assert inspection.status == Inspection.Status.REINSPECTING
    assert Commitment.every_kind.get(pk=rectification.pk).delivered_at is not None
    inspection = reinspection_decide(
        inspection=inspection, user=lead, verdict="not_rectified", comment="签章仍不清晰"
    )
    assert inspection.status == Inspection.Status.RECTIFYING
    assert open_task(inspection).task_name == "rectify"
    rectification_report(inspection=inspection, user=owner, report="重新加盖清晰签章")
    inspection = reinspection_decide(inspection=inspection, user=lead, verdict="rectified")

    assert inspection.status == Inspection.Status.CLOSED
    assert Commitment.every_kind.get(pk=rectification.pk).status == "fulfilled"
    instance = ProcessInstance.objects.get(business_key=inspection.reference)
    assert instance.status == ProcessInstance.Status.COMPLETED
    row = outcome_of(inspection)
    assert row["outcome"] == "rectified"
    assert row["decided_on"] and row["closed_on"]
    kinds = [entry.kind for entry in chain_entries(inspection.reference)]
    for kind in (
        "supervision.finding_recorded",
        "supervision.inspection_decided",
        "supervision.rectification_reported",
        "supervision.reinspected",
        "supervision.inspection_closed",
    ):
        assert kind in kinds


def test_the_commitment_sweep_catches_an_overdue_rectification_and_it_closes_late(world, confirmed):
    inspection = confirmed[0]
    lead, owner = inspection.lead_inspector, inspection.case.owner_user
    finding_record(
        inspection=inspection,
        user=lead,
        item_code="E1-5",
        verdict="deficient",
        note="缺少签章",
        evidence=evidence(),
    )
    inspection = inspection_decide(
        inspection=inspection, user=lead, decision="rectify", rectification_days=3
    )
    after = inspection.rectification.deadline + timedelta(seconds=1)

    result = commitments_sweep(after, cases=[inspection.case])

    assert result.overdue == 1
    assert Commitment.every_kind.get(pk=inspection.rectification_id).status == "overdue"
    overdue_notice = Notification.objects.get(recipient=owner, kind=Notification.Kind.OVERDUE)
    assert "整改已逾期" in overdue_notice.title_zh
    assert outcome_of(inspection)["outcome"] == "rectification_overdue"
    # The process's own deadline timer finds it overdue already and carries on waiting.
    fire_due_timers(after)
    assert open_task(inspection).task_name == "rectify"

    rectification_report(inspection=inspection, user=owner, report="已整改")
    inspection = reinspection_decide(inspection=inspection, user=lead, verdict="rectified")

    assert Commitment.every_kind.get(pk=inspection.rectification_id).status == "fulfilled_late"
    assert outcome_of(inspection)["outcome"] == "rectified_late"


def test_no_issue_and_referral_close_the_inspection_with_their_outcome(world, confirmed):
    first, second = confirmed
    finding_record(
        inspection=first, user=first.lead_inspector, item_code="A1-1", verdict="conforms", note=""
    )
    inspection_decide(inspection=first, user=first.lead_inspector, decision="no_issue")
    finding_record(
        inspection=second,
        user=second.lead_inspector,
        item_code="E1-5",
        verdict="deficient",
        note="报告系伪造",
        evidence=evidence(),
    )
    inspection_decide(
        inspection=second, user=second.lead_inspector, decision="refer", comment="涉嫌伪造档案"
    )

    outcomes = {row["case"]: row["outcome"] for row in public_targets(first.draw, 1)}
    assert outcomes == {first.case.reference: "no_issue", second.case.reference: "referred"}
    assert Notification.objects.filter(
        recipient=world.supervisor, key=f"inspection-{second.pk}-referred"
    ).exists()


def test_bad_findings_and_decisions_are_refused_by_name_and_change_nothing(world, confirmed):
    inspection = confirmed[0]
    lead = inspection.lead_inspector
    other = next(user for user in inspection.inspectors.all() if user != lead)

    with pytest.raises(InspectionInvalid, match="逐项记录"):
        inspection_decide(inspection=inspection, user=lead, decision="no_issue")
    with pytest.raises(NotPermitted):
        finding_record(
            inspection=inspection, user=other, item_code="A1-1", verdict="conforms", note=""
        )
    with pytest.raises(InspectionInvalid, match="证据"):
        finding_record(
            inspection=inspection, user=lead, item_code="E1-5", verdict="deficient", note="缺"
        )
    with pytest.raises(InspectionInvalid, match="ZZ-9"):
        finding_record(
            inspection=inspection, user=lead, item_code="ZZ-9", verdict="conforms", note=""
        )
    empty = SimpleUploadedFile("空.jpg", b"", content_type="image/jpeg")
    with pytest.raises(InspectionInvalid, match="空文件"):
        finding_record(
            inspection=inspection,
            user=lead,
            item_code="E1-5",
            verdict="deficient",
            note="缺",
            evidence=empty,
        )
    assert not inspection.findings.exists()
    finding_record(
        inspection=inspection,
        user=lead,
        item_code="E1-5",
        verdict="deficient",
        note="缺少签章",
        evidence=evidence(),
    )
    with pytest.raises(InspectionInvalid, match="不能为未发现问题"):
        inspection_decide(inspection=inspection, user=lead, decision="no_issue")
    with pytest.raises(InspectionInvalid, match="1 至 90"):
        inspection_decide(
            inspection=inspection, user=lead, decision="rectify", rectification_days=200
        )
    with pytest.raises(InspectionInvalid, match="理由"):
        inspection_decide(inspection=inspection, user=lead, decision="refer")
    with pytest.raises(PlanStateConflict):
        rectification_report(
            inspection=inspection, user=inspection.case.owner_user, report="已整改"
        )
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.INSPECTING
    assert open_task(inspection).task_name == "inspect"
