from django.contrib.contenttypes.models import ContentType

from workflows.models import HumanTask, ProcessInstance

from ..models import Case


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
