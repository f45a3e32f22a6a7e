from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer

from ..renderers import OfdRenderer, PdfRenderer
from ..selectors import certificates_visible_to
from ..serializers.certificates import CertificateSerializer
from .base import ApiViewSet, param, sealed_ofd_response


@extend_schema_view(
    list=extend_schema(
        summary="验收证书 Certificates of the cases you may see",
        parameters=[
            OpenApiParameter("case", str, description="案件编号 case reference"),
            OpenApiParameter("status", str, description="证书状态 certificate status"),
        ],
    ),
    retrieve=extend_schema(summary="验收证书 One certificate, by number"),
)
class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """电子证书 Acceptance opinions issued by the process (read only)."""

    serializer_class = CertificateSerializer
    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        certificates = certificates_visible_to(self.request.user).select_related("supersedes")
        if self.action == "list":
            case = param(self.request, "case")
            if case:
                certificates = certificates.filter(case__reference=case)
            state = param(self.request, "status")
            if state:
                certificates = certificates.filter(status=state)
        return certificates.order_by("-issued_at", "-pk")

    @extend_schema(
        summary="证书 PDF The signed certificate PDF",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True, methods=["get"], renderer_classes=[PdfRenderer, JSONRenderer], url_name="pdf"
    )
    def pdf(self, request, number=None):
        certificate = self.get_object()
        return FileResponse(
            certificate.pdf.open("rb"),
            as_attachment=True,
            filename=f"{certificate.number}.pdf",
            content_type="application/pdf",
        )

    @extend_schema(
        summary="证书 OFD The certificate as an OFD document (GB/T 33190)",
        responses={(200, "application/ofd"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True, methods=["get"], renderer_classes=[OfdRenderer, JSONRenderer], url_name="ofd"
    )
    def ofd(self, request, number=None):
        certificate = self.get_object()
        return sealed_ofd_response(
            certificate,
            filename=f"{certificate.number}.ofd",
            not_issued=(
                "该意见书未以 OFD 版式签发",
                "this certificate was not issued as an OFD document",
            ),
        )
