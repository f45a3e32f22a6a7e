import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return secrets.token_hex(32)


class WebhookSubscription(models.Model):
    """An external receiver of events: where to POST them, which ones, and the signing secret."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    url = models.URLField(_("receiver URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=128,
        default=new_secret,
        help_text=_("HMAC-SHA256 key of the X-Signature header; shown to the subscriber once."),
    )
    events = models.JSONField(_("event kinds"), default=list)
    audience = models.CharField(
        _("audience"),
        max_length=100,
        blank=True,
        help_text=_(
            "Blank: every event of its kinds. Otherwise only events addressed to this audience, "
            "e.g. user:12 (what that user may see) or organisation:3."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    # Set only by staff for a receiver they registered (never through the API): an intranet
    # receiver is then reached without allowing private addresses to every subscriber.
    private_network_allowed = models.BooleanField(
        _("private network allowed"),
        default=False,
        help_text=_("Staff-registered receiver on a private network (e.g. an intranet archive)."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.name or self.url

    def hears(self, event: str, audiences) -> bool:
        """Whether an ``event`` addressed to ``audiences`` is delivered to this subscription."""
        return (
            self.active
            and event in self.events
            and (not self.audience or self.audience in set(audiences))
        )


class WebhookDelivery(models.Model):
    """One event for one subscription: its exact body, attempts and the receiver's answers."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送 pending")
        SENDING = "sending", _("发送中 sending")
        RETRYING = "retrying", _("等待重试 waiting to retry")
        DELIVERED = "delivered", _("已送达 delivered")
        FAILED = "failed", _("已放弃 failed")

    FINAL = (Status.DELIVERED, Status.FAILED)

    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=64)
    # Signed and sent byte for byte as stored, at every attempt.
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    response_codes = models.JSONField(
        _("response codes"), default=list, help_text=_("One per attempt; null: no HTTP answer.")
    )
    log = models.JSONField(_("attempt log"), default=list)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=("status", "next_attempt_at"))]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription} [{self.status}]"
