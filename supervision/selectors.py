"""Reads for supervision: the population of a plan, its inspector pool and who must recuse."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from acceptance.models import Case, Commitment
from workflows.labels import SHANGHAI, local_time
from workflows.models import HumanTask, JournalEntry

from .models import Draw, Inspection, InspectionPlan, Recusal

# Every case the archive has accepted, conditionally or not, is open to supervision.
ACCEPTED = (Case.Status.ACCEPTED, Case.Status.CONDITIONALLY_ACCEPTED, Case.Status.ARCHIVED)
ALL_STRATA = "all"
EXCLUDED_REVIEWED = "reviewed"
EXCLUDED_SAME_ORGANISATION = "same_organisation"
EXCLUDED_DECLARED = "declared_conflict"


def plan_cases(plan: InspectionPlan) -> QuerySet[Case]:
    since = datetime.combine(plan.period_start, time.min, SHANGHAI)
    until = datetime.combine(plan.period_end + timedelta(days=1), time.min, SHANGHAI)
    cases = Case.objects.filter(
        status__in=ACCEPTED, decided_at__gte=since, decided_at__lt=until
    ).select_related("project__owner")
    if plan.works_type:
        cases = cases.filter(project__works_type=plan.works_type)
    if plan.population == InspectionPlan.Population.COMMITMENTS:
        cases = cases.filter(project__owner__in=owners_with_open_or_late_commitments())
    return cases.order_by("reference")


def owners_with_open_or_late_commitments() -> QuerySet:
    """Owner organisations with a signed commitment still open, or one ever fulfilled late."""
    Status = Commitment.Status
    return (
        Commitment.objects.filter(
            status__in=(Status.PENDING, Status.OVERDUE, Status.ESCALATED, Status.FULFILLED_LATE)
        )
        .values("case__project__owner")
        .distinct()
    )


def plan_population(plan: InspectionPlan) -> list[dict]:
    """The ordered population list as it is published (organisation names, no persons)."""
    return [
        {
            "id": case.reference,
            "project": case.project.name,
            "organisation": case.project.owner.name,
            "works_type": case.project.works_type,
            "accepted_on": local_time(case.decided_at, "%Y-%m-%d"),
            "stratum": case.project.works_type if plan.stratify else ALL_STRATA,
        }
        for case in plan_cases(plan)
    ]


def plan_inspectors(plan: InspectionPlan) -> list:
    return list(
        get_user_model()
        .objects.filter(groups=plan.inspector_group, is_active=True)
        .order_by("username")
    )


def inspector_codes(inspectors: list) -> dict:
    """Each inspector's opaque code (I-01, I-02, ...) handed out in a random order.

    The files published name inspectors only by these codes; the order is random so that a code
    tells nothing of the person (neither username nor name order).
    """
    shuffled = list(inspectors)
    secrets.SystemRandom().shuffle(shuffled)
    width = max(2, len(str(len(shuffled))))
    return {user: f"I-{n:0{width}d}" for n, user in enumerate(shuffled, 1)}


def inspector_people(plan: InspectionPlan) -> list[tuple[str, object]]:
    """(code, user) for a published plan, in code order: for supervisors only, never published."""
    users = get_user_model().objects.in_bulk(plan.inspector_codes.values())
    return sorted((code, users[pk]) for code, pk in plan.inspector_codes.items())


def plan_exclusions(plan: InspectionPlan, codes: dict) -> dict[str, dict[str, str]]:
    """Per case reference, the codes of the inspectors who may not inspect it and why (first reason
    wins); ``codes`` gives each inspector's code."""
    by_pk = {user.pk: code for user, code in codes.items()}
    by_username = {user.get_username(): code for user, code in codes.items()}
    exclusions: dict[str, dict[str, str]] = {}
    for case in plan_cases(plan):
        found: dict[str, str] = {}
        reviewers = HumanTask.objects.filter(
            instance__business_key=case.reference, completed_by__in=by_pk
        ).values_list("completed_by", flat=True)
        for code in sorted(by_pk[pk] for pk in set(reviewers)):
            found.setdefault(code, EXCLUDED_REVIEWED)
        actors = JournalEntry.objects.filter(chain=case.reference, actor__in=by_username)
        for code in sorted(
            by_username[name] for name in set(actors.values_list("actor", flat=True))
        ):
            found.setdefault(code, EXCLUDED_REVIEWED)
        members = case.project.owner.members.filter(pk__in=by_pk).values_list("pk", flat=True)
        for code in sorted(by_pk[pk] for pk in members):
            found.setdefault(code, EXCLUDED_SAME_ORGANISATION)
        declared = Recusal.objects.filter(organisation=case.project.owner, inspector__in=by_pk)
        for code in sorted(by_pk[pk] for pk in declared.values_list("inspector", flat=True)):
            found.setdefault(code, EXCLUDED_DECLARED)
        if found:
            exclusions[case.reference] = dict(sorted(found.items()))
    return exclusions


