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

from workflows.groups import in_groups
from workflows.labels import label, local_time, register
from workflows.pages import TaskPages
from workflows.paging import paged

from ..models import Case
from ..roles import AUDITORS, SUPERVISORS
from ..selectors.cases import cases_visible_to
from ..selectors.catalog import case_catalog_items, code_order
from ..selectors.checks import CheckState
from ..selectors.completeness import NOT_DELIVERED, completeness_report, material_line
from ..services.cases import decision_submit
from ..templatetags.commitments import decision_facts

DECISION_TASK = "acceptance_decision"
GUIDANCE_TASK = "node_guidance"
# Besides a task's own role and assignee, these read every task (and complete none of theirs).
TASK_READERS = (AUDITORS, SUPERVISORS)

CHOICE_LABELS = {
    "accept": ("通过", "accept"),
    "return": ("退回补正", "return for supplement"),
    "conditional": ("容缺受理", "conditional acceptance"),
    "approve": ("同意", "approve"),
    "more": ("需补充", "more needed"),
}
register("choice", CHOICE_LABELS, fallback=("—", "—"))

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

    def subject_labels(self, tasks) -> list[str]:
        """The case reference and project name of each task, all cases read in one query."""
        keys = {task.instance.business_key for task in tasks}
        names = dict(
            Case.objects.filter(reference__in=keys).values_list("reference", "project__name")
        )
        return [
            " ".join(
                filter(None, (task.instance.business_key, names.get(task.instance.business_key)))
            )
            for task in tasks
        ]

    def may_read(self, user, task) -> bool:
        visible = cases_visible_to(user).filter(reference=task.instance.business_key).exists()
        return visible and (super().may_read(user, task) or _reads_every_task(user))

    def context(self, task, subject, request) -> dict:
        if subject is None:
            return {}
        materials = (
            subject.materials.current()
            .select_related("catalog_item", "node")
            .order_by("catalog_item__code", "pk")
        )
        rows = [(material, material_line(material)) for material in materials]
        states = [line.check.state for _material, line in rows]
        context = {
            "material_count": len(rows),
            # Summary first: how many files are in each check state, then the problem files;
            # the whole list is folded and paged (``?page=`` opens it).
            "check_state_counts": [
                (state, label("check_state", state), states.count(state))
                for state in CheckState
                if state in states
            ],
            "material_problems": [
                (material, line)
                for material, line in rows
                if line.problems or material.status in NOT_DELIVERED
            ],
            "materials_paging": paged(request, rows),
            "materials_open": "page" in request.GET,
        }
        if task.task_name in COMPLETENESS_TASKS:
            context["completeness"] = completeness_report(subject)
        # The node a node task is about, for panels to name it (the context holds its code).
        if task.context.get("node"):
            context["task_node"] = subject.project.nodes.filter(code=task.context["node"]).first()
        return context

    def facts(self, task, subject) -> list[tuple[str, str]]:
        return task_facts(task, subject) if subject is not None else []

    def choices(self, task, subject, field: dict) -> list[tuple[str, str]]:
        name = field["name"]
        if name in CATALOG_FIELDS and subject is not None:
            items = case_catalog_items(subject)
            if CATALOG_FIELDS[name]:
                items = items.filter(tolerable=True)
            return _grouped_by_category(subject, items)
        return [
            (str(value), label("choice", value).bilingual if value in CHOICE_LABELS else value)
            for value in field.get("choices", [])
        ]

    def history_url(self, task) -> str:
        return reverse("acceptance:timeline", args=[task.instance.business_key])

    def initial(self, task, subject) -> dict:
        """Node guidance starts with the items the node check flagged: missing or failed; the
        decision with the missing items the policy tolerates, those a conditional acceptance
        has the owner commit to deliver (the reviewer unticks what they will not tolerate)."""
        if task.task_name == DECISION_TASK and subject is not None:
            facts = decision_facts(subject)
            if not facts["owner"].conditional_eligible:
                return {}
            return {"tolerated_items": [entry["item"].code for entry in facts["tolerable_missing"]]}
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
    return user.is_superuser or in_groups(user, TASK_READERS)


def _items(case: Case, codes) -> str:
    names = dict(case.catalog_version.items.filter(code__in=codes).values_list("code", "name_zh"))
    return "、".join(f"{code} {names.get(code, '')}".strip() for code in codes)


def _checked(result: dict, noun: str) -> str:
    failed = result.get("failed") or []
    text = f"已检测 {result.get('checked', 0)} {noun}"
    return text + (f"，{len(failed)} 个未通过：" + "、".join(failed) if failed else "，全部通过")


def _node_check(case: Case, result: dict) -> str:
    failed = result.get("failed") or []
    lines = [
        f"{len(failed)} 个文件检测未通过：" + "、".join(failed)
        if failed
        else "本节点文件检测全部通过"
    ]
    if result.get("missing"):
        lines.append("尚缺条目：" + _items(case, result["missing"]))
    for outcome in result.get("declaration") or []:
        lines.append(outcome["message_zh"])
    return "\n".join(lines)


def _completeness(case: Case, result: dict) -> str:
    if result.get("complete"):
        return "要求归档的条目已全部提交"
    lines = []
    if result.get("missing_blocking"):
        lines.append("缺主审要件（不可容缺）：" + _items(case, result["missing_blocking"]))
    if result.get("missing_tolerable"):
        lines.append("缺可容缺条目：" + _items(case, result["missing_tolerable"]))
    if result.get("notice"):
        lines.append(f"一次性告知 {len(result['notice'])} 项，见下方核对结果")
    return "\n".join(lines) or "—"


def _commitment(result: dict) -> str:
    deadline = result.get("deadline")
    return f"承诺期限至 {local_time(deadline)}（北京时间）" if deadline else "待签署"


def task_facts(task, case: Case) -> list[tuple[str, str]]:
    """The business facts of a task in words: project, node, what was submitted and found."""
    facts = [
        (_("项目"), f"{case.project.name}（{case.project.reference}）"),
        (_("案件状态"), str(case.get_status_display())),
    ]
    context = task.context
    for name, value in context.items():
        if value in (None, "", [], {}) or name == "case":
            continue
        title = label("variable", name).zh
        if name == "node":
            node = case.project.nodes.filter(code=value).first()
            facts.append((title, node.name_zh if node else str(value)))
        elif name == "node_check":
            facts.append((title, _node_check(case, value)))
        elif name == "completeness":
            facts.append((title, _completeness(case, value)))
        elif name in ("drawing_check", "media_check") and isinstance(value, dict):
            facts.append((title, _checked(value, "张图纸" if name == "drawing_check" else "件")))
        elif name in ("requested_items", "tolerated_items"):
            facts.append((title, _items(case, value)))
        elif name == "decision_result" and isinstance(value, dict):
            facts.append((title, label("choice", value.get("outcome")).zh))
        elif name == "commitment" and isinstance(value, dict):
            facts.append((title, _commitment(value)))
        elif name == "withdrawal_result" and isinstance(value, dict):
            facts.append((title, f"已撤销：{value.get('reason', '')}"))
        elif name == "delivery" and isinstance(value, dict):
            facts.append((title, _items(case, value.get("items") or []) or "已补交"))
        elif isinstance(value, str):
            facts.append((title, value))
    return facts
