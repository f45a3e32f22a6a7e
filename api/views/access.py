from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from acceptance.models import Material, Project
from access.models import ProofKind, Purpose
from access.selectors import access_requests_visible_to
from access.services import (
    extract_download,
    proofs_supply,
    records_in_scope,
    request_submit,
    review_decide,
    rule_for,
)

from ..renderers import PdfRenderer
from ..serializers.access import (
    AccessRequestCreateSerializer,
    AccessRequestSerializer,
    ProofsSupplySerializer,
    PurposeSerializer,
    RecordSerializer,
    ReviewSerializer,
)
from .base import ApiViewSet, param


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
            "records", "approved_records"
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
