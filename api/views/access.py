from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from acceptance.models import Material, Project
from acceptance.uploads import LimitedTemporaryFileUploadHandler
from access.exceptions import PartnerAnswerInvalid
from access.models import Forwarding, ProofKind, Purpose
from access.partners import (
    PARTNER_HEADER,
    partner_answer_receive,
    partner_claimed,
    partner_expects,
    partner_files_answer_receive,
    partner_signed,
)
from access.selectors import access_requests_visible_to
from access.services import (
    extract_download,
    proofs_supply,
    records_in_scope,
    request_submit,
    review_decide,
    rule_for,
)
from webhooks.signing import SIGNATURE_HEADER, SigningReader, signature_matches

from ..renderers import OfdRenderer, PdfRenderer
from ..serializers.access import (
    AccessRequestCreateSerializer,
    AccessRequestSerializer,
    ForwardingSerializer,
    PartnerAnswerSerializer,
    ProofsSupplySerializer,
    PurposeSerializer,
    RecordSerializer,
    ReviewSerializer,
)
from ..serializers.errors import ErrorSerializer
from .base import ApiViewSet, param, sealed_ofd_response


def _proofs(kinds: list[str], files: list) -> list[tuple]:
    if len(kinds) != len(files):
        raise ValidationError(
            {"proof_kinds": "give one proof kind per proof file, in the same order"},
            code="invalid",
        )
    known = {kind.code: kind for kind in ProofKind.objects.filter(code__in=kinds)}
    unknown = sorted(set(kinds) - set(known))
    if unknown:
        raise ValidationError({"proof_kinds": f"unknown proof kinds: {', '.join(unknown)}"})
    return [
        (known[code], upload.read(), upload.name) for code, upload in zip(kinds, files, strict=True)
    ]


