"""The fields a user task expects, declared in BPMN, and the validation of submitted data.

A user task declares its fields as JSON in a ``spiffworkflow:property`` named ``form``::

    [{"name": "decision", "type": "choice", "choices": ["accept", "return"], "required": true,
      "label_zh": "审核结论", "label_en": "Decision"}]

Only declared fields enter the process data, so a submission cannot overwrite other variables;
an optional field left empty still enters it, with its type's empty value, so gateway conditions
and service parameters can always name it. Types: text, choice, multichoice, boolean, integer.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django import forms
from django.utils.html import conditional_escape as escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .exceptions import DefinitionRejected, TaskDataInvalid

EMPTY_VALUES = {"text": "", "choice": None, "multichoice": [], "boolean": False, "integer": None}
MAX_TEXT_LENGTH = 10_000
CHOICE_TYPES = ("choice", "multichoice")

ChoicesFor = Callable[[dict], list[tuple[str, str]]]
# A multichoice with more options than this, or with groups, is searchable and folds its groups.
SEARCHABLE_CHOICES = 12


def parse_form(raw: str | None, task_name: str) -> list[dict]:
    if not raw:
        return []
    try:
        fields = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DefinitionRejected(
            f"任务 {task_name} 的 form 属性不是合法 JSON：{exc}",
            f"the form property of task {task_name} is not valid JSON: {exc}",
        ) from exc
    for field in fields:
        if field.get("type", "text") not in EMPTY_VALUES or "name" not in field:
            raise DefinitionRejected(
                f"任务 {task_name} 的字段定义有误：{field}",
                f"task {task_name} declares an invalid field: {field}",
            )
    return fields


def _invalid(field: dict, zh: str, en: str) -> TaskDataInvalid:
    return TaskDataInvalid(
        f"{field.get('label_zh', field['name'])}：{zh}",
        f"{field.get('label_en', field['name'])}: {en}",
        field=field["name"],
    )


def _clean_value(field: dict, value, options: list[str] | None):
    kind = field.get("type", "text")
    if kind == "text":
        if not isinstance(value, str):
            raise _invalid(field, "应为文本", "must be text")
        if len(value) > MAX_TEXT_LENGTH:
            raise _invalid(
                field, f"不得超过 {MAX_TEXT_LENGTH} 字", f"must be at most {MAX_TEXT_LENGTH} chars"
            )
        if "\x00" in value:  # PostgreSQL's JSON cannot store it; no person types it
            raise _invalid(field, "含有不允许的空字符", "contains a NUL character")
        return value
    if kind == "choice":
        if value not in (options or []):
            allowed = ", ".join(map(str, options or []))
            raise _invalid(field, f"只能是 {allowed} 之一", f"must be one of {allowed}")
        return value
    if kind == "multichoice":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid(field, "应为文本列表", "must be a list of text values")
        unknown = sorted(set(value) - set(options)) if options is not None else []
        if unknown:
            listed = ", ".join(unknown)
            raise _invalid(
                field,
                f"{listed} 不在可选项中，请从列出的选项中选择",
                f"{listed} not among the options; choose from the options listed",
            )
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid(field, "应为是或否", "must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(field, "应为整数", "must be a whole number")
    return value


def field_options(field: dict, choices_for: ChoicesFor | None = None) -> list[str] | None:
    """The values a choice field accepts: the site's choices for it, else the declared ones;
    ``None`` when neither names any (an open list of text values)."""
    offered = choices_for(field) if choices_for is not None else []
    if offered:
        # Grouped choices, as Django forms take them: (group label, [(value, label), ...]).
        pairs = [
            pair
            for value, label in offered
            for pair in (label if isinstance(label, (list, tuple)) else [(value, label)])
        ]
        return [str(value) for value, _label in pairs]
    declared = field.get("choices")
    return [str(value) for value in declared] if declared is not None else None


def clean_task_data(fields: list[dict], data: dict, choices_for: ChoicesFor | None = None) -> dict:
    """Validate ``data`` against the declared fields; return only the declared fields.

    A choice or multichoice value must be among the field's options: those ``choices_for(field)``
    gives ((value, label) pairs, as for ``task_form_class``), else the declared ``choices``.
    """
    declared = {field["name"]: field for field in fields}
    unexpected = sorted(set(data) - set(declared))
    if unexpected:
        raise TaskDataInvalid(
            f"该任务不接受这些字段：{', '.join(unexpected)}",
            f"this task does not accept the fields: {', '.join(unexpected)}",
            field=unexpected[0],
        )
    cleaned = {}
    for name, field in declared.items():
        if name not in data or data[name] in (None, "", []):
            if field.get("required", False):
                raise _invalid(field, "必填", "is required")
            cleaned[name] = EMPTY_VALUES[field.get("type", "text")]
            continue
        options = field_options(field, choices_for) if field.get("type") in CHOICE_TYPES else None
        cleaned[name] = _clean_value(field, data[name], options)
    return cleaned


def field_label(field: dict) -> str:
    """The field's label in the active language (Chinese unless English is chosen)."""
    english = (get_language() or "").startswith("en")
    label = field.get("label_en" if english else "label_zh")
    return label or field.get("label_zh") or field.get("label_en") or field["name"]


