"""Records access (查档利用) for requesters and external platforms (一网通办)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from access.models import (
    AccessRequest,
    EligibilityRule,
    Forwarding,
    Purpose,
    RequesterKind,
    RequesterRole,
)


class ProofKindSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="证明材料代码 proof code")
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    hint_zh = serializers.CharField(help_text="说明 what it is")


class RuleSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=RequesterRole.choices, help_text="申请人身份 requester")
    records = serializers.ListField(
        source="record_codes", child=serializers.CharField(), help_text="可查阅的归档条目或类别"
    )
    proofs = ProofKindSerializer(many=True, help_text="须提交的证明材料 proofs required")

    class Meta:
        model = EligibilityRule
        fields = ("role", "records", "proofs", "visit_required", "extract_valid_days", "note_zh")


class PurposeSerializer(serializers.ModelSerializer):
    rules = serializers.SerializerMethodField()

    class Meta:
        model = Purpose
        fields = ("code", "name_zh", "name_en", "rules")

    @extend_schema_field(RuleSerializer(many=True))
    def get_rules(self, purpose) -> list:
        rules = purpose.rules.in_force().prefetch_related("proofs")
        return RuleSerializer(rules, many=True).data


class RecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="档案文件编号 record id, to name in a request")
    catalog_code = serializers.CharField(source="catalog_item.code")
    catalog_name = serializers.CharField(source="catalog_item.name_zh")
    title = serializers.CharField()


class AccessRequestCreateSerializer(serializers.Serializer):
    project = serializers.CharField(help_text="项目编号 project reference")
    purpose = serializers.SlugRelatedField(
        slug_field="code", queryset=Purpose.objects.filter(active=True), help_text="利用目的代码"
    )
    role = serializers.ChoiceField(choices=RequesterRole.choices, help_text="申请人身份")
    requester_name = serializers.CharField(max_length=200, help_text="申请人姓名或单位名称")
    requester_kind = serializers.ChoiceField(choices=RequesterKind.choices)
    records = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, help_text="要查阅的档案编号"
    )
    proof_kinds = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="每个证明文件的材料代码，与 proofs 一一对应 the kind of each proof file, in order",
    )
    proofs = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="证明材料文件（PDF）proof files",
    )
    platform_reference = serializers.CharField(
        max_length=80,
        required=False,
        default="",
        help_text="外部平台的办件编号：同一平台账号以同一编号再次提交，返回首次创建的申请（幂等）",
    )


class ProofsSupplySerializer(serializers.Serializer):
    proof_kinds = serializers.ListField(child=serializers.CharField(), min_length=1)
    proofs = serializers.ListField(child=serializers.FileField(), min_length=1)


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=AccessRequest.Decision.choices)
    approved_records = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    reasons = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class MissingProofSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    hint = serializers.CharField()


class ExtractSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="证明编号 extract number")
    pages = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateField(help_text="有效期至 valid until")
    pdf_sha256 = serializers.CharField()
    download_url = serializers.SerializerMethodField()
    ofd_sha256 = serializers.CharField(help_text="OFD 版式文件指纹，未出具时为空 empty until made")
    ofd_url = serializers.SerializerMethodField()

    def get_download_url(self, extract) -> str:
        return reverse(
            "api:access-request-extract",
            kwargs={"reference": extract.request.reference},
            request=self.context.get("request"),
        )

    def get_ofd_url(self, extract) -> str | None:
        """The sealed OFD once made; null while it is being prepared or when not issued."""
        if not extract.ofd:
            return None
        return reverse(
            "api:access-request-extract-ofd",
            kwargs={"reference": extract.request.reference},
            request=self.context.get("request"),
        )


class ForwardedToSerializer(serializers.Serializer):
    partner = serializers.CharField(help_text="合作馆室名称 The partner's name")
    status = serializers.ChoiceField(choices=Forwarding.Status.choices)
    due_at = serializers.DateTimeField(help_text="答复期限 The partner's answer is due")


class AccessRequestSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=AccessRequest.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    purpose = serializers.SlugRelatedField(slug_field="code", read_only=True)
    project = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    records = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    approved_records = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    missing_proofs = MissingProofSerializer(many=True, help_text="一次性告知：缺少的全部证明材料")
    proofs = serializers.SerializerMethodField()
    extract = serializers.SerializerMethodField()
    forwarded_to = serializers.SerializerMethodField()

    class Meta:
        model = AccessRequest
        fields = (
            "reference", "status", "status_label", "requester_name", "requester_kind", "role",
            "purpose", "project", "records", "approved_records", "missing_proofs", "proofs",
            "review_due_at", "decision", "decision_reason", "appointment_at", "platform",
            "platform_reference", "created_at", "closed_at", "extract", "forwarded_to",
        )  # fmt: skip

    @extend_schema_field(ForwardedToSerializer(many=True))
    def get_forwarded_to(self, request) -> list[dict]:
        """馆室联动: the partners holding some of the records, and where their answers stand."""
        return [
            {"partner": f.partner.name, "status": f.status, "due_at": f.due_at}
            for f in request.forwardings.all()
        ]

    def get_proofs(self, request) -> list[str]:
        return [p.kind.code for p in request.proofs.select_related("kind")]

    @extend_schema_field(ExtractSerializer(allow_null=True))
    def get_extract(self, request):
        extract = getattr(request, "extract", None)  # the reverse one-to-one, when issued
        if extract is None:
            return None
        return ExtractSerializer(extract, context=self.context).data


class PartnerFileInSerializer(serializers.Serializer):
    record = serializers.IntegerField(help_text="转交的档案 id（转交通知 records[].id）")
    name = serializers.CharField(help_text="文件名，如 竣工图.pdf")
    content_base64 = serializers.CharField(help_text="文件内容（Base64）；须通过四性检测")


class PartnerAnswerSerializer(serializers.Serializer):
    """The body a partner signs: X-Signature = sha256=HMAC-SHA256(shared key, exact body)."""

    outcome = serializers.ChoiceField(
        choices=[("provided", "提供文件 files provided"), ("refused", "不予提供 refused")]
    )
    reason = serializers.CharField(required=False, help_text="不予提供的理由（必填于 refused）")
    files = PartnerFileInSerializer(many=True, required=False)


class ForwardingSerializer(serializers.ModelSerializer):
    forwarding = serializers.UUIDField(source="token")
    request = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    partner = serializers.SlugRelatedField(slug_field="code", read_only=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = Forwarding
        fields = ("forwarding", "request", "partner", "status", "due_at", "answered_at", "files")

    def get_files(self, forwarding) -> list[str]:
        return [f.sha256 for f in forwarding.files.all()]
