"""Public supervision results: published plans, their draws with the verification data, targets.

Only what the notice itself publishes: organisation and project names, case numbers, dates and
outcomes. No person: not who drafted, published or drew, and not which inspector goes where.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from supervision import verify_draw as algorithm
from supervision.labels import OUTCOMES as OUTCOME_KEYS
from supervision.models import Draw, InspectionPlan
from supervision.selectors import public_targets
from workflows.labels import label

OUTCOMES = [(key, label("outcome", key).bilingual) for key in OUTCOME_KEYS]


class PublicTargetSerializer(serializers.Serializer):
    case = serializers.CharField(help_text="案件编号 case reference")
    project = serializers.CharField(help_text="项目名称 project name")
    organisation = serializers.CharField(help_text="建设单位 owner organisation")
    stratum = serializers.CharField(help_text="抽取分层（工程类型或 all）stratum")
    accepted_on = serializers.DateField(help_text="验收日期 date the case was accepted")
    outcome = serializers.ChoiceField(choices=OUTCOMES, help_text="检查结果 inspection outcome")
    decided_on = serializers.CharField(
        help_text="作出检查结论日期 date of the inspection's decision (YYYY-MM-DD; empty before)"
    )
    closed_on = serializers.CharField(
        help_text="检查办结日期 date the inspection closed (YYYY-MM-DD; empty while open)"
    )


class PublicDrawSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="第几次抽取 draw number, 1 first")
    current = serializers.BooleanField(help_text="是否为有效的最近一次抽取 the plan's latest draw")
    reason = serializers.CharField(
        help_text="重新抽取理由 reason for a redraw (empty for the first)"
    )
    drawn_at = serializers.DateTimeField()
    public_value = serializers.CharField(help_text="公开随机值 the public value as entered")
    seed = serializers.CharField(help_text="抽取后公开的种子 the seed revealed, hex")
    document_sha256 = serializers.CharField(help_text="抽取文件摘要 draw file SHA-256")
    draw_file_url = serializers.URLField(help_text="抽取文件（离线核验用）the draw file to verify")
    targets = PublicTargetSerializer(many=True)


class PublicPlanSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=[
            (InspectionPlan.Status.PUBLISHED, "已公布待抽取 published"),
            (InspectionPlan.Status.DRAWN, "已抽取 drawn"),
            (InspectionPlan.Status.INSPECTING, "检查实施中 inspections under way"),
        ]
    )
    population_size = serializers.SerializerMethodField(help_text="检查对象数 population size")
    algorithm = serializers.SerializerMethodField(help_text="抽取算法 algorithm id")
    population_digest = serializers.SerializerMethodField(help_text="名录 SHA-256")
    publication_digest = serializers.SerializerMethodField(help_text="公布文件 SHA-256")
    seed_commitment = serializers.SerializerMethodField(help_text="种子承诺值 SHA-256 of the seed")
    publication_url = serializers.SerializerMethodField(help_text="抽取前公布文件 the publication")
    verifier_url = serializers.SerializerMethodField(help_text="核验脚本 verify_draw.py")
    draws = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPlan
        fields = (
            "reference",
            "title",
            "status",
            "period_start",
            "period_end",
            "works_type",
            "stratify",
            "sample_size",
            "sample_rate_percent",
            "inspectors_per_target",
            "public_value_source",
            "public_value_date",
            "published_at",
            "population_size",
            "algorithm",
            "population_digest",
            "publication_digest",
            "seed_commitment",
            "publication_url",
            "verifier_url",
            "draws",
        )
        read_only_fields = fields

    def _url(self, name: str, *args) -> str:
        return reverse(name, args=args, request=self.context.get("request"))

    def get_population_size(self, plan) -> int:
        return len(plan.publication["population"])

    def get_algorithm(self, plan) -> str:
        return plan.publication["algorithm"]

    def get_population_digest(self, plan) -> str:
        return plan.publication["population_digest"]

    def get_publication_digest(self, plan) -> str:
        return algorithm.publication_digest(plan.publication)

    def get_seed_commitment(self, plan) -> str:
        return plan.publication["commitment"]

    def get_publication_url(self, plan) -> str:
        return self._url("supervision:publication_file", plan.reference)

    def get_verifier_url(self, plan) -> str:
        return self._url("supervision:verifier_script")

    @extend_schema_field(PublicDrawSerializer(many=True))
    def get_draws(self, plan) -> list:
        draws: list[Draw] = list(plan.draws.order_by("number"))
        latest = draws[-1].number if draws else 0
        return PublicDrawSerializer(
            [
                {
                    "number": draw.number,
                    "current": draw.number == latest,
                    "reason": draw.reason,
                    "drawn_at": draw.drawn_at,
                    "public_value": draw.document["public_value"]["value"],
                    "seed": draw.document["seed"],
                    "document_sha256": draw.document_sha256,
                    "draw_file_url": self._url(
                        "supervision:draw_file", plan.reference, draw.number
                    ),
                    "targets": public_targets(draw, latest),
                }
                for draw in draws
            ],
            many=True,
        ).data
