"""Records access (查档利用): the open catalog's access levels and people's access requests."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from acceptance.models import Material, Project
from workflows.jobs.outbox import job_progress

# The outbox job that renders and seals an extract's OFD after the extract commits.
RENDER_EXTRACT_OFD_TASK = "access.render_extract_ofd"

# -- access requests --------------------------------------------------------------------------


class RequesterRole(models.TextChoices):
    """Who the requester is to the records: what the eligibility rules are written for."""

    PROPERTY_OWNER = "property_owner", _("产权人 property owner")
    LESSEE = "lessee", _("承租人 lessee")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会 owners' committee")
    COURT = "court", _("人民法院 court")


class RequesterKind(models.TextChoices):
    PERSON = "person", _("个人 person")
    FIRM = "firm", _("单位 organisation")


class Purpose(models.Model):
    """利用目的: what the records are wanted for (加装电梯, 工商注册, 诉讼…)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("利用目的 purpose")
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name_zh


class ProofKind(models.Model):
    """证明材料: a kind of document a rule may ask for (租赁合同, 街道情况说明…)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    hint_zh = models.CharField(_("what it is (Chinese)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("证明材料 proof")
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name_zh


class EligibilityRuleQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(active=True, purpose__active=True)


class EligibilityRule(models.Model):
    """利用规则: for a purpose, who may see which records on which proofs. Staff edit these."""

    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="rules")
    role = models.CharField(_("requester"), max_length=24, choices=RequesterRole.choices)
    record_codes = models.JSONField(
        _("records (catalog codes or categories)"),
        help_text=_("归档范围条目代码或类别，如 D-1 或 D（全部竣工图）"),
    )
    proofs = models.ManyToManyField(ProofKind, related_name="rules", verbose_name=_("proofs"))
    visit_required = models.BooleanField(
        _("visit required"), default=False, help_text=_("须到馆查阅（预约窗口），不在线出证")
    )
    extract_valid_days = models.PositiveSmallIntegerField(_("extract valid for (days)"), default=90)
    note_zh = models.CharField(_("basis (Chinese)"), max_length=300, blank=True)
    active = models.BooleanField(_("in force"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EligibilityRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("利用规则 eligibility rule")
        ordering = ("purpose__code", "role")
        constraints = [
            models.UniqueConstraint(
                fields=("purpose", "role"),
                condition=models.Q(active=True),
                name="access_one_rule_in_force_per_purpose_and_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose.name_zh} · {self.get_role_display()}"

    def covers(self, catalog_code: str) -> bool:
        """True when a record of ``catalog_code`` is within the rule's records."""
        return any(
            catalog_code == code or catalog_code.split("-")[0] == code for code in self.record_codes
        )


