from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from acceptance.selectors.commitments import commitment_statistics
from acceptance.selectors.originals import originals_statistics
from access.register import access_statistics, reads_register

from ..permissions import sees_everything
from .base import ApiViewMixin


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="开始日期（含）first day, YYYY-MM-DD")
    end = serializers.DateField(help_text="结束日期（含）last day, YYYY-MM-DD")

    def validate(self, attrs):
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError(
                {"end": "the end date is before the start date"}, code="invalid"
            )
        return attrs


class CommitmentStatisticsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    accepted = serializers.IntegerField(help_text="验收通过项目 cases accepted")
    under_commitment = serializers.IntegerField(help_text="其中限时承诺 under commitment")
    fulfilled = serializers.IntegerField(help_text="已履约 fulfilled (on time or late)")
    fulfilled_on_time = serializers.IntegerField()
    fulfilled_late = serializers.IntegerField()
    within_period = serializers.IntegerField(help_text="仍在承诺期内 still within the period")
    overdue = serializers.IntegerField(help_text="逾期未履约 overdue (escalated included)")
    escalated = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    awaiting_signature = serializers.IntegerField()
    fulfilment_rate = serializers.FloatField(allow_null=True, help_text="fulfilled / under")
    on_time_rate = serializers.FloatField(allow_null=True)


class CommitmentStatisticsView(ApiViewMixin, APIView):
    """容缺受理统计 The reform's figures for decisions taken in a period (archive staff)."""

    @extend_schema(
        summary="容缺受理统计 Conditional acceptance statistics for a period",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD"),
        ],
        responses={200: CommitmentStatisticsSerializer},
    )
    def get(self, request):
        if not sees_everything(request.user):
            raise PermissionDenied()
        period = PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        stats = commitment_statistics(**period.validated_data)
        return Response(CommitmentStatisticsSerializer(stats.as_dict()).data)


class OriginalsRateSerializer(serializers.Serializer):
    files = serializers.IntegerField(help_text="计入的材料 records counted")
    original_files = serializers.IntegerField(
        help_text="其中电子原件 of which electronic originals"
    )
    pages = serializers.IntegerField()
    original_pages = serializers.IntegerField()
    undetermined = serializers.IntegerField(help_text="尚在检测、未计入 still being checked")
    declared = serializers.IntegerField(help_text="来源由上传者声明 origin declared at upload")
    file_rate = serializers.FloatField(allow_null=True, help_text="按件 original_files / files")
    page_rate = serializers.FloatField(allow_null=True, help_text="按页 original_pages / pages")
    minimum = serializers.FloatField(help_text="each share must be above it")
    meets_minimum = serializers.BooleanField(allow_null=True)


class CaseOriginalsSerializer(OriginalsRateSerializer):
    case = serializers.CharField(help_text="案件编号 case reference")


class OriginalsStatisticsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    total = OriginalsRateSerializer()
    cases = CaseOriginalsSerializer(many=True)


class OriginalsStatisticsView(ApiViewMixin, APIView):
    """电子原件率 The share of electronic originals of the cases accepted in a period."""

    @extend_schema(
        summary="电子原件率 Share of electronic originals, by file and by page, for a period",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD"),
        ],
        responses={200: OriginalsStatisticsSerializer},
    )
    def get(self, request):
        if not sees_everything(request.user):
            raise PermissionDenied()
        period = PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        stats = originals_statistics(**period.validated_data)
        body = {
            "start": stats.start,
            "end": stats.end,
            "total": stats.total.as_dict(),
            "cases": [{"case": case.reference, **rate.as_dict()} for case, rate in stats.cases],
        }
        return Response(OriginalsStatisticsSerializer(body).data)


class UseFiguresSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="收到查档申请 requests received")
    served_online = serializers.IntegerField(help_text="在线出证 served online (visits saved)")
    served_at_window = serializers.IntegerField(help_text="预约到馆 visits at the window")
    refused = serializers.IntegerField(help_text="不予利用 refused")
    in_progress = serializers.IntegerField(help_text="办理中 in progress")
    files_used = serializers.IntegerField(help_text="利用件次 files used")
    volumes_used = serializers.IntegerField(help_text="利用卷次 volumes used")


class PurposeUseSerializer(UseFiguresSerializer):
    purpose = serializers.CharField(help_text="利用目的代码 purpose code")
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class AccessStatisticsSerializer(UseFiguresSerializer):
    start = serializers.DateField()
    end = serializers.DateField()
    online_rate = serializers.FloatField(
        allow_null=True, help_text="served online / served (online or at the window)"
    )
    decided = serializers.IntegerField(help_text="已审核 reviews decided")
    decided_on_time = serializers.IntegerField(help_text="按期审核 decided by the due time")
    decided_late = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="超期未审核 under review past the due time")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="decided_on_time / decided")
    average_working_days = serializers.FloatField(
        allow_null=True, help_text="平均工作日 submission to online delivery, working days"
    )
    average_calendar_days = serializers.FloatField(
        allow_null=True, help_text="平均日历日 submission to online delivery, calendar days"
    )
    purposes = PurposeUseSerializer(many=True)


class AccessStatisticsView(ApiViewMixin, APIView):
    """利用统计 Records access figures of the requests received in a period (Asia/Shanghai dates),
    each in its state now: archivists, auditors and supervisors."""

    @extend_schema(
        summary="利用统计 Records access statistics for a period",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD"),
        ],
        responses={200: AccessStatisticsSerializer},
    )
    def get(self, request):
        if not reads_register(request.user):
            raise PermissionDenied()
        period = PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        stats = access_statistics(**period.validated_data)
        return Response(AccessStatisticsSerializer(stats.as_dict()).data)
