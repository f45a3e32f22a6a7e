from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import CatalogItem


class DayCount(models.TextChoices):
    CALENDAR = "calendar", _("自然日 calendar days")
    WORKING = "working", _("工作日 Chinese working days")


class CommitmentPolicyQuerySet(models.QuerySet):
    def current(self) -> "CommitmentPolicy":
        """The policy in force: the latest saved one, or the defaults while staff saved none."""
        return self.order_by("-pk").first() or CommitmentPolicy()


def _default_period() -> str:
    from ..conf import setting

    return setting("ACCEPTANCE_COMMITMENT_PERIOD")


def _default_offsets() -> list[int]:
    return [30, 7, 1]


class CommitmentPolicy(models.Model):
    """容缺受理政策: what archive staff allow under a time-limited commitment.

    Each change is saved as a new row, so the history of the policy stays; a commitment copies
    the terms in force when it is decided (its ``terms``) and keeps them.
    """

    PERIODS = (("P3M", _("3 个月 3 months")), ("P6M", _("6 个月 6 months")))

    period = models.CharField(
        _("commitment period 承诺期限"), max_length=20, choices=PERIODS, default=_default_period
    )
    day_count = models.CharField(
        _("count days as 计日方式"),
        max_length=16,
        choices=DayCount.choices,
        default=DayCount.CALENDAR,
    )
    reminder_offsets = models.JSONField(
        _("reminders, days before the deadline 到期提醒（提前天数）"), default=_default_offsets
    )
    pause_on_return = models.BooleanField(
        _("returning delivered items pauses the clock 退回补正期间暂停计时"), default=False
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate to the supervisor after overdue days 逾期多少天后督办"), default=30
    )
    tolerable_codes = models.JSONField(
        _("tolerable catalog items 可容缺条目"),
        default=list,
        blank=True,
        help_text=_("Empty: the catalog's own 可容缺 flags. Core items are never tolerable."),
    )
    updated_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False
    )

    objects = CommitmentPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("conditional acceptance policy 容缺受理政策")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.period} · {self.get_day_count_display()} · {self.reminder_offsets}"

    def clean(self) -> None:
        errors = {}
        if self.period not in dict(self.PERIODS):
            errors["period"] = "承诺期限只能是 3 或 6 个月 the period is 3 or 6 months (P3M, P6M)"
        offsets = self.reminder_offsets
        if not isinstance(offsets, list) or not all(
            isinstance(day, int) and not isinstance(day, bool) and day > 0 for day in offsets
        ):
            errors["reminder_offsets"] = (
                "提醒须为正整数天数列表，例如 [30, 7, 1] "
                "reminders are a list of positive whole days, e.g. [30, 7, 1]"
            )
        core = sorted(
            item.code
            for item in CatalogItem.objects.filter(code__in=self.tolerable_codes or [])
            if item.is_core
        )
        if core:
            errors["tolerable_codes"] = (
                f"主审要件不得容缺：{'、'.join(core)} core items can never be tolerated: "
                + ", ".join(core)
            )
        if errors:
            raise ValidationError(errors)

    def allows(self, item: CatalogItem) -> bool:
        """May ``item`` be tolerated under this policy?"""
        if item.is_core:
            return False
        if self.tolerable_codes:
            return item.code in self.tolerable_codes
        return item.tolerable

    def terms(self) -> dict:
        """What a commitment keeps of the policy in force when it is decided."""
        return {
            "day_count": self.day_count,
            "reminder_offsets": sorted(set(self.reminder_offsets), reverse=True),
            "pause_on_return": self.pause_on_return,
            "escalate_after_days": self.escalate_after_days,
        }
