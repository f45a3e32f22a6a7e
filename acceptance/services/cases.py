from django.db import transaction

from workflows.engine import instance_start, lock_tries, task_complete
from workflows.exceptions import TaskNotAvailable, TaskPermissionDenied
from workflows.inbox import can_work
from workflows.models import HumanTask

from ..conf import setting
from ..exceptions import NotPermitted
from ..models import Case, CommitmentPolicy, Decision, Project
from ..models.case import PROCESS_ID, conditional_refusal
from ..selectors.cases import case_open_task
from ..selectors.catalog import catalog_current_version
from .projects import new_reference


def process_variables(case: Case) -> dict:
    """The process variables a case starts with; durations come from settings, not the BPMN."""
    return {
        "case": case.reference,
        "owner": case.owner_user.get_username(),
        "nodes": list(case.project.nodes.order_by("position").values_list("code", flat=True)),
        "node_results": [],
        "review_sla": setting("ACCEPTANCE_REVIEW_SLA"),
    }


def case_open(*, project: Project, user) -> Case:
    """Open an acceptance case for a project and start its BPMN process.

    The case files against the catalog version current now, for as long as it runs.
    """
    if not project.owner.members.filter(pk=user.pk).exists():
        raise NotPermitted(
            "只有建设单位的成员可以发起验收申请",
            "only members of the owner organisation can open an acceptance case",
        )
    # In the engine's tries: a slow script of the process's first step ends this transaction
    # and runs with nothing locked (``workflows.engine.lock_tries``).
    for attempt in lock_tries():
        with attempt, transaction.atomic(durable=True):
            case = Case.objects.create(
                reference=new_reference("YS"),
                project=project,
                owner_user=user,
                catalog_version=catalog_current_version(),
            )
            instance_start(
                process_id=PROCESS_ID,
                business_object=case,
                business_key=case.reference,
                data=process_variables(case),
                actor=user,
            )
    return case


def case_task_for(
    case: Case, task_name: str, user, *, absent: tuple[str, str], denied: tuple[str, str]
) -> HumanTask:
    """The case's open task ``task_name``, which ``user`` must be allowed to work on.

    A page that acts inside a task (a verdict per drawing, per AV item) asks here first, so it
    refuses exactly whom working the task would refuse; a delegate works on it too (completing
    stays with its owner). ``absent`` and ``denied`` are the refusals' Chinese and English texts.
    """
    task = case_open_task(case, task_name)
    if task is None:
        raise TaskNotAvailable(*absent, task_name=task_name)
    if not can_work(user, task):
        raise TaskPermissionDenied(*denied, task_name=task_name)
    return task


def case_task_complete(*, case: Case, task_name: str, user, data: dict | None = None):
    """Complete the case's open task ``task_name`` (refused clearly if it is not open)."""
    task = case_open_task(case, task_name)
    if task is None:
        raise TaskNotAvailable(
            f"案件 {case.reference} 当前没有待办的“{task_name}”任务",
            f"case {case.reference} has no open {task_name!r} task now",
            task_name=task_name,
        )
    return task_complete(task_id=task.task_id, user=user, data=data)


def decision_submit(
    *, case: Case, user, outcome: str, tolerated_codes: list[str] = (), comment: str = ""
):
    """The reviewer's acceptance decision; a conditional one must name tolerable items only.

    Only a conditional acceptance tolerates items: the decision form starts with the missing
    tolerable ones ticked, and accepting or returning the case leaves them out of the record."""
    if outcome != Decision.Outcome.CONDITIONAL:
        tolerated_codes = []
    else:
        items = list(case.catalog_version.items.filter(code__in=tolerated_codes))
        unknown = sorted(set(tolerated_codes) - {item.code for item in items})
        refusal = conditional_refusal(case, items, CommitmentPolicy.objects.current(), unknown)
        if refusal is not None:
            raise refusal
    return case_task_complete(
        case=case,
        task_name="acceptance_decision",
        user=user,
        data={"decision": outcome, "tolerated_items": list(tolerated_codes), "comment": comment},
    )
