from django.db.models import prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from acceptance.models import Case
from acceptance.services.cases import decision_submit
from workflows.exceptions import TaskDataInvalid
from workflows.inbox import task_claim, task_release
from workflows.models import HumanTask
from workflows.pages import task_pages_for

from ..exceptions import fields_at_fault
from ..selectors import tasks_of_visible_cases, tasks_visible_to
from ..serializers.tasks import TaskCompleteSerializer, TaskSerializer
from .base import ApiViewSet, choice_param, param
from .decisions import DECISION_TASK, refuse_unless_decider

DECISION_FIELDS = ("decision", "tolerated_items", "comment")
UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def _invalid(field: str, zh: str, en: str) -> TaskDataInvalid:
    return TaskDataInvalid(zh, en, field=f"data.{field}")


def _decision_arguments(data: dict) -> dict:
    """The decision task's data as ``decision_submit`` takes it, its types checked first."""
    unexpected = sorted(set(data) - set(DECISION_FIELDS))
    if unexpected:
        raise _invalid(
            unexpected[0],
            f"该任务不接受这些字段：{', '.join(unexpected)}",
            f"this task does not accept the fields: {', '.join(unexpected)}",
        )
    tolerated = data.get("tolerated_items") or []
    if not isinstance(tolerated, list) or not all(isinstance(code, str) for code in tolerated):
        raise _invalid("tolerated_items", "应为文本列表", "must be a list of text values")
    comment = data.get("comment") or ""
    if not isinstance(comment, str):
        raise _invalid("comment", "应为文本", "must be text")
    outcome = data.get("decision")
    if not isinstance(outcome, str):
        raise _invalid("decision", "必填", "is required")
    return {"outcome": outcome, "tolerated_codes": tolerated, "comment": comment}


# The ``status`` filter of the task list: a task state, or every task.
TASK_LIST_STATUSES = [*HumanTask.Status.values, "all"]


@extend_schema_view(
    list=extend_schema(
        summary="待办任务 Tasks of your roles (auditors: all tasks)",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=TASK_LIST_STATUSES,
                description="默认 open；all 列出全部 default open",
            ),
            OpenApiParameter("case", str, description="案件编号 case reference"),
        ],
    ),
    retrieve=extend_schema(summary="任务 A task of a case you may see"),
)
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """用户任务 The inbox. A reviewer lists the tasks of their roles; an owner the tasks assigned
    to them. Claiming and completing are decided by the task's role and assignee (403)."""

    serializer_class = TaskSerializer
    lookup_field = "task_id"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        user = self.request.user
        if self.action != "list":
            return tasks_of_visible_cases(user)
        tasks = tasks_visible_to(user)
        state = choice_param(self.request, "status", TASK_LIST_STATUSES, HumanTask.Status.OPEN)
        if state != "all":
            tasks = tasks.filter(status=state)
        case = param(self.request, "case")
        if case:
            tasks = tasks.filter(instance__business_key=case)
        return tasks.order_by("due_at", "created_at", "pk")

    def get_serializer_context(self):
        # Each task's can_claim / can_complete asks for the user's groups: read them once.
        prefetch_related_objects([self.request.user], "groups")
        return super().get_serializer_context()

    def _answer(self, task: HumanTask) -> Response:
        task.refresh_from_db()
        return Response(TaskSerializer(task, context=self.get_serializer_context()).data)

    @extend_schema(summary="领取任务 Claim an unassigned task of your role", request=None)
    @action(detail=True, methods=["post"])
    def claim(self, request, task_id=None):
        task = self.get_object()
        return self._answer(task_claim(task_id=task.task_id, user=request.user))

    @extend_schema(summary="退回任务 Give a task you claimed back to its role", request=None)
    @action(detail=True, methods=["post"])
    def release(self, request, task_id=None):
        task = self.get_object()
        return self._answer(task_release(task_id=task.task_id, user=request.user))

    @extend_schema(
        summary="办理任务 Complete a task with the fields its form declares",
        description=(
            "验收决定任务（acceptance_decision）按 POST /api/decisions/ 的规则校验：容缺受理"
            "不得包含主审要件。The acceptance decision task is checked like POST "
            "/api/decisions/: a conditional acceptance may tolerate no core item."
        ),
        request=TaskCompleteSerializer,
        responses={200: TaskSerializer},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, task_id=None):
        task = self.get_object()
        serializer = TaskCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data["data"]
        try:
            if task.task_name == DECISION_TASK:
                case = Case.objects.get(reference=task.instance.business_key)
                refuse_unless_decider(task, case, request.user)
                with fields_at_fault(not_tolerable="data.tolerated_items"):
                    decision_submit(case=case, user=request.user, **_decision_arguments(data))
            else:
                # Through the site's task pages: their choices bound the open choice fields.
                pages = task_pages_for(task)
                pages.complete(task, pages.subject(task), request.user, data)
        except TaskDataInvalid as exc:
            field = exc.data.get("field")
            if field and not field.startswith("data."):
                exc.data["field"] = f"data.{field}"
            raise
        return self._answer(task)
