"""The open catalog, as the public sees it: masked titles, access levels, no closed record."""

from rest_framework import serializers
from rest_framework.reverse import reverse

from access.catalog.levels import PUBLIC_LEVELS
from access.catalog.models import AccessLevel, CatalogEntry

PUBLIC_LEVEL_CHOICES = [(level, AccessLevel(level).label) for level in PUBLIC_LEVELS]


class CatalogEntrySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=CatalogEntry.Kind.choices, help_text="项目、案卷或文件 project, volume or file"
    )
    level = serializers.ChoiceField(
        choices=PUBLIC_LEVEL_CHOICES,
        help_text="开放等级：open 开放（无须证明），controlled 控制使用（凭证明材料申请）",
    )
    title = serializers.CharField(help_text="题名，个人信息已脱敏 title, personal data masked")
    detail = serializers.CharField(help_text="主要著录项 key metadata, masked likewise")
    code = serializers.CharField(help_text="项目编号、档号或归档范围代码 number or code")
    year = serializers.IntegerField(allow_null=True, help_text="年度 year")
    project = serializers.CharField(source="project.reference", help_text="项目编号 project number")
    project_name = serializers.CharField(source="project_title", help_text="项目名称 project name")
    project_url = serializers.SerializerMethodField(help_text="该项目公开目录（接口）")

    class Meta:
        model = CatalogEntry
        fields = (
            "kind", "level", "title", "detail", "code", "year", "project", "project_name",
            "project_url",
        )  # fmt: skip

    def get_project_url(self, entry) -> str:
        return reverse(
            "api:public-catalog-detail",
            kwargs={"reference": entry.project.reference},
            request=self.context.get("request"),
        )


class CatalogFileSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="题名，个人信息已脱敏 title, personal data masked")
    detail = serializers.CharField(
        help_text="归档范围条目、文号、责任者 catalog item, number, author"
    )
    year = serializers.IntegerField(allow_null=True)
    level = serializers.ChoiceField(choices=PUBLIC_LEVEL_CHOICES)


class CatalogVolumeSerializer(serializers.Serializer):
    code = serializers.CharField(
        source="entry.code", default="", help_text="档号 volume code (empty: not in a volume)"
    )
    title = serializers.CharField(source="entry.title", default="未组卷文件 files not in a volume")
    detail = serializers.CharField(source="entry.detail", default="")
    files = CatalogFileSerializer(many=True)


class ProjectCatalogSerializer(serializers.Serializer):
    reference = serializers.CharField(source="project.code", help_text="项目编号 project number")
    name = serializers.CharField(source="project.title", help_text="项目名称 project name")
    location = serializers.CharField(source="project.project.location")
    owner = serializers.CharField(source="project.project.owner.name", help_text="建设单位 owner")
    completion_date = serializers.DateField(
        source="project.project.completion_date", allow_null=True
    )
    level = serializers.ChoiceField(source="project.level", choices=PUBLIC_LEVEL_CHOICES)
    open_files = serializers.IntegerField(help_text="开放文件数 open files")
    controlled_files = serializers.IntegerField(help_text="控制使用文件数 files on request")
    closed_files = serializers.IntegerField(
        help_text="不开放文件数（不列出）closed files, not listed"
    )
    volumes = CatalogVolumeSerializer(many=True)
