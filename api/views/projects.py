from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from acceptance.models import Organisation
from acceptance.services.projects import project_register

from ..exceptions import ApiError, ExternalReferenceConflict, fields_at_fault
from ..selectors import external_project, nodes_visible_to, projects_visible_to
from ..serializers.errors import ErrorSerializer
from ..serializers.projects import (
    ExternalProjectResultSerializer,
    ExternalProjectSerializer,
    NodeSerializer,
    ProjectRegisterSerializer,
    ProjectSerializer,
)
from ..services import project_create_external
from .base import ApiViewSet, param


@extend_schema_view(
    list=extend_schema(summary="项目列表 Projects you may see"),
    retrieve=extend_schema(summary="项目 A project, with its construction nodes"),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """建设项目 Construction projects: owners see their organisations' own, staff all."""

    serializer_class = ProjectSerializer
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return (
            projects_visible_to(self.request.user)
            .select_related("owner", "created_by")
            .prefetch_related("nodes")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        summary="登记项目 Register a project of your organisation",
        request=ProjectRegisterSerializer,
        responses={201: ProjectSerializer},
    )
    def create(self, request):
        serializer = ProjectRegisterSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        project = self._register(request.user, serializer)
        return Response(
            ProjectSerializer(project, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @staticmethod
    def _register(user, serializer, owner: Organisation | None = None):
        data = serializer.validated_data
        with fields_at_fault(not_permitted="owner"):
            return project_register(
                user=user,
                owner=owner or data["owner"],
                name=data["name"],
                location=data["location"],
                works_type=data["works_type"],
                **serializer.facts(),
            )

    @extend_schema(
        summary="外部平台创建项目 Create a project under an external platform's reference",
        description=(
            "幂等：同一平台账号以同一 external_reference 再次调用，返回已创建的项目（200），"
            "不再新建；内容不同则返回 409 并列出不同的字段。Idempotent on (your account, "
            "external_reference): a repeated call answers 200 with the project the first call "
            "created (201); one with a different payload answers 409 naming the differing "
            "fields (``data.fields``)."
        ),
        request=ExternalProjectSerializer,
        responses={
            201: ExternalProjectResultSerializer,
            200: ExternalProjectResultSerializer,
            409: ErrorSerializer,
        },
    )
    @action(detail=False, methods=["post"], url_path="external")
    def external(self, request):
        serializer = ExternalProjectSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = external_project(request.user, data["external_reference"])
        if project is not None:
            self._refuse_other_payload(project, serializer, data["external_reference"])
            return self._external_answer(request, data["external_reference"], project, False)
        owner = data.get("owner") or self._owner_by_credit_code(
            request.user, data["owner_credit_code"]
        )
        with fields_at_fault(not_permitted="owner"):
            project, created = project_create_external(
                platform=request.user,
                external_reference=data["external_reference"],
                owner=owner,
                name=data["name"],
                location=data["location"],
                works_type=data["works_type"],
                **serializer.facts(),
            )
        return self._external_answer(request, data["external_reference"], project, created)

    @staticmethod
    def _refuse_other_payload(project, serializer, reference: str) -> None:
        """A repeated call must repeat the payload: naming other facts is a conflict (409)."""
        data = serializer.validated_data
        asked = {
            "name": data["name"],
            "location": data["location"],
            "works_type": data["works_type"],
            **serializer.facts(),
        }
        differing = sorted(name for name, value in asked.items() if getattr(project, name) != value)
        owner = data.get("owner")
        if owner is not None and owner.pk != project.owner_id:
            differing.insert(0, "owner")
        credit_code = data.get("owner_credit_code")
        if credit_code is not None and credit_code != project.owner.credit_code:
            differing.insert(0, "owner_credit_code")
        if differing:
            raise ExternalReferenceConflict(
                f"外部编号 {reference} 已用于项目 {project.reference}，"
                f"但本次提交的内容不同（字段：{'、'.join(differing)}）。"
                "同一编号只能重复提交相同内容；如需修改项目，请联系档案馆。",
                f"the external reference {reference} already names project "
                f"{project.reference}, with other values in: {', '.join(differing)}; repeat "
                "the same payload, or ask the archive to change the project",
                field=differing[0],
                fields=differing,
                project=project.reference,
            )  # fmt: skip

    @staticmethod
    def _external_answer(request, reference: str, project, created: bool) -> Response:
        body = {
            "external_reference": reference,
            "created": created,
            "project": ProjectSerializer(project, context={"request": request}).data,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @staticmethod
    def _owner_by_credit_code(user, credit_code: str) -> Organisation:
        candidates = list(Organisation.objects.filter(credit_code=credit_code))
        mine = [org for org in candidates if org.members.filter(pk=user.pk).exists()]
        if len(mine) == 1:
            return mine[0]
        if len(mine) > 1:
            raise ApiError(
                f"统一社会信用代码 {credit_code} 对应多个您所属的单位，请改用 owner（单位 id）",
                f"several of your organisations have the credit code {credit_code}; "
                "name the owner by id instead",
                field="owner_credit_code",
            )
        if candidates:
            # Not a member: registering refuses it (403), as for an owner given by id.
            return candidates[0]
        raise ApiError(
            f"没有统一社会信用代码为 {credit_code} 的建设单位",
            f"there is no owner organisation with the credit code {credit_code}",
            field="owner_credit_code",
        )


@extend_schema_view(
    list=extend_schema(
        summary="施工节点 Construction nodes",
        parameters=[OpenApiParameter("project", str, description="项目编号 project reference")],
    ),
    retrieve=extend_schema(summary="施工节点 A construction node"),
)
class NodeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """施工节点 Construction milestones at which the owner pre-files records."""

    serializer_class = NodeSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        nodes = nodes_visible_to(self.request.user).prefetch_related("expected_items")
        project = param(self.request, "project")
        if project:
            nodes = nodes.filter(project__reference=project)
        return nodes.order_by("project_id", "position")
