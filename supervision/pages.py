"""The inspection process's tasks in the plugin's inbox (``WORKFLOWS_TASK_PAGES``): each is
worked on the inspection's own page, with the case's records, the findings and their evidence."""

from __future__ import annotations

from django.urls import reverse

from workflows.pages import TaskPages


class InspectionTaskPages(TaskPages):
    def own_page(self, task) -> str:
        return reverse("supervision:inspection", args=[task.instance.business_key])
