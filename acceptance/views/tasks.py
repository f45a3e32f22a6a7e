"""What the acceptance domain adds to the plugin's generic task pages (``workflows.views``).

The plugin's inbox and task page stay free of construction knowledge; this class, named in
``WORKFLOWS_TASK_PAGES``, lends them the case (the business object), the case's current
materials with their four-property results, the catalog items that open multichoice fields
offer (tolerated items, items to add), readable labels of the declared choices, and the
acceptance decision's own rules (``decision_submit``: a conditional acceptance may tolerate no
core item). Panels for single tasks go in ``templates/workflows/panels/<task id>.html``.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows.pages import TaskPages

from ..models import Case
from ..roles import AUDITORS, SUPERVISORS
from ..selectors.cases import cases_visible_to
from ..selectors.catalog import case_catalog_items, code_order
from ..selectors.completeness import NOT_DELIVERED, completeness_report, material_line
from ..services.cases import decision_submit

DECISION_TASK = "acceptance_decision"
GUIDANCE_TASK = "node_guidance"
# Besides a task's own role and assignee, these read every task (and complete none of theirs).
TASK_READERS = (AUDITORS, SUPERVISORS)

CHOICE_LABELS = {
    "accept": _("通过"),
    "return": _("退回补正"),
    "conditional": _("容缺受理"),
    "approve": _("同意"),
    "more": _("需补充"),
}

# Tasks whose page shows the completeness report and its one-time notice (一次性告知).
COMPLETENESS_TASKS = ("apply_acceptance", "supplement", "acceptance_decision")
# Multichoice fields whose choices are the case's catalog items (tolerable ones only when
# tolerating).
CATALOG_FIELDS = {"tolerated_items": True, "requested_items": False}


class AcceptanceTaskPages(TaskPages):
    summary_template = "acceptance/_task_materials.html"

    def subject(self, task):
        return (
            Case.objects.select_related("project", "project__owner", "catalog_version")
            .filter(reference=task.instance.business_key)
            .first()
        )

    def subject_label(self, task) -> str:
        case = task.instance.business_object
        return (
            f"{task.instance.business_key} {case.project.name}"
            if case
            else task.instance.business_key
        )

    def may_read(self, user, task) -> bool:
        visible = cases_visible_to(user).filter(reference=task.instance.business_key).exists()
        return visible and (super().may_read(user, task) or _reads_every_task(user))

    def context(self, task, subject, user) -> dict:
        if subject is None:
            return {}
        materials = (
            subject.materials.current()
            .select_related("catalog_item", "node")
            .order_by("catalog_item__code", "pk")
        )
        rows = [(material, material_line(material)) for material in materials]
        context = {
            "material_rows": rows,
            # Files the checks or a reviewer found fault with: shown first, the rest folded.
            "material_problems": [
                (material, line)
                for material, line in rows
                if line.problems or material.status in NOT_DELIVERED
            ],
        }
        if task.task_name in COMPLETENESS_TASKS:
            context["completeness"] = completeness_report(subject)
        return context

    def choices(self, task, subject, field: dict) -> list[tuple[str, str]]:
        name = field["name"]
        if name in CATALOG_FIELDS and subject is not None:
            items = case_catalog_items(subject)
            if CATALOG_FIELDS[name]:
                items = items.filter(tolerable=True)
            return _grouped_by_category(subject, items)
        return [
            (str(value), f"{CHOICE_LABELS[value]} ({value})" if value in CHOICE_LABELS else value)
            for value in field.get("choices", [])
        ]

    def history_url(self, task) -> str:
        return reverse("acceptance:timeline", args=[task.instance.business_key])

    def initial(self, task, subject) -> dict:
        """Node guidance starts with the items the node check flagged: missing or failed."""
        if task.task_name != GUIDANCE_TASK:
            return {}
        check = task.context.get("node_check") or {}
        flagged = [*check.get("missing", []), *(f["item"] for f in check.get("findings", []))]
        return {"requested_items": sorted(set(flagged))}

    def complete(self, task, subject, user, data: dict):
        if task.task_name == DECISION_TASK and subject is not None:
            return decision_submit(
                case=subject,
                user=user,
                outcome=data.get("decision") or "",
                tolerated_codes=data.get("tolerated_items") or [],
                comment=data.get("comment") or "",
            )
        return super().complete(task, subject, user, data)

    def subject_filters(self, user) -> list[tuple[str, str]]:
        projects = (
            cases_visible_to(user)
            .values_list("project__reference", "project__name")
            .order_by("project__reference")
            .distinct()
        )
        return [(reference, f"{reference} {name}") for reference, name in projects]

    def filter_by_subject(self, tasks, value: str):
        references = Case.objects.filter(project__reference=value).values("reference")
        return tasks.filter(instance__business_key__in=references)


def _grouped_by_category(case, items) -> list[tuple[str, list[tuple[str, str]]]]:
    """Catalog items as choices under their top-level categories (A 工程准备阶段文件, ...)."""
    names = case.catalog_version.categories or {}
    groups: dict[str, list[tuple[str, str]]] = {}
    for item in sorted(items, key=lambda item: (item.category[:1], code_order(item.code))):
        letter = item.category[:1]
        groups.setdefault(f"{letter} {names.get(letter, '')}".strip(), []).append(
            (item.code, f"{item.code} {item.name_zh}")
        )
    return list(groups.items())


def _reads_every_task(user) -> bool:
    return user.is_superuser or user.groups.filter(name__in=TASK_READERS).exists()
