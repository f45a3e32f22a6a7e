"""How a host application lends its knowledge to the plugin's inbox and task pages.

The pages in ``workflows.views`` know tasks, forms and journals, nothing of any business. A site
names a ``TaskPages`` subclass in ``WORKFLOWS_TASK_PAGES`` (dotted path) to say what a task's
business object is, who else may read a task, the choices of fields the BPMN leaves open, how a
task is completed when the business needs more than ``task_complete``, and what to show beside
the form. Per task, the page also includes ``workflows/panels/<BPMN task id>.html`` when a
template of that name exists, with ``task``, ``case`` (the business object) and ``request``.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from .engine import task_complete
from .inbox import can_assign, has_role
from .labels import label
from .models import HumanTask


class TaskPages:
    """The defaults: the plugin alone, with no business knowledge."""

    #: A template included on the task page above the form, with ``context()`` added.
    summary_template = ""

    def subject(self, task: HumanTask):
        """The business object the task is about (shown to panels as ``case``)."""
        return task.instance.business_object

    def subject_label(self, task: HumanTask) -> str:
        return task.instance.business_key

    def own_page(self, task: HumanTask) -> str:
        """The address of a page of the business object's own where this task is worked, or ""
        for the plugin's task page. A business object offers one with ``task_page_url(task)``
        (a process whose steps need more than a form: files, item-by-item findings)."""
        offer = getattr(task.instance.business_object, "task_page_url", None)
        return offer(task) if offer is not None else ""

    def may_read(self, user, task: HumanTask) -> bool:
        """Who may open a task page: its role, its assignee, its owner (who delegated it),
        whoever completed it, supervisors."""
        return (
            user.pk in (task.assignee_id, task.owner_id, task.completed_by_id)
            or has_role(user, task)
            or can_assign(user)
        )

    def context(self, task: HumanTask, subject, request) -> dict:
        """More for the summary template and panels; ``request`` for the user and paging."""
        return {}

    def facts(self, task: HumanTask, subject) -> list[tuple[str, str]]:
        """(label, text) pairs a person needs at the top of the task page.

        The plugin alone shows the task's plain context values under their registered labels
        (``workflows.labels``, namespace ``variable``); structured values are the business's to
        put in words, never shown as JSON.
        """
        return [
            (label("variable", name).zh, str(value))
            for name, value in task.context.items()
            if isinstance(value, (str, int, float)) and not isinstance(value, bool)
        ]

    def choices(self, task: HumanTask, subject, field: dict) -> list[tuple]:
        """(value, label) pairs of a choice field; empty means the BPMN's declared choices.

        A multichoice may group its options: ``(group label, [(value, label), ...])``.
        """
        return []

    def history_url(self, task: HumanTask) -> str:
        """Where the whole history of the task's instance is read (the task page shows the
        latest entries); empty for none."""
        return ""

    def initial(self, task: HumanTask, subject) -> dict:
        """Values the form starts with (what the checks already found, say)."""
        return {}

    def complete(self, task: HumanTask, subject, user, data: dict) -> HumanTask:
        return task_complete(
            task_id=task.task_id,
            user=user,
            data=data,
            choices_for=lambda field: self.choices(task, subject, field),
        )

    def subject_filters(self, user) -> list[tuple[str, str]]:
        """(value, label) pairs offered in the inbox's subject filter; none hides it."""
        return []

    def filter_by_subject(self, tasks: QuerySet, value: str) -> QuerySet:
        return tasks


@cache
def _pages_class(path: str) -> type[TaskPages]:
    return import_string(path)


def task_pages() -> TaskPages:
    path = getattr(settings, "WORKFLOWS_TASK_PAGES", "workflows.pages.TaskPages")
    return _pages_class(path)()
