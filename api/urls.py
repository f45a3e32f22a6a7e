"""Include under ``api/``: the resources, the token endpoint, the schema and its docs."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from .exceptions import MESSAGES, error_body
from .views.access import AccessForwardingViewSet, AccessPurposeViewSet, AccessRequestViewSet
from .views.auth import TokenView
from .views.cases import CaseViewSet
from .views.catalog import PublicCatalogViewSet
from .views.certificates import CertificateViewSet
from .views.commitments import CommitmentViewSet
from .views.decisions import DecisionViewSet
from .views.journal import JournalViewSet
from .views.materials import MaterialViewSet
from .views.projects import NodeViewSet, ProjectViewSet
from .views.statistics import (
    AccessStatisticsView,
    CommitmentStatisticsView,
    OriginalsStatisticsView,
)
from .views.supervision import PublicPlanViewSet
from .views.tasks import TaskViewSet
from .views.webhooks import WebhookSubscriptionViewSet

app_name = "api"

PUBLIC = {"permission_classes": [AllowAny], "authentication_classes": []}

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("nodes", NodeViewSet, basename="node")
router.register("cases", CaseViewSet, basename="case")
router.register("materials", MaterialViewSet, basename="material")
router.register("tasks", TaskViewSet, basename="task")
router.register("decisions", DecisionViewSet, basename="decision")
router.register("commitments", CommitmentViewSet, basename="commitment")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("journal", JournalViewSet, basename="journal")
router.register("webhooks/subscriptions", WebhookSubscriptionViewSet, basename="webhook")
router.register("access/purposes", AccessPurposeViewSet, basename="access-purpose")
router.register("access/requests", AccessRequestViewSet, basename="access-request")
router.register("access/forwardings", AccessForwardingViewSet, basename="access-forwarding")
router.register("public/supervision/plans", PublicPlanViewSet, basename="public-plan")
router.register("public/catalog", PublicCatalogViewSet, basename="public-catalog")


@csrf_exempt  # it changes nothing; a POST to a wrong address is a 404, not a CSRF page
def not_found(request, *args, **kwargs):
    """Any other address under api/: a JSON 404 like the API's own."""
    return JsonResponse(error_body("not_found", *MESSAGES["not_found"]), status=404)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path(
        "statistics/commitments/",
        CommitmentStatisticsView.as_view(),
        name="commitment_statistics",
    ),
    path(
        "statistics/originals/",
        OriginalsStatisticsView.as_view(),
        name="originals_statistics",
    ),
    path("statistics/access/", AccessStatisticsView.as_view(), name="access_statistics"),
    # JSON first: the schema by default, and a refusal is a JSON error like everywhere else.
    # The contract is public: it describes and grants nothing, and a platform reads it before it
    # has credentials.
    path(
        "schema/",
        SpectacularAPIView.as_view(
            renderer_classes=[
                OpenApiJsonRenderer2,
                OpenApiJsonRenderer,
                OpenApiYamlRenderer,
                OpenApiYamlRenderer2,
            ],
            **PUBLIC,
        ),
        name="schema",
    ),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", **PUBLIC), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", **PUBLIC), name="redoc"),
    path("", include(router.urls)),
    re_path(r"^[\s\S]*$", not_found),  # any character, a newline too
]
