from django.core.validators import URLValidator
from rest_framework import serializers

from webhooks.addresses import address_refusal
from webhooks.models import WebhookDelivery, WebhookSubscription

from ..events import EVENT_KINDS


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription of the requesting account. The secret is shown once, in the answer to
    its creation; deliveries carry ``X-Signature: sha256=<HMAC-SHA256 of the body>``."""

    url = serializers.CharField(
        max_length=500,
        validators=[URLValidator(schemes=("http", "https"))],
        help_text="接收地址 the receiver's http(s) URL",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_KINDS),
        min_length=1,
        max_length=len(EVENT_KINDS),
        help_text="订阅的事件 event kinds: " + ", ".join(EVENT_KINDS),
    )
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = ("id", "name", "url", "events", "active", "audience", "owner", "created_at")
        read_only_fields = ("id", "audience", "owner", "created_at")

    def validate_url(self, value):
        refusal = address_refusal(value, resolve=False)
        if refusal is not None:
            raise serializers.ValidationError(refusal, code="address_not_allowed")
        return value

    def validate_events(self, value):
        return sorted(set(value))


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="签名密钥 the signing secret: keep it, it is not shown again"
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = (*WebhookSubscriptionSerializer.Meta.fields, "secret")
        read_only_fields = (*WebhookSubscriptionSerializer.Meta.read_only_fields, "secret")


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = (
            "delivery_id",
            "event",
            "status",
            "attempts",
            "response_codes",
            "log",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "body",
        )
        read_only_fields = fields
