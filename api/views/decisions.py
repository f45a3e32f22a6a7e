from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from acceptance.models import Case
from acceptance.selectors.cases import case_open_task
from acceptance.services.cases import decision_submit
from workflows.exceptions import TaskNotAvailable, TaskPermissionDenied
from workflows.inbox import can_complete
from workflows.models import HumanTask

from ..exceptions import fields_at_fault
from ..selectors import decisions_visible_to
from ..serializers.cases import CaseDetailSerializer
from ..serializers.decisions import DecisionSerializer, DecisionSubmitSerializer
from .base import ApiViewSet, param

DECISION_TASK = "acceptance_decision"


def refuse_unless_decider(task: HumanTask | None, case: Case, user) -> None:
    """Who may decide is settled before what is decided: 409 if no decision is pending, 403 if
    the user may not take it; only then are the tolerated items judged (400)."""
    if task is None or task.status != HumanTask.Status.OPEN:
        raise TaskNotAvailable(
            f"案件 {case.reference} 当前没有待作出的验收决定",
            f"case {case.reference} is not waiting for an acceptance decision",
            task_name=DECISION_TASK,
        )
    if not can_complete(user, task):
        raise TaskPermissionDenied(
            "只有该环节的审核员（或已领取该任务的审核员）可以作出验收决定",
            "only a reviewer of this step (or the one who claimed it) can decide",
            task_id=str(task.task_id),
        )


@extend_schema_view(
    list=extend_schema(
        summary="验收决定 Decisions on the cases you may see",
        parameters=[OpenApiParameter("case", str, description="案件编号 case reference")],
    ),
    retrieve=extend_schema(summary="验收决定 One decision"),
)
class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """验收结论 The reviewer's acceptance decisions: accept, return, or conditional (容缺受理),
    which may tolerate tolerable items only."""

    serializer_class = DecisionSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        decisions = decisions_visible_to(self.request.user)
        case = param(self.request, "case")
        if self.action == "list" and case:
            decisions = decisions.filter(case__reference=case)
        return decisions.order_by("decided_at", "pk")

    @extend_schema(
        summary="作出验收决定 Decide on a case waiting for its acceptance decision",
        description=(
            "容缺受理（conditional）须列出可容缺条目；含主审要件或未知条目时返回 400，"
            "code=not_tolerable，field=tolerated_items。A conditional decision naming a core "
            "or unknown item answers 400 with code not_tolerable and field tolerated_items."
        ),
        request=DecisionSubmitSerializer,
        responses={201: DecisionSerializer, 202: CaseDetailSerializer},
    )
    def create(self, request):
        serializer = DecisionSubmitSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = data["case"]
        refuse_unless_decider(case_open_task(case, DECISION_TASK), case, request.user)
        earlier = list(case.decisions.values_list("pk", flat=True))
        with fields_at_fault(not_tolerable="tolerated_items"):
            decision_submit(
                case=case,
                user=request.user,
                outcome=data["outcome"],
                tolerated_codes=data["tolerated_items"],
                comment=data["comment"],
            )
        decision = (
            decisions_visible_to(request.user)
            .filter(case=case)
            .exclude(pk__in=earlier)
            .order_by("-decided_at", "-pk")
            .first()
        )
        context = {"request": request}
        if decision is None:
            # The process took the decision but could not record it (an incident on the case):
            # the case's process status says so.
            case.refresh_from_db()
            return Response(
                CaseDetailSerializer(case, context=context).data, status=status.HTTP_202_ACCEPTED
            )
        return Response(
            DecisionSerializer(decision, context=context).data, status=status.HTTP_201_CREATED
        )
