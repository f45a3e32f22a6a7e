from rest_framework import serializers

from workflows.inbox import can_claim, can_complete
from workflows.models import HumanTask

from .common import UsernameField


class TaskSerializer(serializers.ModelSerializer):
    case = serializers.CharField(
        source="instance.business_key", read_only=True, help_text="案件编号 case reference"
    )
    role = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    assignee = UsernameField()
    owner = UsernameField(
        help_text="委托人：任务委托他人办理时，办毕退回给此人 who delegated the task and gets it back"
    )
    completed_by = UsernameField()
    can_claim = serializers.SerializerMethodField()
    can_complete = serializers.SerializerMethodField()

    class Meta:
        model = HumanTask
        fields = (
            "task_id",
            "task_name",
            "title",
            "case",
            "lane",
            "role",
            "assignee",
            "owner",
            "delegation",
            "delegated_until",
            "status",
            "due_at",
            "form",
            "context",
            "created_at",
            "claimed_at",
            "completed_at",
            "completed_by",
            "can_claim",
            "can_complete",
        )
        read_only_fields = fields

    def get_can_claim(self, task) -> bool:
        return can_claim(self.context["request"].user, task)

    def get_can_complete(self, task) -> bool:
        return can_complete(self.context["request"].user, task)


def _nul_at(value, path: str) -> str | None:
    """The path of the first text holding a NUL character (no database stores it), if any."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return None
    for key, item in items:
        found = _nul_at(key, path) or _nul_at(item, f"{path}.{key}")
        if found:
            return found
    return None


class TaskCompleteSerializer(serializers.Serializer):
    data = serializers.DictField(
        required=False,
        default=dict,
        help_text="the fields the task's form declares (see the task's form)",
    )

    def validate(self, attrs):
        where = _nul_at(attrs.get("data", {}), "data")
        if where:
            raise serializers.ValidationError(
                {where: "must not contain a NUL character"}, code="null_characters_not_allowed"
            )
        return attrs
