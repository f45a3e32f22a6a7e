"""Writes of the drawing review (数字化审图): checks, previews, per-drawing verdicts."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from django.db import transaction

from workflows.engine import task_complete
from workflows.jobs.outbox import job_enqueue
from workflows.journal import journal_append

from ..conf import file_rules, setting
from ..drawings.index import parse_drawing_index
from ..drawings.preview import render_previews
from ..drawings.review import drawing_outcomes, review_drawing
from ..exceptions import NotPermitted
from ..models import Case, FormatKind, Material
from ..selectors.drawings import case_drawings, drawing_findings, drawing_preview_dir
from .cases import case_task_for
from .materials import material_rules_check, material_status_journal

REVIEW_TASK = "drawing_review"
RESUBMIT_TASK = "drawing_resubmit"
RENDER_PREVIEW_TASK = "acceptance.render_drawing_preview"


def _case_review(path: Path, *, case: Case):
    return review_drawing(
        path, project_name=case.project.name, works_type=case.project.works_type
    ).outcomes()


def drawing_rules(case: Case) -> list:
    """The file rules of drawings, the drawing review bound to the case's project."""
    return [
        partial(_case_review, case=case) if rule is drawing_outcomes else rule
        for rule in file_rules(FormatKind.DRAWING)
    ]


def drawing_check(material: Material, *, rules) -> bool:
    """Check one drawing with ``rules`` (``drawing_rules``) and queue its preview; True if passed.

    The preview job is an outbox row of this transaction: it renders once the result has
    committed, and only for a version that was checked here (a reused result has its preview).
    """
    passed = material_rules_check(material, rules=rules)
    if setting("ACCEPTANCE_DRAWING_PREVIEWS"):
        job_enqueue(RENDER_PREVIEW_TASK, material.pk)
    return passed


def drawing_preview_render(*, material: Material) -> list:
    """Render the material version's layouts with its findings marked (idempotent)."""
    return render_previews(
        Path(material.file.path), drawing_preview_dir(material), drawing_findings(material)
    )


def _reviewer_may_decide(case: Case, user):
    return case_task_for(
        case,
        REVIEW_TASK,
        user,
        absent=(
            "当前没有待办的审图任务，无法给出审图意见",
            "there is no open drawing review task, so no verdict can be given now",
        ),
        denied=(
            "只有审图环节的审核员可以给出审图意见",
            "only a reviewer of the drawing review can give a verdict",
        ),
    )


@transaction.atomic(durable=True)
def drawing_verdict(*, material: Material, user, approve: bool, comment: str = "") -> Material:
    """A reviewer approves or returns one drawing; journaled on the case's chain."""
    case = material.case
    _reviewer_may_decide(case, user)
    material = Material.objects.select_for_update().get(pk=material.pk)
    comment = comment.strip()
    if approve:
        if material.status != Material.Status.CHECKED:
            raise NotPermitted(
                "未通过自动审查的图纸不能批准，只能退回修改",
                "a drawing that failed the automated checks cannot be approved, only returned",
                material=material.pk,
            )
        material.approve()
    else:
        if not comment:
            raise NotPermitted(
                "退回图纸须填写意见，告诉建设单位要改什么",
                "returning a drawing needs a comment telling the owner what to change",
                material=material.pk,
            )
        material.return_for_correction(comment)
    material.save()
    material_status_journal(
        material,
        "drawing.approved" if approve else "drawing.returned",
        actor=user,
        comment=comment,
    )
    return material


def drawing_review_finish(*, case: Case, user):
    """Complete the drawing review task once every drawing has a verdict.

    The verdict is ``approve`` when all drawings are approved, else ``return`` with the
    returned drawings' comments; the BPMN loop then asks the owner for new versions.
    """
    task = _reviewer_may_decide(case, user)
    drawings = list(case_drawings(case))
    undecided = [
        m.original_name
        for m in drawings
        if m.status not in (Material.Status.APPROVED, Material.Status.RETURNED)
    ]
    if undecided:
        raise NotPermitted(
            "还有图纸没有审图意见：" + "、".join(undecided),
            "some drawings have no verdict yet: " + ", ".join(undecided),
            drawings=undecided,
        )
    returned = [m for m in drawings if m.status == Material.Status.RETURNED]
    comment = "\n".join(f"{m.original_name}: {m.review_comment}" for m in returned)
    return task_complete(
        task_id=task.task_id,
        user=user,
        data={"drawing_verdict": "return" if returned else "approve", "drawing_comment": comment},
    )


def drawing_index_supply(*, case: Case, user, data: bytes, filename: str) -> list:
    """The owner supplies (or replaces) the case's drawing index (图纸目录); journaled.

    The set review then compares every drawing's number and sheet name with it. A refused
    file (UploadRefused) leaves the index already supplied in place.
    """
    if not case.project.owner.members.filter(pk=user.pk).exists():
        raise NotPermitted(
            "只有建设单位可以提交图纸目录", "only the owner can supply the drawing index"
        )
    if case.status in (Case.Status.ACCEPTED, Case.Status.ARCHIVED):
        raise NotPermitted(
            "案件已验收，不能再修改图纸目录",
            "the case is accepted; its drawing index can no longer change",
        )
    entries = parse_drawing_index(data, filename)
    with transaction.atomic():
        case.drawing_index = [list(entry) for entry in entries]
        case.save(update_fields=["drawing_index"])
        journal_append(
            chain=case.reference,
            kind="drawing.index_supplied",
            actor=user,
            payload={"file": filename, "entries": len(entries)},
        )
    return entries
