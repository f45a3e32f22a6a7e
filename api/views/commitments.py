from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from acceptance.exceptions import CaseStateConflict
from acceptance.services.cases import case_task_complete
from acceptance.services.commitments import commitment_deliver, commitment_withdraw

from ..selectors import commitments_visible_to
from ..serializers.commitments import CommitmentSerializer
from ..serializers.materials import MaterialSerializer
from .base import ApiViewSet, param

SIGN_TASK = "sign_commitment"


@extend_schema_view(
    list=extend_schema(
        summary="限时承诺 Commitments of the cases you may see",
        parameters=[
            OpenApiParameter("case", str, description="案件编号 case reference"),
            OpenApiParameter("status", str, description="承诺状态 commitment status"),
        ],
    ),
    retrieve=extend_schema(summary="限时承诺 One commitment"),
)
class CommitmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """承诺书 The owner's promise to deliver tolerated items by a deadline."""

    serializer_class = CommitmentSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        commitments = commitments_visible_to(self.request.user)
        if self.action == "list":
            case = param(self.request, "case")
            if case:
                commitments = commitments.filter(case__reference=case)
            state = param(self.request, "status")
            if state:
                commitments = commitments.filter(status=state)
        return commitments.order_by("pk")

    def _open(self):
        commitment = self.get_object()
        if not commitment.is_open:
            raise CaseStateConflict(
                f"该承诺已{commitment.get_status_display()}，不能再办理",
                f"this commitment is {commitment.status}; nothing more can be done with it",
                commitment=commitment.pk,
            )
        return commitment

    @extend_schema(
        summary="签署承诺书 Sign the commitment (the case owner's sign_commitment task)",
        request=None,
        responses={200: CommitmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        commitment = self._open()
        case_task_complete(
            case=commitment.case, task_name=SIGN_TASK, user=request.user, data={"confirm": True}
        )
        commitment.refresh_from_db()
        return Response(self.get_serializer(commitment).data)

    @extend_schema(
        summary="报送补交材料 Report the tolerated items delivered",
        description=(
            "先上传容缺材料（POST /api/materials/），再调用本接口；材料检测通过后交审核员核验。"
            "Upload the tolerated items first; they are checked, then a reviewer verifies them."
        ),
        request=None,
        responses={
            200: inline_serializer(
                "CommitmentDelivery", {"delivered": MaterialSerializer(many=True)}
            )
        },
    )
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        commitment = self._open()
        delivered = commitment_deliver(case=commitment.case, user=request.user)
        context = self.get_serializer_context()
        return Response(
            {"delivered": MaterialSerializer(delivered, many=True, context=context).data}
        )

    @extend_schema(
        summary="撤销承诺 Withdraw the commitment (archive reviewers and supervisors)",
        description=(
            "须填写理由；容缺受理意见书随即撤销，案件退回建设单位补正。"
            "A reason is required; the conditional certificate is revoked and the case is "
            "returned to the owner to supplement."
        ),
        request=inline_serializer(
            "CommitmentWithdrawal",
            {"reason": serializers.CharField(help_text="撤销理由 why the archive withdraws it")},
        ),
        responses={200: CommitmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        commitment = self._open()
        commitment = commitment_withdraw(
            case=commitment.case, user=request.user, reason=str(request.data.get("reason", ""))
        )
        return Response(self.get_serializer(commitment).data)
