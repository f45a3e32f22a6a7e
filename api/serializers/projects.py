from rest_framework import serializers

from acceptance.models import Node, Organisation, Project


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ("id", "name", "credit_code")


class NodeSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    expected_items = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Node
        fields = ("id", "project", "code", "name_zh", "name_en", "position", "expected_items")


class NodeSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Node
        fields = ("id", "code", "name_zh", "name_en", "position")


class ProjectSerializer(serializers.ModelSerializer):
    owner = OrganisationSerializer(read_only=True)
    nodes = NodeSummarySerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Project
        fields = (
            "reference",
            "owner",
            *Project.REGISTERED_FACTS,
            "created_at",
            "created_by",
            "nodes",
        )
        read_only_fields = fields


# Given to ``project_register`` as keywords; name, location and works type go by name.
FACTS = tuple(
    name for name in Project.REGISTERED_FACTS if name not in ("name", "location", "works_type")
)


class ProjectRegisterSerializer(serializers.ModelSerializer):
    """A project to register; validated here, written by ``project_register``."""

    owner = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        help_text="建设单位 id of the owner organisation; you must be one of its members",
    )

    class Meta:
        model = Project
        fields = ("owner", *Project.REGISTERED_FACTS)
        extra_kwargs = {
            "floor_area_m2": {"min_value": 0},
        }

    def facts(self) -> dict:
        return {name: self.validated_data[name] for name in FACTS if name in self.validated_data}


class ExternalProjectSerializer(ProjectRegisterSerializer):
    """A project created by an external platform under its own reference number.

    Name the owner by ``owner`` (id) or ``owner_credit_code`` (统一社会信用代码).
    """

    external_reference = serializers.CharField(
        max_length=100,
        help_text="平台自己的项目编号 the platform's own reference (idempotency key)",
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), required=False)
    owner_credit_code = serializers.CharField(max_length=18, required=False)

    class Meta(ProjectRegisterSerializer.Meta):
        fields = (
            "external_reference",
            "owner",
            "owner_credit_code",
            *ProjectRegisterSerializer.Meta.fields[1:],
        )

    def validate(self, attrs):
        if ("owner" in attrs) == ("owner_credit_code" in attrs):
            raise serializers.ValidationError(
                {"owner": "give either owner (id) or owner_credit_code, not both or neither"},
                code="required",
            )
        return attrs


class ExternalProjectResultSerializer(serializers.Serializer):
    external_reference = serializers.CharField()
    created = serializers.BooleanField(help_text="false: an earlier call created it")
    project = ProjectSerializer()
