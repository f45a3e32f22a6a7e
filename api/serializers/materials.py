from rest_framework import serializers

from acceptance.models import Case, Material

from ..selectors import cases_visible_to
from .common import UsernameField, VisibleSlugRelatedField


class MaterialSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    catalog_item = serializers.SlugRelatedField(slug_field="code", read_only=True)
    uploaded_by = UsernameField()

    class Meta:
        model = Material
        fields = (
            "id",
            "case",
            "node",
            "catalog_item",
            "original_name",
            "title",
            "document_number",
            "responsible_party",
            "formed_on",
            "size",
            "sha256",
            "format_kind",
            "detected_format",
            "version",
            "supersedes",
            "status",
            "check_report",
            "review_comment",
            "uploaded_by",
            "uploaded_at",
        )
        read_only_fields = fields


class MaterialUploadSerializer(serializers.Serializer):
    """One file (multipart/form-data) for a case; stored by ``material_upload``."""

    case = VisibleSlugRelatedField(
        cases_visible_to,
        slug_field="reference",
        queryset=Case.objects.all(),
        help_text="案件编号 reference of a case you may see",
    )
    catalog_item = serializers.CharField(
        max_length=20, help_text="归档范围条目代码 catalog item code, e.g. D-1"
    )
    file = serializers.FileField(allow_empty_file=False, use_url=False)
    node = serializers.IntegerField(
        required=False, allow_null=True, help_text="施工节点 id of one of the project's nodes"
    )
    supersedes = serializers.IntegerField(
        required=False, allow_null=True, help_text="id of the case's material this file replaces"
    )
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    document_number = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )
    responsible_party = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    formed_on = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        case = attrs["case"]
        node = attrs.get("node")
        if node is not None:
            attrs["node"] = case.project.nodes.filter(pk=node).first()
            if attrs["node"] is None:
                raise serializers.ValidationError(
                    {"node": f"the project of case {case.reference} has no node {node}"},
                    code="does_not_exist",
                )
        supersedes = attrs.get("supersedes")
        if supersedes is not None:
            attrs["supersedes"] = case.materials.filter(pk=supersedes).first()
            if attrs["supersedes"] is None:
                raise serializers.ValidationError(
                    {"supersedes": f"case {case.reference} has no material {supersedes}"},
                    code="does_not_exist",
                )
        return attrs
