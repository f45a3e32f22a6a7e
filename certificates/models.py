from string import Template

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.jobs.outbox import job_progress

# The outbox job that renders and seals a certificate's OFD after its number's transaction commits.
RENDER_OFD_TASK = "certificates.render_ofd"


class CertificateSequence(models.Model):
    """The last number issued in a year; locked while numbering so numbers never gap or repeat."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Certificate(ConcurrentTransitionMixin, models.Model):
    """验收意见书: the archive's acceptance opinion, issued as a PDF.

    What it is issued for (its subject) is the model the host site names in
    ``CERTIFICATES_SUBJECT_MODEL``; the app reads nothing from it. The domain hands over what the
    certificate prints, and the certificate keeps what it needs later (the project's name for
    the public verification, the journal chain its lifecycle is written to).
    """

    class Kind(models.TextChoices):
        FULL = "full", _("验收合格 full acceptance")
        CONDITIONAL = "conditional", _("容缺受理 conditional acceptance")

    class Status(models.TextChoices):
        ISSUED = "issued", _("有效 issued")
        SUPERSEDED = "superseded", _("已被替代 superseded")
        SUSPENDED = "suspended", _("已中止 suspended")
        REVOKED = "revoked", _("已撤销 revoked")

    number = models.CharField(_("number"), max_length=40, unique=True)
    case = models.ForeignKey(
        settings.CERTIFICATES_SUBJECT_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    project_name = models.CharField(_("project name, as printed"), max_length=300)
    journal_chain = models.CharField(
        max_length=200, help_text=_("The journal chain the certificate's life is written to.")
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = FSMField(default=Status.ISSUED, choices=Status.choices, protected=True)
    issue_key = models.CharField(
        max_length=200,
        unique=True,
        help_text=_("What it was issued for; issuing twice is refused."),
    )
    pdf = models.FileField(upload_to="certificates/%Y/", max_length=300)
    pdf_sha256 = models.CharField(max_length=64, db_index=True)
    # The same certificate as an OFD document (GB/T 33190), rendered from the same content as the
    # PDF at issuance; empty for certificates issued before OFD output existed.
    ofd = models.FileField(upload_to="certificates/%Y/", max_length=300, blank=True)
    verification_code = models.CharField(max_length=16)
    issued_at = models.DateTimeField(default=timezone.now)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    status_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("certificate")
        ordering = ("-issued_at",)

    def __str__(self) -> str:
        return f"{self.number} ({self.get_kind_display()})"

    @transition(field=status, source=[Status.ISSUED, Status.SUSPENDED], target=Status.SUPERSEDED)
    def supersede(self) -> None:
        pass

    @transition(field=status, source=Status.ISSUED, target=Status.SUSPENDED)
    def suspend(self, reason: str) -> None:
        self.status_reason = reason

    @transition(field=status, source=Status.SUSPENDED, target=Status.ISSUED)
    def reinstate(self, reason: str) -> None:
        self.status_reason = reason

    @transition(
        field=status,
        source=[Status.ISSUED, Status.SUSPENDED, Status.SUPERSEDED],
        target=Status.REVOKED,
    )
    def revoke(self, reason: str) -> None:
        self.status_reason = reason

    @property
    def ofd_state(self) -> str:
        """``ready``; ``preparing`` while its render job runs; ``failed`` when the job gave up;
        ``none``: not issued as OFD."""
        return "ready" if self.ofd else job_progress(RENDER_OFD_TASK, self.pk)


class OpinionTemplate(models.Model):
    """The opinion text printed on certificates of one kind, edited by archive staff in the admin.

    ``${name}`` placeholders are filled at issuance (see ``PLACEHOLDERS``); a blank line starts a
    new paragraph. Editing a template changes certificates issued afterwards, never issued ones.
    """

    PLACEHOLDERS = {
        "project_name": _("项目名称 project name"),
        "owner": _("建设单位 owner"),
        "issuer_name": _("档案馆名称 archive's name"),
        "commitment_deadline": _("承诺补交期限（有条件验收）commitment deadline (conditional)"),
    }

    kind = models.CharField(_("kind"), max_length=16, choices=Certificate.Kind.choices, unique=True)
    text = models.TextField(
        _("opinion text"),
        help_text=_(
            "可用占位符 Placeholders: ${project_name} ${owner} ${issuer_name} "
            "${commitment_deadline}"
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("验收意见模板 opinion template")

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def clean(self) -> None:
        template = Template(self.text)
        unknown = sorted(set(template.get_identifiers()) - set(self.PLACEHOLDERS))
        if not template.is_valid() or unknown:
            raise ValidationError(
                {
                    "text": _("未知或格式错误的占位符 Unknown or malformed placeholder: %(names)s")
                    % {"names": ", ".join(unknown) or "$"}
                }
            )
