from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from webhooks.models import WebhookSubscription
from webhooks.services import (
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
)

from ..events import user_audience
from ..permissions import is_auditor, sees_everything
from ..serializers.webhooks import (
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)
from .base import ApiViewSet


@extend_schema_view(
    list=extend_schema(summary="事件订阅 Your webhook subscriptions (auditors: all)"),
    retrieve=extend_schema(summary="事件订阅 One subscription"),
    update=extend_schema(summary="修改订阅 Change a subscription"),
    partial_update=extend_schema(summary="修改订阅 Change part of a subscription"),
    destroy=extend_schema(summary="取消订阅 Remove a subscription and its delivery log"),
)
class WebhookSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ApiViewSet,
):
    """事件推送 Webhook subscriptions. Each delivery is a POST of a JSON body signed with the
    subscription's secret: ``X-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, with
    ``X-Webhook-Event`` and ``X-Webhook-Delivery`` (an id to deduplicate on). A receiver that
    does not answer 2xx is retried with exponential backoff. A subscription hears the cases its
    owner may see (archive staff: all cases)."""

    serializer_class = WebhookSubscriptionSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        subscriptions = WebhookSubscription.objects.select_related("owner").order_by("pk")
        if is_auditor(self.request.user):
            return subscriptions
        return subscriptions.filter(owner=self.request.user)

    @extend_schema(
        summary="订阅事件 Subscribe to events",
        request=WebhookSubscriptionSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer},
    )
    def create(self, request):
        serializer = WebhookSubscriptionSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = request.user
        subscription = webhook_subscription_create(
            owner=user,
            audience="" if sees_everything(user) else user_audience(user.pk),
            **serializer.validated_data,
        )
        return Response(
            WebhookSubscriptionCreatedSerializer(subscription, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_update(self, serializer):
        webhook_subscription_update(subscription=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        webhook_subscription_delete(subscription=instance)

    @extend_schema(
        summary="推送记录 The subscription's deliveries, newest first, with response codes",
        responses={200: WebhookDeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        deliveries = subscription.deliveries.order_by("-created_at", "-pk")[:100]
        return Response(WebhookDeliverySerializer(deliveries, many=True).data)
