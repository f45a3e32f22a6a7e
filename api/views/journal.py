from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins

from ..selectors import PROJECT_CHAIN_PREFIX, journal_visible_to
from ..serializers.journal import JournalEntrySerializer
from .base import ApiViewSet, param


@extend_schema_view(
    list=extend_schema(
        summary="操作日志 Journal entries you may read, by chain and sequence",
        parameters=[
            OpenApiParameter("case", str, description="案件编号: that case's chain"),
            OpenApiParameter("project", str, description="项目编号: that project's chain"),
            OpenApiParameter("kind", str, description="条目类型 e.g. task.completed"),
        ],
    ),
    retrieve=extend_schema(summary="日志条目 One journal entry"),
)
class JournalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """操作日志 The append-only, hash-chained journal (read only, for everyone who may read the
    case or project; verify a case's chain at ``/api/cases/{reference}/journal/verify/``)."""

    serializer_class = JournalEntrySerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        entries = journal_visible_to(self.request.user)
        if self.action == "list":
            case = param(self.request, "case")
            if case:
                entries = entries.filter(chain=case)
            project = param(self.request, "project")
            if project:
                entries = entries.filter(chain=PROJECT_CHAIN_PREFIX + project)
            kind = param(self.request, "kind")
            if kind:
                entries = entries.filter(kind=kind)
        return entries.order_by("chain", "sequence")