def published_plans() -> QuerySet[InspectionPlan]:
    # The reference breaks ties: pages of the public API must not overlap.
    return InspectionPlan.objects.exclude(status=InspectionPlan.Status.DRAFT).order_by(
        "-published_at", "reference"
    )


def latest_draw(plan: InspectionPlan) -> Draw | None:
    return plan.draws.order_by("-number").first()


def draw_rows(draw: Draw) -> list[dict]:
    """A draw's result with each target's project and organisation, for the pages."""
    items = {item["id"]: item for item in draw.document["population"]}
    return [{**items[row["target"]], "inspectors": row["inspectors"]} for row in draw.result]


# What is known of a drawn target's inspection, as published. Before the draw is confirmed a
# target of the latest draw is still to be inspected; one of a superseded draw is never inspected.
OUTCOME_PENDING = "pending"
OUTCOME_SUPERSEDED = "superseded"
OUTCOME_INSPECTING = "inspecting"
OUTCOME_RECTIFYING = "rectifying"
OUTCOME_RECTIFICATION_OVERDUE = "rectification_overdue"
OUTCOME_REINSPECTING = "reinspecting"
OUTCOME_NO_ISSUE = "no_issue"
OUTCOME_RECTIFIED = "rectified"
OUTCOME_RECTIFIED_LATE = "rectified_late"
OUTCOME_REFERRED = "referred"


def inspection_outcome(inspection: Inspection) -> str:
    """Where an inspection stands, in the words the public notice uses."""
    Status, Decision = Inspection.Status, Inspection.Decision
    commitment = inspection.rectification
    if inspection.status == Status.CLOSED:
        if inspection.decision == Decision.RECTIFY:
            late = commitment.status == Commitment.Status.FULFILLED_LATE
            return OUTCOME_RECTIFIED_LATE if late else OUTCOME_RECTIFIED
        return OUTCOME_REFERRED if inspection.decision == Decision.REFER else OUTCOME_NO_ISSUE
    if inspection.status == Status.INSPECTING:
        return OUTCOME_INSPECTING
    if inspection.status == Status.REINSPECTING:
        return OUTCOME_REINSPECTING
    if commitment is not None and commitment.status in (
        Commitment.Status.OVERDUE,
        Commitment.Status.ESCALATED,
    ):
        return OUTCOME_RECTIFICATION_OVERDUE
    return OUTCOME_RECTIFYING


# The colour of an outcome's tag: settled well, under way, or needing attention.
OUTCOME_TONES = {
    OUTCOME_NO_ISSUE: "ok",
    OUTCOME_RECTIFIED: "ok",
    OUTCOME_RECTIFIED_LATE: "warn",
    OUTCOME_RECTIFICATION_OVERDUE: "bad",
    OUTCOME_REFERRED: "bad",
}


def outcome_tone(outcome: str) -> str:
    return OUTCOME_TONES.get(outcome, "neutral")


def _local_date(moment) -> str:
    return local_time(moment, "%Y-%m-%d") if moment else ""


