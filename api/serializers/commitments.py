from rest_framework import serializers

from acceptance.models import Commitment

from .common import UsernameField


class CommitmentSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    items = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    signed_by = UsernameField()

    class Meta:
        model = Commitment
        fields = (
            "id",
            "case",
            "decision",
            "items",
            "period",
            "status",
            "deadline",
            "initial_deadline",
            "paused_at",
            "terms",
            "document_sha256",
            "signed_at",
            "signed_by",
            "settled_at",
            "reason",
        )
        read_only_fields = fields
