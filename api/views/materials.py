from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from acceptance.models import Material
from acceptance.selectors.catalog import case_catalog_item
from acceptance.services.audit import audit_view_record
from acceptance.services.materials import material_upload, material_withdraw

from ..exceptions import fields_at_fault
from ..renderers import OctetStreamRenderer
from ..selectors import materials_visible_to
from ..serializers.materials import MaterialSerializer, MaterialUploadSerializer
from .base import ApiViewSet, flag_param, param


@extend_schema_view(
    list=extend_schema(
        summary="归档材料 Materials of the cases you may see",
        parameters=[
            OpenApiParameter("case", str, description="案件编号 case reference"),
            OpenApiParameter("catalog_item", str, description="条目代码 catalog item code"),
            OpenApiParameter(
                "current", bool, description="只列最新版本 only versions not superseded"
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="归档材料 One material version, with its check state (poll it after upload)"
    ),
)
class MaterialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """归档文件 Submitted files, one row per version; a new version supersedes, never
    overwrites."""

    serializer_class = MaterialSerializer
    lookup_value_regex = "[0-9]+"
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        materials = materials_visible_to(self.request.user)
        if self.action == "list":
            case = param(self.request, "case")
            if case:
                materials = materials.filter(case__reference=case)
            item = param(self.request, "catalog_item")
            if item:
                materials = materials.filter(catalog_item__code=item)
            if flag_param(self.request, "current"):
                materials = materials.current()
        return materials.order_by("case_id", "pk")

    @extend_schema(
        summary="上传材料 Upload one file to a case (multipart/form-data)",
        request={"multipart/form-data": MaterialUploadSerializer},
        responses={201: MaterialSerializer},
    )
    def create(self, request):
        serializer = MaterialUploadSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = data["case"]
        upload = data["file"]
        with fields_at_fault(
            catalog_not_ready="catalog_item",
            upload_refused="file",
            duplicate_material="file",
        ):
            item = case_catalog_item(case, data["catalog_item"])
            material = material_upload(
                case=case,
                user=request.user,
                catalog_item=item,
                file=upload,
                name=upload.name or "unnamed",
                node=data.get("node"),
                supersedes=data.get("supersedes"),
                title=data["title"],
                document_number=data["document_number"],
                responsible_party=data["responsible_party"],
                formed_on=data["formed_on"],
                origin=data["origin"],
            )
        # The intake check ran already when Celery runs eagerly; else the answer says pending.
        material = Material.objects.get(pk=material.pk)
        return Response(
            MaterialSerializer(material, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="撤回材料 Withdraw a file not yet submitted (kept and journaled, never deleted)",
        request=None,
        responses={200: MaterialSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def withdraw(self, request, pk=None):
        material = material_withdraw(material=self.get_object(), user=request.user)
        return Response(MaterialSerializer(material, context={"request": request}).data)

    @extend_schema(
        summary="下载材料文件 Download the stored file",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[OctetStreamRenderer, JSONRenderer],
        pagination_class=None,
    )
    def file(self, request, pk=None):
        material = self.get_object()
        audit_view_record(
            case=material.case, user=request.user, page=request.path, material=material.pk
        )
        return FileResponse(
            material.file.open("rb"),
            as_attachment=True,
            filename=material.original_name,
            content_type="application/octet-stream",
        )