def draw_outcomes(draw: Draw, latest_number: int) -> dict[str, dict]:
    """Per drawn case: its outcome and the dates of the decision and the closing (public)."""
    inspections = {
        inspection.case.reference: inspection
        for inspection in draw.inspections.select_related("case", "rectification")
    }
    outcomes = {}
    for row in draw.result:
        inspection = inspections.get(row["target"])
        if inspection is None:
            outcome = OUTCOME_PENDING if draw.number == latest_number else OUTCOME_SUPERSEDED
            outcomes[row["target"]] = {"outcome": outcome, "decided_on": "", "closed_on": ""}
        else:
            outcomes[row["target"]] = {
                "outcome": inspection_outcome(inspection),
                "decided_on": _local_date(inspection.decided_at),
                "closed_on": _local_date(inspection.closed_at),
            }
    return outcomes


def published_draws(since: date | None = None, until: date | None = None) -> QuerySet[Draw]:
    """Draws of published plans, oldest first; with dates, those drawn in that period (Shanghai)."""
    draws = Draw.objects.filter(plan__in=published_plans()).select_related("plan")
    if since is not None:
        draws = draws.filter(drawn_at__gte=datetime.combine(since, time.min, SHANGHAI))
    if until is not None:
        until_next = datetime.combine(until + timedelta(days=1), time.min, SHANGHAI)
        draws = draws.filter(drawn_at__lt=until_next)
    return draws.order_by("drawn_at", "plan__reference", "number")


def public_targets(draw: Draw, latest_number: int) -> list[dict]:
    """A draw's targets as published: case, project, organisation, stratum, dates and outcome.

    No inspector: who inspects which target is known to the archive, not announced to the target.
    """
    outcomes = draw_outcomes(draw, latest_number)
    return [
        {
            "case": row["id"],
            "project": row["project"],
            "organisation": row["organisation"],
            "stratum": row["stratum"],
            "accepted_on": row["accepted_on"],
            **outcomes[row["id"]],
        }
        for row in draw_rows(draw)
    ]


def _waiting(inspection: Inspection, tasks: dict) -> tuple[HumanTask | None, object]:
    """The open step of an inspection and when it is due (the task's SLA, or the rectification
    deadline while the owner rectifies)."""
    task = tasks.get(inspection.reference)
    if task is not None and task.task_name == "rectify" and inspection.rectification:
        return task, inspection.rectification.deadline
    return task, task.due_at if task else None


def inspection_rows(inspections) -> list[dict]:
    """Each inspection with its public outcome, its open step and when that step is due."""
    inspections = list(inspections)
    tasks = {
        task.instance.business_key: task
        for task in HumanTask.objects.open()
        .filter(instance__business_key__in=[i.reference for i in inspections])
        .select_related("instance")
    }
    rows = []
    for inspection in inspections:
        task, due = _waiting(inspection, tasks)
        rows.append(
            {
                "inspection": inspection,
                "outcome": inspection_outcome(inspection),
                "tone": outcome_tone(inspection_outcome(inspection)),
                "task": task,
                "due": due,
            }
        )
    return rows


def inspections_for(user, *, every: bool = False) -> list[dict]:
    """An inspector's inspections, open first; ``every``: all of them (supervisors)."""
    inspections = Inspection.objects.select_related(
        "case__project__owner", "plan", "lead_inspector", "rectification"
    )
    if not every:
        inspections = inspections.filter(inspectors=user)
    return inspection_rows(inspections.order_by("status", "-started_at", "reference"))


def plan_progress(plan: InspectionPlan) -> dict:
    """How far a plan's inspections are: one row each, and the count per outcome."""
    rows = inspection_rows(
        plan.inspections.select_related(
            "case__project__owner", "lead_inspector", "rectification"
        ).order_by("reference")
    )
    closed = sum(row["inspection"].status == Inspection.Status.CLOSED for row in rows)
    return {"rows": rows, "closed": closed, "total": len(rows)}
