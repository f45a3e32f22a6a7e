from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins
from rest_framework.response import Response

from access.catalog.search import MAX_QUERY_LENGTH, catalog_search, query_checked
from access.catalog.selectors import project_catalog, public_projects

from ..serializers.catalog import CatalogEntrySerializer, ProjectCatalogSerializer
from ..serializers.errors import ErrorSerializer
from .base import PublicViewSet

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="检索词过短或过长 query_refused"),
    429: OpenApiResponse(ErrorSerializer, description="请求过于频繁 too many requests"),
}
QUERY = OpenApiParameter(
    "q",
    OpenApiTypes.STR,
    description=(
        "检索词：项目名称、地址、建设单位、题名、文号等，空格分隔的各词须同时包含（中文按二字切分"
        f"检索，至少两个字，最多 {MAX_QUERY_LENGTH} 个字）。不给则列出已验收工程。 "
        "Words that must all appear; without it, the accepted projects."
    ),
)


@extend_schema_view(
    list=extend_schema(
        summary="档案目录查询 Search the open catalog (public)",
        auth=[],
        parameters=[QUERY],
        responses={200: CatalogEntrySerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="项目公开目录 One project's open catalog: volumes and files (public)",
        auth=[],
        responses={200: ProjectCatalogSerializer, 404: ErrorSerializer, 429: ERRORS[429]},
    ),
)
class PublicCatalogViewSet(mixins.ListModelMixin, PublicViewSet):
    """公开 The accepted archives' catalog at the level each record allows, without credentials:
    open and controlled records are listed (titles masked), closed ones never."""

    serializer_class = CatalogEntrySerializer

    def get_queryset(self):
        query = self.request.query_params.get("q", "").strip()
        if not query:
            return public_projects().select_related("project")
        return catalog_search(query_checked(query))

    def retrieve(self, request, reference: str):
        catalog = project_catalog(reference)
        if catalog is None:
            raise Http404
        return Response(ProjectCatalogSerializer(catalog).data)
