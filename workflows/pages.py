"""How a host application lends its knowledge to the plugin's inbox and task pages.

The pages in ``workflows.views`` know tasks, forms and journals, nothing of any business. A site
names a ``TaskPages`` subclass per kind of business object in ``WORKFLOWS_TASK_PAGES`` (a dict
from the business object's model, ``"app_label.model"``, to a dotted path, ``"*"`` for any other;
a single dotted path serves every task) to say what a task's business object is, who else may read a task, the choices of fields the BPMN leaves open, how a
task is completed when the business needs more than ``task_complete``, and what to show beside
the form. Per task, the page also includes ``workflows/panels/<BPMN task id>.html`` when a
template of that name exists, with ``task``, ``case`` (the business object) and ``request``.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
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
        return self.subject_labels([task])[0]

    def subject_labels(self, tasks: list[HumanTask]) -> list[str]:
        """What each of ``tasks`` is about, as a list page shows it; a host whose label reads
        its business object loads them all at once here, not one query per row."""
        return [task.instance.business_key for task in tasks]

    def own_page(self, task: HumanTask) -> str:
        """The address of the host's own page where this task is worked (steps that need more
        than a form: files, item-by-item findings), or "" for the plugin's task page."""
        return ""

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
        """Those of ``tasks`` about the subject ``value`` (one of ``subject_filters``)."""
        return tasks.none()


@cache
def _pages_class(path: str) -> type[TaskPages]:
    return import_string(path)


class SitePages:
    """The site's task pages: the ``TaskPages`` of each kind of business object."""

    def __init__(self, setting: str | dict[str, str]) -> None:
        paths = {"*": setting} if isinstance(setting, str) else setting
        self._by_model = {model: _pages_class(path)() for model, path in paths.items()}
        self._default = self._by_model.get("*") or TaskPages()

    def for_task(self, task: HumanTask) -> TaskPages:
        content_type = ContentType.objects.get_for_id(task.instance.content_type_id)
        return self._by_model.get(f"{content_type.app_label}.{content_type.model}", self._default)

    def _models(self) -> list[tuple[str, TaskPages]]:
        return [(model, pages) for model, pages in self._by_model.items() if model != "*"]

    def subject_labels(self, tasks: list[HumanTask]) -> list[str]:
        """Each task's subject label, each kind's asked once for all its tasks."""
        groups: dict[int, tuple[TaskPages, list[int]]] = {}
        for index, task in enumerate(tasks):
            pages = self.for_task(task)
            groups.setdefault(id(pages), (pages, []))[1].append(index)
        labels = [""] * len(tasks)
        for pages, indexes in groups.values():
            for index, text in zip(
                indexes, pages.subject_labels([tasks[i] for i in indexes]), strict=True
            ):
                labels[index] = text
        return labels

    def subject_filters(self, user) -> list[tuple[str, str]]:
        return [
            choice for pages in self._by_model.values() for choice in pages.subject_filters(user)
        ]

    def filter_by_subject(self, tasks: QuerySet, value: str) -> QuerySet:
        """Tasks about ``value`` under any kind's reading of it, each kind over its own tasks."""
        matched = tasks.none()
        for model, pages in self._models():
            app_label, model_name = model.split(".")
            own = tasks.filter(
                instance__content_type__app_label=app_label,
                instance__content_type__model=model_name,
            )
            matched |= pages.filter_by_subject(own, value)
        if "*" in self._by_model:
            matched |= self._default.filter_by_subject(tasks, value)
        return matched


def site_pages() -> SitePages:
    return _site_pages(_setting_key(getattr(settings, "WORKFLOWS_TASK_PAGES", "")))


def task_pages_for(task: HumanTask) -> TaskPages:
    """The ``TaskPages`` of ``task``'s business object."""
    return site_pages().for_task(task)


def _setting_key(setting) -> str | tuple:
    return tuple(sorted(setting.items())) if isinstance(setting, dict) else setting


@cache
def _site_pages(key: str | tuple) -> SitePages:
    setting = dict(key) if isinstance(key, tuple) else (key or "workflows.pages.TaskPages")
    return SitePages(setting)
