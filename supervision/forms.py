"""The supervisor's plan form: the facts ``plan_create`` needs, typed, with bilingual labels."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import Group

from acceptance.models.catalog import WorksType
from workflows.labels import label

from .labels import INSPECTORS
from .models import InspectionPlan


class GroupChoice(forms.ModelChoiceField):
    def label_from_instance(self, group) -> str:
        return label("group", group.name).bilingual


class PlanForm(forms.Form):
    title = forms.CharField(label="计划名称 Title", max_length=200)
    period_start = forms.DateField(
        label="验收日期自 Accepted from", widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(label="至 to", widget=forms.DateInput(attrs={"type": "date"}))
    works_type = forms.ChoiceField(
        label="工程类型 Works type",
        choices=[("", "全部 all"), *WorksType.choices],
        required=False,
    )
    population = forms.ChoiceField(
        label="检查对象范围 Population",
        choices=InspectionPlan.Population.choices,
        initial=InspectionPlan.Population.ACCEPTED,
    )
    stratify = forms.BooleanField(
        label="按工程类型分层抽取 Stratify by works type", required=False, initial=True
    )
    sample_size = forms.IntegerField(label="抽取数量 Sample size", min_value=1, required=False)
    sample_rate_percent = forms.DecimalField(
        label="或抽取比例（%）or rate (%)",
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        required=False,
    )
    inspector_group = GroupChoice(label="检查人员库 Inspector pool", queryset=Group.objects.none())
    inspectors_per_target = forms.IntegerField(
        label="每个对象检查人员数 Inspectors per target", min_value=1, initial=2
    )
    public_value_source = forms.CharField(
        label="公开随机值来源 Public value source",
        max_length=200,
        help_text="例如：上证综合指数某日收盘点位 e.g. an index's closing value on a named day",
    )
    public_value_date = forms.DateField(
        label="公开随机值日期（须晚于公布日）Public value date",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        groups = Group.objects.order_by("name")
        self.fields["inspector_group"].queryset = groups
        self.fields["inspector_group"].initial = groups.filter(name=INSPECTORS).first()
