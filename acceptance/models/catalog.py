from django.db import models
from django.utils.translation import gettext_lazy as _


class Retention(models.TextChoices):
    """保管期限. Ordered from longest to shortest: a volume takes the longest of its files."""

    PERMANENT = "permanent", _("永久 permanent")
    LONG = "long", _("长期 long-term (30 years)")
    SHORT = "short", _("短期 short-term (10 years)")

    @classmethod
    def longest(cls, values) -> "Retention":
        """The longest of ``values`` (a volume's retention is the longest of its files)."""
        order = list(cls)
        present = [cls(value) for value in values]
        if not present:
            raise ValueError("no retention given")
        return min(present, key=order.index)


class FormatKind(models.TextChoices):
    DOCUMENT = "document", _("文件 document")
    DRAWING = "drawing", _("图纸 drawing")
    PHOTO = "photo", _("照片 photo")
    VIDEO = "video", _("音视频 audio/video")


class WorksType(models.TextChoices):
    BUILDING = "building", _("房屋建筑工程 building works")
    MUNICIPAL = "municipal", _("市政基础设施工程 municipal works")


class Party(models.TextChoices):
    """Who files a record (after GB/T 50328: ▲ must file, △ may file)."""

    OWNER = "owner", _("建设单位 owner")
    DESIGNER = "designer", _("设计单位 designer")
    CONTRACTOR = "contractor", _("施工单位 contractor")
    SUPERVISOR = "supervisor", _("监理单位 supervisor")
    UCAB = "ucab", _("城建档案管理机构 city construction archive")


class CatalogVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def current(self) -> "CatalogVersion | None":
        """The latest published version: what a newly opened case files against."""
        return self.published().order_by("-number").first()


class CatalogVersion(models.Model):
    """One edition of the filing catalog (归档范围). Published editions are frozen: a case keeps
    the edition it started with, so changing the catalog means publishing a new one."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("imported from"), max_length=255, blank=True)
    categories = models.JSONField(_("category names"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = CatalogVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog version")
        ordering = ("-number",)

    def __str__(self) -> str:
        state = "" if self.is_published else " (草稿 draft)"
        return f"归档范围 v{self.number}{state}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CatalogItemQuerySet(models.QuerySet):
    def current(self):
        """Items of the latest published catalog version."""
        return self.filter(version=CatalogVersion.objects.current())


class CatalogItem(models.Model):
    """归档范围条目: one kind of record the filing catalog requires."""

    ARCHIVE_PARTY = Party.UCAB  # the city construction archive (城建档案管理机构)

    version = models.ForeignKey(CatalogVersion, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("code"), max_length=20)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    category = models.CharField(_("category"), max_length=8, db_index=True)
    retention = models.CharField(_("retention"), max_length=16, choices=Retention.choices)
    required_for = models.JSONField(_("parties that must file it"), default=list)
    optional_for = models.JSONField(_("parties that may file it"), default=list, blank=True)
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

    objects = CatalogItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog item")
        ordering = ("version", "category", "code")
        constraints = [
            models.UniqueConstraint(
                fields=("version", "code"), name="acceptance_catalogitem_code_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def required_by_archive(self) -> bool:
        return self.ARCHIVE_PARTY in self.required_for

    @property
    def is_core(self) -> bool:
        """主审要件 (``ACCEPTANCE_CORE_ITEMS``): never tolerated, whatever a flag or policy says."""
        return is_core(self.code, self.category)


def is_core(code: str, category: str) -> bool:
    """Is the item ``code`` of ``category`` a core item (主审要件, ``ACCEPTANCE_CORE_ITEMS``)?"""
    from ..conf import setting

    core = setting("ACCEPTANCE_CORE_ITEMS")
    return category in core.get("categories", ()) or code in core.get("codes", ())


class CatalogProfile(models.Model):
    """The items of one catalog version that apply to one works type (building, municipal)."""

    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="profiles")
    works_type = models.CharField(_("works type"), max_length=16, choices=WorksType.choices)
    items = models.ManyToManyField(CatalogItem, related_name="profiles", blank=True)

    class Meta:
        verbose_name = _("catalog profile")
        constraints = [
            models.UniqueConstraint(
                fields=("version", "works_type"), name="acceptance_catalogprofile_unique"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version.number} {self.works_type}"
