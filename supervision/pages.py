"""The inspection process's tasks in the plugin's inbox (``WORKFLOWS_TASK_PAGES``): each is
worked on the inspection's own page, with the case's records, the findings and their evidence."""

from __future__ import annotations

from django.urls import reverse

from workflows.pages import TaskPages

from .models import Inspection


class InspectionTaskPages(TaskPages):
    def subject_labels(self, tasks) -> list[str]:
        """The plan's and the case's numbers and the project inspected, in one query."""
        keys = {task.instance.business_key for task in tasks}
        inspections = {
            inspection.reference: inspection
            for inspection in Inspection.objects.filter(reference__in=keys).select_related(
                "plan", "case__project"
            )
        }
        labels = []
        for task in tasks:
            inspection = inspections.get(task.instance.business_key)
            labels.append(
                f"双随机抽查 {inspection.plan.reference} · {inspection.case.reference} "
                f"{inspection.case.project.name}"
                if inspection
                else task.instance.business_key
            )
        return labels

    def own_page(self, task) -> str:
        return reverse("supervision:inspection", args=[task.instance.business_key])