def _checkboxes_html(options: list[dict]) -> SafeString:
    """The options' checkboxes, each as ``<li><label><input ...> label</label></li>`` with its
    attributes written as Django's ``widgets/attrs.html`` writes them (True alone, False left
    out). Written here, not by a template per option: a catalog field has hundreds of options,
    and an include per option was a third of the task page's time."""
    lines = []
    for option in options:
        attrs = "".join(
            f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
            for name, value in option["attrs"].items()
            if value is not False
        )
        lines.append(
            f'<li><label><input type="checkbox" name="{escape(option["name"])}"'
            f' value="{escape(option["value"])}"{attrs}> {escape(option["label"])}</label></li>'
        )
    return mark_safe("".join(lines))  # every value above is escaped


class GroupedCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes in folding groups (choices given as ``(group, [(value, label), ...])``) with a
    search box: a long list of options stays workable. Groups holding a ticked option open."""

    template_name = "workflows/widgets/grouped_checkboxes.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["groups"] = [
            {
                "name": group,
                "options": options,
                "checkboxes": _checkboxes_html(options),
                "selected": sum(1 for option in options if option["selected"]),
            }
            for group, options, _index in context["widget"]["optgroups"]
        ]
        context["widget"]["selected"] = sum(g["selected"] for g in context["widget"]["groups"])
        return context


def _is_grouped(choices) -> bool:
    return any(isinstance(label, (list, tuple)) for _value, label in choices)


def _form_field(field: dict, choices: list[tuple]) -> forms.Field:
    kind = field.get("type", "text")
    options = {"label": field_label(field), "required": bool(field.get("required", False))}
    if kind == "text":
        return forms.CharField(
            max_length=MAX_TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 3}), **options
        )
    if kind == "choice":
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **options)
    if kind == "multichoice":
        if choices:
            long = _is_grouped(choices) or len(choices) > SEARCHABLE_CHOICES
            widget = GroupedCheckboxes if long else forms.CheckboxSelectMultiple
            return forms.MultipleChoiceField(choices=choices, widget=widget, **options)
        # No known choices: one value per line.
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **options)
    if kind == "boolean":
        return forms.BooleanField(**options)
    return forms.IntegerField(**options)


def task_form_class(fields: list[dict], choices_for: ChoicesFor) -> type[forms.Form]:
    """A Django form for a task's declared fields; ``choices_for(field)`` gives (value, label)
    pairs for choice fields (the declared choices when it returns nothing)."""
    attrs = {}
    for field in fields:
        declared = [(str(value), str(value)) for value in field.get("choices", [])]
        attrs[field["name"]] = _form_field(field, choices_for(field) or declared)
    return type("TaskForm", (forms.Form,), attrs)


def form_task_data(fields: list[dict], cleaned: dict) -> dict:
    """A task form's cleaned data as ``clean_task_data`` takes it."""
    data = {}
    for field in fields:
        value = cleaned.get(field["name"])
        if field.get("type") == "multichoice" and isinstance(value, str):
            value = [line.strip() for line in value.splitlines() if line.strip()]
        data[field["name"]] = value
    return data
