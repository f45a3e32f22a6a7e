from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message to one user (reminders, overdue notices, escalations).

    ``key`` names the event: one user gets one notification (and one email) per event, however
    many times a sweep meets it; the unique constraint makes that so under concurrent sweeps.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("到期提醒 deadline reminder")
        OVERDUE = "overdue", _("承诺逾期 commitment overdue")
        ESCALATED = "escalated", _("逾期督办 escalated")
        SETTLED = "settled", _("承诺办结 commitment settled")
        WITHDRAWN = "withdrawn", _("承诺撤销 commitment withdrawn")
        DEADLINE_CHANGED = "deadline_changed", _("承诺期限变更 commitment deadline changed")
        INSPECTION = "inspection", _("双随机检查 random-sample inspection")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=120)
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    body_zh = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification 通知")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=("recipient", "key"), name="acceptance_notification_once_per_event"
            )
        ]
        indexes = [
            # Every sweep looks up which of the reminders it reached were sent (by key alone):
            # the unique constraint's index starts with the recipient and cannot serve it.
            models.Index(fields=("key",), name="notification_key"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.title_zh}"
