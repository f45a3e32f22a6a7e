from rest_framework import serializers

from acceptance.models import Case, Decision

from ..selectors import cases_visible_to
from .common import UsernameField, VisibleSlugRelatedField


class DecisionSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    tolerated_items = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    decided_by = UsernameField()
    commitment = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = (
            "id",
            "case",
            "outcome",
            "comment",
            "tolerated_items",
            "decided_by",
            "decided_at",
            "commitment",
        )
        read_only_fields = fields

    def get_commitment(self, decision) -> int | None:
        commitment = getattr(decision, "commitment", None)
        return commitment.pk if commitment else None


class DecisionSubmitSerializer(serializers.Serializer):
    """The reviewer's acceptance decision on a case waiting for it (``decision_submit``)."""

    case = VisibleSlugRelatedField(
        cases_visible_to,
        slug_field="reference",
        queryset=Case.objects.all(),
        help_text="案件编号 reference of the case",
    )
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    tolerated_items = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        default=list,
        max_length=200,
        help_text="容缺条目代码 tolerable catalog item codes (conditional only)",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
