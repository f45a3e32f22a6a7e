from django.contrib.contenttypes.models import ContentType

from workflows.groups import in_groups
from workflows.models import HumanTask, ProcessInstance

from ..models import Case, Material


def case_instance(case: Case) -> ProcessInstance:
    return ProcessInstance.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk)
    ).latest("started_at")


def case_open_task(case: Case, task_name: str) -> HumanTask | None:
    """The case's open user task with BPMN id ``task_name``, if the process is waiting on it."""
    return (
        HumanTask.objects.open()
        .filter(instance=case_instance(case), task_name=task_name)
        .order_by("created_at")
        .first()
    )


# Groups whose members read every case: archive staff and auditors (owners see their own).
AUDITORS = "auditors"
STAFF_GROUPS = ("reviewers", AUDITORS, "supervisors")


def is_auditor(user) -> bool:
    return in_groups(user, (AUDITORS,))


def reads_every_case(user) -> bool:
    return user.is_superuser or in_groups(user, STAFF_GROUPS)


def cases_visible_to(user):
    """Cases ``user`` may read: all for staff and auditors, else their organisations' cases."""
    cases = Case.objects.select_related("project", "project__owner", "catalog_version")
    if reads_every_case(user):
        return cases
    return cases.filter(project__owner__members=user).distinct()


# The owner's tasks that hand records over: until one completes, what it covers is still theirs.
OWNER_SUBMIT_TASKS = ("node_submit", "apply_acceptance", "supplement", "drawing_resubmit",
                      "media_resubmit")  # fmt: skip


def _covers(task: HumanTask, material) -> bool:
    return task.task_name != "node_submit" or (
        material.node is not None and task.context.get("node") == material.node.code
    )


def material_changeable(material) -> bool:
    """Whether the owner may still withdraw or replace ``material``: nobody reviewed it, an
    owner's submitting task covering it is open, and none covering it completed since upload."""
    if material.status not in Material.CHECKABLE:
        return False
    tasks = HumanTask.objects.filter(
        instance=case_instance(material.case), task_name__in=OWNER_SUBMIT_TASKS
    )
    submitted = tasks.filter(
        status=HumanTask.Status.COMPLETED, completed_at__gt=material.uploaded_at
    )
    if any(_covers(task, material) for task in submitted):
        return False
    return any(_covers(task, material) for task in tasks.filter(status=HumanTask.Status.OPEN))
