"""Access levels (开放 / 控制使用 / 不开放) and the public search index of the catalog."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .masking import mask_personal_data


class AccessLevel(models.TextChoices):
    """How far the public may see a record, most open first."""

    OPEN = "open", _("开放 open")
    CONTROLLED = "controlled", _("控制使用 controlled")
    CLOSED = "closed", _("不开放 closed")


class CatalogItemAccess(models.Model):
    """The access level of the records of one catalog item, or of a whole category of them.

    ``code`` is a catalog item's code (``A5-2``) or a category's (``A5``, ``A``): a record takes
    the level of its item, else of its category, else of its top category, else
    ``ACCESS_DEFAULT_LEVEL``. Keyed by code, a level holds across catalog editions.
    """

    code = models.CharField(_("catalog item or category"), max_length=20, unique=True)
    level = models.CharField(_("access level"), max_length=16, choices=AccessLevel.choices)
    reason = models.CharField(_("basis"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("目录条目开放等级 catalog item access level")
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code}: {self.get_level_display()}"


class MaterialAccess(models.Model):
    """Staff's level for one file, overriding its catalog item's (with the reason why)."""

    material = models.OneToOneField(
        "acceptance.Material", on_delete=models.CASCADE, related_name="access_override"
    )
    level = models.CharField(_("access level"), max_length=16, choices=AccessLevel.choices)
    reason = models.CharField(_("reason"), max_length=300)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("文件开放等级 file access level")

    def __str__(self) -> str:
        return f"{self.material_id}: {self.get_level_display()}"


class CatalogEntry(models.Model):
    """One line of the accepted archives' catalog as the search finds it: a project, a volume or
    a file, with its public (masked) title and the tokens its text is searched by.

    Rebuilt per project from the acceptance records (``access.catalog.index``); the search
    index over ``tokens`` is SQLite FTS5 on the embedded default and a PostgreSQL GIN index in
    the distributed mode (migration 0004 makes whichever the database is).
    """

    class Kind(models.TextChoices):
        PROJECT = "project", _("项目 project")
        VOLUME = "volume", _("案卷 volume")
        FILE = "file", _("文件 file")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    project = models.ForeignKey(
        "acceptance.Project", on_delete=models.CASCADE, related_name="catalog_entries"
    )
    volume = models.ForeignKey(
        "acceptance.Volume", on_delete=models.CASCADE, null=True, related_name="+"
    )
    material = models.ForeignKey(
        "acceptance.Material", on_delete=models.CASCADE, null=True, related_name="+"
    )
    level = models.CharField(max_length=16, choices=AccessLevel.choices)
    code = models.CharField(max_length=60, blank=True)  # archival or catalog code shown
    title = models.CharField(max_length=500)  # personal data masked: what the public sees
    detail = models.CharField(max_length=500, blank=True)  # key metadata, masked likewise
    year = models.PositiveSmallIntegerField(null=True)
    tokens = models.TextField()

    class Meta:
        verbose_name = _("公开目录条目 catalog entry")
        ordering = ("project", "kind", "code")
        indexes = [models.Index(fields=("project", "kind"), name="access_entry_project_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.title}"

    @property
    def project_title(self) -> str:
        """The project's name as the public sees it."""
        return mask_personal_data(self.project.name)