class AccessRequest(ConcurrentTransitionMixin, models.Model):
    """查档申请: one requester's request for records of one project, for one purpose."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交 submitted")
        PROOFS_MISSING = "proofs_missing", _("待补正 proofs missing")
        UNDER_REVIEW = "under_review", _("审核中 under review")
        PREPARING = "preparing", _("出证中 preparing the extract")
        FORWARDED = "forwarded", _("已转交合作单位办理 forwarded to a partner")
        DELIVERED = "delivered", _("已出证 extract issued")
        APPOINTMENT = "appointment", _("预约到馆 visit booked")
        REFUSED = "refused", _("不予利用 refused")

    class Decision(models.TextChoices):
        ALL = "all", _("全部同意 approved")
        PART = "part", _("部分同意 approved in part")
        REFUSE = "refuse", _("不予利用 refused")

    reference = models.CharField(_("request number"), max_length=40, unique=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests"
    )
    requester_name = models.CharField(_("requester's name"), max_length=200)
    requester_kind = models.CharField(max_length=8, choices=RequesterKind.choices)
    role = models.CharField(_("requester"), max_length=24, choices=RequesterRole.choices)
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="requests")
    rule = models.ForeignKey(
        EligibilityRule, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="access_requests")
    records = models.ManyToManyField(Material, related_name="access_requests")
    approved_records = models.ManyToManyField(Material, related_name="+", blank=True)
    # An external platform's (一网通办) own number: asking twice returns the same request.
    platform = models.CharField(_("platform"), max_length=40, blank=True)
    platform_reference = models.CharField(_("platform's number"), max_length=80, blank=True)
    status = FSMField(default=Status.SUBMITTED, choices=Status.choices, protected=True)
    missing_proofs = models.JSONField(_("proofs missing (one notice)"), default=list, blank=True)
    review_due_at = models.DateTimeField(_("review due"), null=True, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    appointment_at = models.DateTimeField(_("visit at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("查档申请 access request")
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("platform", "platform_reference"),
                condition=~models.Q(platform_reference=""),
                name="access_request_once_per_platform_reference",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @transition(
        status, source=[Status.SUBMITTED, Status.PROOFS_MISSING], target=Status.PROOFS_MISSING
    )
    def ask_for_proofs(self, missing: list[dict]) -> None:
        self.missing_proofs = missing

    @transition(
        status, source=[Status.SUBMITTED, Status.PROOFS_MISSING], target=Status.UNDER_REVIEW
    )
    def admit(self) -> None:
        self.missing_proofs = []

    @transition(status, source=Status.UNDER_REVIEW, target=Status.PREPARING)
    def approve(self, *, decision: str, reason: str, by) -> None:
        self._decided(decision, reason, by)

    @transition(status, source=Status.UNDER_REVIEW, target=Status.REFUSED)
    def refuse(self, *, reason: str, by) -> None:
        self._decided(self.Decision.REFUSE, reason, by)
        self.closed_at = timezone.now()

    @transition(status, source=Status.PREPARING, target=Status.FORWARDED)
    def forward(self) -> None:
        """Records a partner holds were sent to it; the request waits for its answer."""

    @transition(status, source=Status.FORWARDED, target=Status.PREPARING)
    def partners_answered(self, *, refused_records: list, reasons: str) -> None:
        """Every partner answered and something is left to give: the extract is made. Records a
        partner refused are taken out of the approval, with the partner's reasons."""
        if refused_records:
            self.approved_records.remove(*refused_records)
            self.decision = self.Decision.PART
            self.decision_reason = "；".join(r for r in (self.decision_reason, reasons) if r)

    @transition(status, source=Status.FORWARDED, target=Status.REFUSED)
    def partners_refused(self, *, reasons: str) -> None:
        """Nothing is left to give: the request is refused with the partners' reasons."""
        self.decision = self.Decision.REFUSE
        self.decision_reason = reasons
        self.closed_at = timezone.now()

    @transition(status, source=Status.PREPARING, target=Status.DELIVERED)
    def deliver(self) -> None:
        self.closed_at = timezone.now()

    @transition(status, source=Status.PREPARING, target=Status.APPOINTMENT)
    def book_visit(self, at) -> None:
        self.appointment_at = at
        self.closed_at = timezone.now()

    def _decided(self, decision: str, reason: str, by) -> None:
        self.decision = decision
        self.decision_reason = reason
        self.decided_by = by
        self.decided_at = timezone.now()


def proof_upload_path(proof: "Proof", filename: str) -> str:
    return f"access/proofs/{proof.request.reference}/{filename}"


