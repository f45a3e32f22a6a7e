"""Forms of the owner's pages: registering a project, uploading records."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organisation, Project


class ProjectRegisterForm(forms.ModelForm):
    """The project's basic facts (the certificate and the intake schema print them)."""

    owner = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("建设单位"), empty_label=None
    )

    class Meta:
        model = Project
        fields = ("owner", *Project.REGISTERED_FACTS)
        labels = {
            "name": _("项目名称"),
            "location": _("建设地点"),
            "works_type": _("工程类别"),
            "contractor": _("施工单位"),
            "supervisor": _("监理单位"),
            "designer": _("设计单位"),
            "planning_permit_no": _("建设工程规划许可证号"),
            "construction_permit_no": _("施工许可证号"),
            "floor_area_m2": _("建筑面积（平方米）"),
            "structure_type": _("结构类型"),
            "start_date": _("开工日期"),
            "completion_date": _("竣工日期"),
        }
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "completion_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Organisation.objects.filter(members=user)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("completion_date")
        if start and end and end < start:
            self.add_error(
                "completion_date",
                _("竣工日期不能早于开工日期 / completion cannot precede the start"),
            )
        return cleaned

    def facts(self) -> dict:
        """The project facts for ``project_register`` (without owner, name and location)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("owner", "name", "location")
        }
