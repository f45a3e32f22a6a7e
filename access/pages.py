"""Records access on the plugin's inbox and task pages (``WORKFLOWS_TASK_PAGES``)."""

from __future__ import annotations

from workflows.models import HumanTask
from workflows.pages import TaskPages

from .models import AccessRequest
from .services import REVIEW_TASK, review_validate


class AccessTaskPages(TaskPages):
    """A request's tasks: named by number, purpose and requester; the review's record choices
    are the request's records; an invalid decision is refused on the page, not in the process."""

    def subject_labels(self, tasks: list[HumanTask]) -> list[str]:
        keys = {task.instance.business_key for task in tasks}
        requests = {
            r.reference: r
            for r in AccessRequest.objects.filter(reference__in=keys).select_related("purpose")
        }
        labels = []
        for task in tasks:
            request = requests.get(task.instance.business_key)
            labels.append(
                f"查档申请 {request.reference} · {request.purpose.name_zh} · {request.requester_name}"
                if request
                else task.instance.business_key
            )
        return labels

    def facts(self, task: HumanTask, subject) -> list[tuple[str, str]]:
        return [
            ("查档申请", subject.reference),
            ("申请人", f"{subject.requester_name}（{subject.get_role_display()}）"),
            ("利用目的", subject.purpose.name_zh),
            ("建设项目", subject.project.name),
        ]

    def choices(self, task: HumanTask, subject, field: dict) -> list[tuple]:
        if field["name"] == "approved_records":
            return [
                (str(m.pk), f"{m.catalog_item.code} {m.title or m.original_name}")
                for m in subject.records.select_related("catalog_item")
            ]
        return []

    def complete(self, task: HumanTask, subject, user, data: dict) -> HumanTask:
        if task.task_name == REVIEW_TASK:
            review_validate(
                subject,
                data.get("decision") or "",
                list(data.get("approved_records") or []),
                data.get("reasons") or "",
            )
        return super().complete(task, subject, user, data)
