from django.db import models
from django.utils.translation import gettext_lazy as _


class Retention(models.TextChoices):
    """保管期限. Ordered from longest to shortest: a volume takes the longest of its files."""

    PERMANENT = "permanent", _("永久 permanent")
    LONG = "long", _("长期 long-term (30 years)")
    SHORT = "short", _("短期 short-term (10 years)")


class FormatKind(models.TextChoices):
    DOCUMENT = "document", _("文件 document")
    DRAWING = "drawing", _("图纸 drawing")
    PHOTO = "photo", _("照片 photo")
    VIDEO = "video", _("音视频 audio/video")


class CatalogItem(models.Model):
    """归档范围条目: one kind of record the filing catalog requires."""

    ARCHIVE_PARTY = "ucab"  # the city construction archive (城建档案管理机构)

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    category = models.CharField(_("category"), max_length=8, db_index=True)
    retention = models.CharField(_("retention"), max_length=16, choices=Retention.choices)
    required_for = models.JSONField(_("parties that must file it"), default=list)
    optional_for = models.JSONField(_("parties that may file it"), default=list)
    tolerable = models.BooleanField(
        _("may be tolerated (容缺)"),
        default=False,
        help_text=_("Core items (as-built drawings, the completion acceptance report) never are."),
    )
    format_kind = models.CharField(
        _("expected format"), max_length=16, choices=FormatKind.choices, default=FormatKind.DOCUMENT
    )
    confidence = models.CharField(max_length=16, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("catalog item")
        ordering = ("category", "code")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def required_by_archive(self) -> bool:
        return self.ARCHIVE_PARTY in self.required_for
