from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from acceptance.models import Case, Project
from acceptance.selectors.cases import case_instance
from workflows.models import HumanTask, ProcessInstance

from ..selectors import projects_visible_to
from .common import UsernameField, VisibleSlugRelatedField


class CaseSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    owner_user = UsernameField()
    catalog_version = serializers.IntegerField(source="catalog_version.number", read_only=True)

    class Meta:
        model = Case
        fields = (
            "reference",
            "project",
            "project_name",
            "status",
            "owner_user",
            "catalog_version",
            "created_at",
            "submitted_at",
            "decided_at",
            "archived_at",
        )
        read_only_fields = fields


class OpenTaskSerializer(serializers.ModelSerializer):
    assignee = UsernameField()
    role = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = HumanTask
        fields = ("task_id", "task_name", "title", "lane", "role", "assignee", "due_at")
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    process_status = serializers.SerializerMethodField(
        help_text="running / waiting / completed / incident"
    )
    open_tasks = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = (*CaseSerializer.Meta.fields, "process_status", "open_tasks")
        read_only_fields = fields

    def _instance(self, case) -> ProcessInstance | None:
        if not hasattr(case, "_api_instance"):
            try:
                case._api_instance = case_instance(case)
            except ProcessInstance.DoesNotExist:
                case._api_instance = None
        return case._api_instance

    def get_process_status(self, case) -> str | None:
        instance = self._instance(case)
        return instance.status if instance else None

    @extend_schema_field(OpenTaskSerializer(many=True))
    def get_open_tasks(self, case) -> list:
        instance = self._instance(case)
        if instance is None:
            return []
        tasks = (
            HumanTask.objects.open()
            .filter(instance=instance)
            .select_related("role", "assignee")
            .order_by("created_at")
        )
        return OpenTaskSerializer(tasks, many=True).data


class CaseOpenSerializer(serializers.Serializer):
    project = VisibleSlugRelatedField(
        projects_visible_to,
        slug_field="reference",
        queryset=Project.objects.all(),
        help_text="项目编号 reference of a project you may see",
    )
