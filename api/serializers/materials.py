from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from acceptance.models import Case, Material
from acceptance.selectors.checks import CheckState, material_check

from ..selectors import cases_visible_to
from .common import UsernameField, VisibleSlugRelatedField


class CheckFindingSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="检测项代码 stable check id")
    result = serializers.ChoiceField(choices=["warn", "fail"])
    message_zh = serializers.CharField()
    message_en = serializers.CharField()


class MaterialCheckSerializer(serializers.Serializer):
    """A material's check state, decided in one place (``acceptance.selectors.checks``)."""

    state = serializers.ChoiceField(
        choices=[state.value for state in CheckState],
        help_text="pending 待检测 / running 检测中 / passed 检测通过 / warned 通过（有提示） / "
        "failed 检测未通过 / refused 已拒收",
    )
    label_zh = serializers.CharField()
    label_en = serializers.CharField()
    checked_at = serializers.DateTimeField(allow_null=True)
    properties = serializers.DictField(
        child=serializers.CharField(), help_text="四性 worst result per archive property"
    )
    findings = CheckFindingSerializer(many=True)


class MaterialSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    catalog_item = serializers.SlugRelatedField(slug_field="code", read_only=True)
    uploaded_by = UsernameField()
    check = serializers.SerializerMethodField(
        help_text="检测状态 the check state; poll ``check_url`` until it is done, or subscribe "
        "to the ``material.checked`` webhook event"
    )
    check_url = serializers.SerializerMethodField(help_text="轮询地址 where to poll the check")

    @extend_schema_field(MaterialCheckSerializer)
    def get_check(self, material: Material) -> dict:
        return material_check(material).as_dict()

    def get_check_url(self, material: Material) -> str:
        return reverse(
            "api:material-detail", args=[material.pk], request=self.context.get("request")
        )

    origin = serializers.ChoiceField(
        choices=Material.Origin.choices,
        allow_blank=True,
        read_only=True,
        help_text="电子原件或扫描件；空：未声明，由文件判断 born digital or digitised; empty: not declared",
    )

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
            "origin",
            "size",
            "sha256",
            "format_kind",
            "detected_format",
            "version",
            "supersedes",
            "status",
            "check",
            "check_url",
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
    origin = serializers.ChoiceField(
        Material.Origin.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="来源：电子原件 born_digital 或纸质扫描件 digitized；不填则按文件内容判断 "
        "(the origin; left out: told from the file)",
    )

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
