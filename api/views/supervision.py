from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins

from supervision.selectors import published_plans

from ..serializers.errors import ErrorSerializer
from ..serializers.supervision import PublicPlanSerializer
from .base import PublicViewSet

THROTTLED = {429: OpenApiResponse(ErrorSerializer, description="请求过于频繁 too many requests")}


@extend_schema_view(
    list=extend_schema(
        summary="双随机抽查公示 Published inspection plans and their draws (public)",
        auth=[],
        responses={200: PublicPlanSerializer(many=True), **THROTTLED},
    ),
    retrieve=extend_schema(
        summary="双随机抽查公示 One published plan, by number (public)",
        auth=[],
        responses={200: PublicPlanSerializer, **THROTTLED},
    ),
)
class PublicPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicViewSet):
    """公开 Anyone reads the published plans, draws and verification data, without credentials."""

    serializer_class = PublicPlanSerializer

    def get_queryset(self):
        return published_plans().prefetch_related("draws")
