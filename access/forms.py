"""The requester's and the archivist's forms."""

from __future__ import annotations

from django import forms

from acceptance.models import Case, Project

from .models import AccessRequest, EligibilityRule, RequesterKind


def rule_choices() -> list[tuple[str, str]]:
    rules = EligibilityRule.objects.in_force().select_related("purpose")
    return [
        (str(rule.pk), f"{rule.purpose.name_zh} · {rule.get_role_display().split(' ')[0]}")
        for rule in rules
    ]


def project_choices() -> list[tuple[str, str]]:
    projects = (
        Project.objects.filter(cases__status=Case.Status.ARCHIVED)
        .distinct()
        .order_by("name")
        .values_list("reference", "name", "location")
    )
    return [(reference, f"{name}（{location}）") for reference, name, location in projects]


class StartForm(forms.Form):
    """Step 1: what for, as whom, which building."""

    rule = forms.ChoiceField(label="利用目的与申请人身份 Purpose and who you are")
    project = forms.ChoiceField(label="建设项目 Project (building)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", "请选择 Choose…"), *rule_choices()]
        self.fields["project"].choices = [("", "请选择 Choose…"), *project_choices()]


class RequestForm(forms.Form):
    """Step 2: the requester, the records and the proofs (one file field per proof asked for)."""

    requester_name = forms.CharField(label="申请人姓名或单位名称 Name", max_length=200)
    requester_kind = forms.ChoiceField(
        label="申请人类型 Person or organisation", choices=RequesterKind.choices
    )
    records = forms.MultipleChoiceField(
        label="要查阅的档案 Records", widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, rule: EligibilityRule, records, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [
            (
                str(m.pk),
                f"{m.catalog_item.code} {m.catalog_item.name_zh} — {m.title or m.original_name}",
            )
            for m in records
        ]
        for kind in rule.proofs.order_by("code"):
            self.fields[f"proof_{kind.code}"] = forms.FileField(
                label=f"{kind.name_zh} {kind.name_en}",
                help_text=kind.hint_zh,
                required=False,
            )
        self.proof_kinds = list(rule.proofs.order_by("code"))


class SupplyForm(forms.Form):
    def __init__(self, *args, missing: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for item in missing:
            self.fields[f"proof_{item['code']}"] = forms.FileField(
                label=f"{item['name_zh']} {item['name_en']}", help_text=item["hint"], required=False
            )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核结论 Decision", choices=AccessRequest.Decision.choices, widget=forms.RadioSelect
    )
    approved_records = forms.MultipleChoiceField(
        label="同意利用的档案（部分同意时勾选）Records approved (for a partial approval)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reasons = forms.CharField(
        label="理由（部分同意或不予利用时必填，申请人可见）Reasons (the requester sees them)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, request: AccessRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approved_records"].choices = [
            (str(m.pk), f"{m.catalog_item.code} {m.title or m.original_name}")
            for m in request.records.select_related("catalog_item")
        ]
