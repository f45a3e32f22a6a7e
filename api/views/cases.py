from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from acceptance.services.cases import case_open
from workflows.journal import verify_chain

from ..exceptions import fields_at_fault
from ..selectors import cases_visible_to
from ..serializers.cases import CaseDetailSerializer, CaseOpenSerializer, CaseSerializer
from ..serializers.journal import ChainVerdictSerializer
from .base import ApiViewSet, param


@extend_schema_view(
    list=extend_schema(
        summary="案件列表 Acceptance cases you may see",
        parameters=[
            OpenApiParameter("project", str, description="项目编号 project reference"),
            OpenApiParameter("status", str, description="案件状态 case status"),
        ],
    ),
    retrieve=extend_schema(summary="案件 A case, with its process status and open tasks"),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """验收申请 Acceptance cases. A case you may not see answers 404, like one that does not
    exist."""

    lookup_field = "reference"
    lookup_value_regex = "[^/]+"

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_queryset(self):
        cases = cases_visible_to(self.request.user).select_related("owner_user")
        if self.action == "list":
            project = param(self.request, "project")
            if project:
                cases = cases.filter(project__reference=project)
            state = param(self.request, "status")
            if state:
                cases = cases.filter(status=state)
        return cases.order_by("-created_at", "-pk")

    @extend_schema(
        summary="发起验收申请 Open an acceptance case for a project",
        request=CaseOpenSerializer,
        responses={201: CaseDetailSerializer},
    )
    def create(self, request):
        serializer = CaseOpenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        with fields_at_fault(not_permitted="project"):
            case = case_open(project=serializer.validated_data["project"], user=request.user)
        return Response(
            CaseDetailSerializer(case, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="校验案件日志 Verify the case journal's hash chain",
        responses={200: ChainVerdictSerializer},
    )
    @action(detail=True, methods=["get"], url_path="journal/verify", pagination_class=None)
    def verify_journal(self, request, reference=None):
        case = self.get_object()
        return Response(ChainVerdictSerializer(verify_chain(case.reference)).data)
