from django.contrib import admin

from .models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "url", "events", "audience", "active", "owner", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url", "audience")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log, read-only: what was sent, how often, and what the receiver answered."""

    list_display = ("delivery_id", "event", "subscription", "status", "attempts", "created_at")
    list_filter = ("status", "event")
    search_fields = ("delivery_id",)
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