@extend_schema_view(
    list=extend_schema(summary="查档办事指南 Purposes, rules and the proofs each needs")
)
class AccessPurposeViewSet(mixins.ListModelMixin, ApiViewSet):
    """利用目的与规则 What may be requested, by whom, on which proofs (the guide, 办事指南)."""

    serializer_class = PurposeSerializer
    pagination_class = None
    lookup_field = "code"
    queryset = Purpose.objects.filter(active=True).order_by("code")

    @extend_schema(
        summary="可查阅的档案 The records of a project a rule lets a requester ask for",
        parameters=[
            OpenApiParameter("project", str, required=True, description="项目编号"),
            OpenApiParameter("role", str, required=True, description="申请人身份"),
        ],
        responses={200: RecordSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def records(self, request, code=None):
        purpose = self.get_object()
        project = Project.objects.filter(reference=param(request, "project") or "").first()
        if project is None:
            raise NotFound()
        rule = rule_for(purpose, param(request, "role") or "")
        return Response(RecordSerializer(records_in_scope(rule, project), many=True).data)


@extend_schema_view(
    list=extend_schema(summary="我的查档申请 Your access requests (archivists: all)"),
    retrieve=extend_schema(summary="查档申请 One request, its true state and its extract"),
)
class AccessRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """查档申请 Access requests: made by a requester or an external platform (一网通办)."""

    serializer_class = AccessRequestSerializer
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return access_requests_visible_to(self.request.user).prefetch_related(
            "records", "approved_records", "forwardings__partner"
        )

    @extend_schema(
        summary="提交查档申请 Submit a request (idempotent on platform_reference)",
        description=(
            "缺少证明材料不是拒绝：申请进入“待补正”，missing_proofs 一次性列出全部所缺材料。"
            "同一平台账号以同一 platform_reference 再次提交，返回首次创建的申请（200）。"
            " / A missing proof is not a refusal: the request waits with every missing proof "
            "listed once. Submitted again by the same platform account with the same "
            "platform_reference, the first request is answered (200)."
        ),
        request={"multipart/form-data": AccessRequestCreateSerializer},
        responses={201: AccessRequestSerializer, 200: AccessRequestSerializer},
    )
    def create(self, request):
        serializer = AccessRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = Project.objects.filter(reference=data["project"]).first()
        if project is None:
            raise ValidationError({"project": "no project with this reference"}, code="invalid")
        records = list(Material.objects.filter(pk__in=data["records"], case__project=project))
        if len(records) != len(set(data["records"])):
            raise ValidationError({"records": "not records of this project"}, code="invalid")
        access_request, created = request_submit(
            user=request.user,
            requester_name=data["requester_name"],
            requester_kind=data["requester_kind"],
            role=data["role"],
            purpose=data["purpose"],
            project=project,
            records=records,
            proofs=_proofs(data["proof_kinds"], data["proofs"]),
            platform=request.user.get_username() if data["platform_reference"] else "",
            platform_reference=data["platform_reference"],
        )
        access_request.refresh_from_db()
        return Response(
            AccessRequestSerializer(access_request, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="补正证明材料 Send the proofs the notice asked for",
        request={"multipart/form-data": ProofsSupplySerializer},
        responses={200: AccessRequestSerializer},
    )
    @action(detail=True, methods=["post"])
    def proofs(self, request, reference=None):
        access_request = self.get_object()
        serializer = ProofsSupplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access_request = proofs_supply(
            request=access_request,
            user=request.user,
            proofs=_proofs(data["proof_kinds"], data["proofs"]),
        )
        return Response(AccessRequestSerializer(access_request, context={"request": request}).data)

    @extend_schema(
        summary="审核 The archivist's decision: all, part (with reasons) or refuse (with reasons)",
        request=ReviewSerializer,
        responses={200: AccessRequestSerializer},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, reference=None):
        access_request = self.get_object()
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access_request = review_decide(request=access_request, user=request.user, **{
            "decision": serializer.validated_data["decision"],
            "approved": serializer.validated_data["approved_records"],
            "reasons": serializer.validated_data["reasons"],
        })  # fmt: skip
        return Response(AccessRequestSerializer(access_request, context={"request": request}).data)

    @extend_schema(
        summary="下载档案证明 The signed extract (the requester only)",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[PdfRenderer, JSONRenderer],
        url_name="extract",
    )
    def extract(self, request, reference=None):
        extract = extract_download(user=request.user, reference=reference)
        if extract is None:
            raise NotFound()
        return FileResponse(
            extract.pdf.open("rb"),
            as_attachment=True,
            filename=f"{extract.number}.pdf",
            content_type="application/pdf",
        )

    @extend_schema(
        summary="下载档案证明 OFD The extract as a sealed OFD document (the requester only)",
        responses={(200, "application/ofd"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[OfdRenderer, JSONRenderer],
        url_path="extract/ofd",
        url_name="extract-ofd",
    )
    def extract_ofd(self, request, reference=None):
        extract = extract_download(user=request.user, reference=reference, file_format="ofd")
        if extract is None:
            raise NotFound()
        return sealed_ofd_response(
            extract,
            filename=f"{extract.number}.ofd",
            not_issued=(
                "该证明未以 OFD 版式出具，请下载 PDF 文件",
                "this extract was issued as PDF only",
            ),
        )


# Its file parts are named by the forwarded records' ids, so they are not fixed properties.
PARTNER_FILES_ANSWER_SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {
            "type": "string",
            "description": (
                '答复 JSON：{"outcome": "provided"} 或 {"outcome": "refused", "reason": "…"} '
                "The answer as JSON: outcome, and reason for a refusal"
            ),
        }
    },
    "required": ["answer"],
    "additionalProperties": {
        "type": "string",
        "format": "binary",
        "description": "部分名为档案编号的文件（PDF）a file part named by the record's id",
    },
}


class AccessForwardingViewSet(ApiViewSet):
    """馆室联动 Linked archives: a partner answers a request this archive forwarded to it."""

    # The partner is authenticated by the signature over the body, not by a user's token.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser]
    serializer_class = ForwardingSerializer
    queryset = Forwarding.objects.none()
    lookup_field = "token"

    @extend_schema(
        summary="合作馆室答复转交 A partner answers a forwarded request (signed)",
        description=(
            "合作馆室用本馆分配的共享密钥对请求正文（原样字节）计算 HMAC-SHA256，放在 "
            "X-Signature: sha256=<hex>，X-Partner 填贵单位代码。提供文件：outcome=provided，files "
            "逐份对应转交的档案（record），每份须通过四性检测；不予提供：outcome=refused 并写明 "
            "reason。同一答复重发返回 200；已答复后再发不同答复返回 409，首次答复保留。"
            "文件较大（扫描卷册）时用 multipart/form-data：answer 字段为 JSON（outcome、reason），"
            "每个文件一个文件部分，部分名为转交的档案编号（record id），签名仍对整个正文原样字节计算；"
            "单个文件不超过本系统的上传上限，超过返回 413。"
            " / Sign the exact body with the shared key (HMAC-SHA256) in X-Signature and name "
            "your partner code in X-Partner. Files for every forwarded record, each passing the "
            "four-property checks, or a refusal with its reason. Large files (scanned volumes): "
            "multipart/form-data with the JSON answer (outcome, reason) in the field answer and "
            "each file as a file part named by the forwarded record's id, the signature over the "
            "exact bytes of the whole body; a file over the upload limit answers 413. The same "
            "answer again: 200; a different one after the first: 409, the first kept."
        ),
        parameters=[
            OpenApiParameter(
                PARTNER_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="合作馆室代码 Partner code",
            ),
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="sha256=<HMAC-SHA256(共享密钥, 正文) hex>",
            ),
        ],
        request={
            "application/json": PartnerAnswerSerializer,
            "multipart/form-data": PARTNER_FILES_ANSWER_SCHEMA,
        },
        responses={
            201: ForwardingSerializer,
            200: ForwardingSerializer,
            401: OpenApiResponse(
                ErrorSerializer, description="签名校验失败 the signature does not verify"
            ),
            413: OpenApiResponse(
                ErrorSerializer, description="文件超过上传上限 a file is over the upload limit"
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, token=None):
        if request._request.content_type == "multipart/form-data":
            forwarding, repeated = self._files_answer(request, token)
        else:
            forwarding, repeated = self._json_answer(request, token)
        return Response(
            ForwardingSerializer(forwarding).data,
            status=status.HTTP_200_OK if repeated else status.HTTP_201_CREATED,
        )

    @staticmethod
    def _json_answer(request, token):
        try:
            body = request.body
        except RequestDataTooBig:
            raise PartnerAnswerInvalid(
                "答复正文过大，请分次转交或压缩文件后重发。",
                "The answer's body is too large; send smaller files.",
            ) from None
        return partner_answer_receive(
            token=token,
            partner_code=request.headers.get(PARTNER_HEADER),
            body=body,
            signature=request.headers.get(SIGNATURE_HEADER),
        )

    @staticmethod
    def _files_answer(request, token):
        """The files stream to disk as Django parses the body, and the signature is computed
        over the same bytes as they pass (``SigningReader``), not over ``request.body``: that
        would hold a scanned volume of 50 MB in memory, and the parser would then read it
        again from there. A file past the upload limit stops being stored; for a partner
        naming its own forwarding the rest of the body is still read (and discarded), so the
        signature can be checked, the refusal journaled and the partner can read the answer.
        """
        django_request = request._request
        partner = partner_claimed(request.headers.get(PARTNER_HEADER))
        reader = SigningReader(
            django_request._stream, partner.subscription.secret if partner is not None else ""
        )
        django_request._stream = reader
        django_request.upload_handlers = [
            MemoryFileUploadHandler(django_request),
            LimitedTemporaryFileUploadHandler(
                django_request, read_rest=partner_expects(partner, token)
            ),
        ]
        try:
            answer, files = request.POST.get("answer"), request.FILES
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            raise PartnerAnswerInvalid(
                "答复无法受理：answer 字段过大或部分过多，文件请作为文件部分发送，过多时请分次转交。",
                "The answer cannot be taken: the answer field is too large or there are too many "
                "parts; send files as file parts, and too many in several answers.",
            ) from None
        too_large = getattr(django_request, "upload_too_large", None)
        partner = partner_signed(
            partner, signature_matches(reader.signature(), request.headers.get(SIGNATURE_HEADER))
        )
        return partner_files_answer_receive(
            token=token,
            partner=partner,
            answer=answer,
            uploads={field: files.getlist(field) for field in files},
            too_large=too_large,
        )
