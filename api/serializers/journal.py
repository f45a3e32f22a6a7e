from rest_framework import serializers

from workflows.models import JournalEntry


class JournalEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = JournalEntry
        fields = (
            "id",
            "chain",
            "sequence",
            "kind",
            "recorded_at",
            "actor",
            "instance_id",
            "task_id",
            "task_name",
            "payload",
            "state_digest",
            "previous_hash",
            "entry_hash",
        )
        read_only_fields = fields


class ChainVerdictSerializer(serializers.Serializer):
    chain = serializers.CharField()
    entries = serializers.IntegerField()
    intact = serializers.BooleanField()
    broken_sequence = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