class Proof(models.Model):
    """One uploaded proof, checked with the intake's four-property checks."""

    request = models.ForeignKey(AccessRequest, on_delete=models.PROTECT, related_name="proofs")
    kind = models.ForeignKey(ProofKind, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=proof_upload_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    check_report = models.JSONField(default=dict, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("证明材料文件 proof file")
        ordering = ("uploaded_at",)

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"


class ExtractSequence(models.Model):
    """The last extract number of a year, locked while numbering."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Extract(models.Model):
    """档案证明 (出证): the signed, watermarked PDF of the approved records' pages."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="extract")
    pdf = models.FileField(upload_to="access/extracts/%Y/", max_length=300)
    pdf_sha256 = models.CharField(max_length=64, db_index=True)
    # The same extract as an OFD document with the archive's SM2 seal, made by a job after the
    # extract commits; empty while it is made, when the archive issues PDF only, and for extracts
    # issued before OFD output existed.
    ofd = models.FileField(upload_to="access/extracts/%Y/", max_length=300, blank=True)
    ofd_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    verification_code = models.CharField(max_length=16)
    pages = models.PositiveIntegerField()
    issued_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateField(_("valid until"))

    class Meta:
        verbose_name = _("档案证明 certified extract")
        ordering = ("-issued_at",)

    def __str__(self) -> str:
        return self.number

    @property
    def ofd_state(self) -> str:
        """``ready``, or where its render job stands (``preparing``, ``failed``, ``none``)."""
        return "ready" if self.ofd else job_progress(RENDER_EXTRACT_OFD_TASK, self.pk)


# -- linked archives (馆室联动) -----------------------------------------------------------------


class Partner(models.Model):
    """合作馆室: another archive or a body's archive room (档案室) holding records this window
    serves. Requests for its records are forwarded to its endpoint as signed webhooks; it
    answers through the API, signing with the same shared key."""

    class Kind(models.TextChoices):
        ARCHIVE = "archive", _("档案馆 archive")
        ROOM = "room", _("档案室 archive room")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # Its endpoint and shared key are the subscription's URL and secret: one place signs.
    subscription = models.OneToOneField(
        "webhooks.WebhookSubscription", on_delete=models.PROTECT, related_name="partner"
    )
    answer_working_days = models.PositiveSmallIntegerField(
        _("answers within (working days)"), default=5
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    active = models.BooleanField(_("linked"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("合作馆室 partner archive")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def endpoint(self) -> str:
        return self.subscription.url


class PartnerHolding(models.Model):
    """Records a partner holds: one record, or every record of a catalog item or category."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="holdings")
    catalog_code = models.CharField(
        _("catalog item or category"),
        max_length=20,
        blank=True,
        help_text=_("归档范围条目代码或类别，如 D-1 或 D；留空则须选择一份档案"),
    )
    material = models.ForeignKey(
        "acceptance.Material",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("one record"),
    )

    class Meta:
        verbose_name = _("合作馆室保管的档案 records a partner holds")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(catalog_code="") & models.Q(material__isnull=False))
                | (~models.Q(catalog_code="") & models.Q(material__isnull=True)),
                name="access_holding_is_a_code_or_a_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.catalog_code or self.material}"


class Forwarding(models.Model):
    """转交: the records of one request a partner holds, sent to it, and its answer."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("等待答复 waiting for the partner")
        PROVIDED = "provided", _("已提供 files provided")
        REFUSED = "refused", _("不予提供 refused by the partner")
        WITHDRAWN = "withdrawn", _("本馆终止转交 closed by the archive")

    token = models.UUIDField(_("forwarding number"), default=uuid.uuid4, unique=True)
    request = models.ForeignKey(AccessRequest, on_delete=models.PROTECT, related_name="forwardings")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="forwardings")
    records = models.ManyToManyField("acceptance.Material", related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    due_at = models.DateTimeField(_("answer due"))
    sent_at = models.DateTimeField(default=timezone.now)
    # The last webhook sent (a resend makes a new one): what the archivist sees of its delivery.
    delivery = models.ForeignKey(
        "webhooks.WebhookDelivery", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_sha256 = models.CharField(max_length=64, blank=True)
    reason = models.TextField(_("reasons"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("转交合作馆室 forwarding")
        ordering = ("sent_at", "pk")

    def __str__(self) -> str:
        return f"{self.request} → {self.partner}"


def partner_file_path(partner_file: "PartnerFile", filename: str) -> str:
    return f"access/partners/{partner_file.forwarding.token}/{filename}"


class PartnerFile(models.Model):
    """A file a partner sent for one forwarded record, checked like a proof."""

    forwarding = models.ForeignKey(Forwarding, on_delete=models.PROTECT, related_name="files")
    record = models.ForeignKey("acceptance.Material", on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=partner_file_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    check_report = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("合作馆室提供的文件 partner's file")
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.original_name


# The open catalog's models live beside its code (access/catalog/).
from .catalog.models import AccessLevel, CatalogEntry, CatalogItemAccess, MaterialAccess  # noqa: E402, F401
