"""利用登记 and 利用统计: the access register auditors read, and the reform's figures of records
access for a period, counted over the same requests.

The register lists every request received in a period: who asked (a person's name masked for
readers who do not serve requesters), which records, for what, on which proofs, the outcome and
whether the review kept its time limit, with the request's journal. A period is the requests received (submitted) from one Shanghai date to another, inclusive, each
counted in its state now (as the conditional acceptance statistics count commitments). Served
online (最多跑一次, a visit saved) is a request whose certified extract was delivered online; at
the window is a request the rule sent to a booked visit. 利用件次 counts each approved record once
per request that used it; 利用卷次 each volume (案卷) those records are bound in, once per request.
The review is on time when the archivist decided by its working-day due time. Days to delivery
run from submission to the extract's online delivery, in working days on the holiday calendar
and in calendar days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import Count, F, Q
from django.utils import timezone

from acceptance.models import VolumeEntry
from acceptance.selectors.commitments import period_bounds
from acceptance.views.statistics import percent
from workflows.deadlines import working_days_spans
from workflows.groups import in_groups
from workflows.labels import SHANGHAI

from .catalog.masking import name_masked
from .models import AccessRequest, Purpose, RequesterKind
from .selectors import ARCHIVISTS, AUDITORS

Status = AccessRequest.Status
SERVED = (Status.DELIVERED, Status.APPOINTMENT)
IN_PROGRESS = (
    Status.SUBMITTED,
    Status.PROOFS_MISSING,
    Status.UNDER_REVIEW,
    Status.PREPARING,
    Status.FORWARDED,  # waiting on a linked partner (馆室联动)
)


# Who reads the register and the figures: those who serve requesters, audit or supervise.
REGISTER_READERS = (ARCHIVISTS, AUDITORS, "supervisors")
# The register's outcome filter: (value, statuses, Chinese, English).
OUTCOMES = (
    ("online", (Status.DELIVERED,), "在线出证", "served online"),
    ("window", (Status.APPOINTMENT,), "预约到馆", "visit at the window"),
    ("refused", (Status.REFUSED,), "不予利用", "refused"),
    ("in_progress", IN_PROGRESS, "办理中", "in progress"),
)


def reads_register(user) -> bool:
    return user.is_authenticated and (user.is_superuser or in_groups(user, REGISTER_READERS))


def sees_requester_names(user) -> bool:
    """Archivists serve requesters and see their names; auditors and supervisors audit the
    service, not the person, and see a person's name masked (a firm's stays whole)."""
    return user.is_superuser or user.groups.filter(name=ARCHIVISTS).exists()


def requester_shown(request: AccessRequest, full: bool) -> str:
    if full or request.requester_kind != RequesterKind.PERSON:
        return request.requester_name
    return name_masked(request.requester_name)


def requests_received(start: date, end: date):
    since, until = period_bounds(start, end)
    return AccessRequest.objects.filter(created_at__gte=since, created_at__lt=until)


def access_register(*, start: date, end: date, purpose: str = "", outcome: str = ""):
    """The register's requests, newest first, with all a row shows loaded in a fixed number of
    queries; ``purpose`` (a code) and ``outcome`` (one of ``OUTCOMES``) narrow it."""
    requests = requests_received(start, end)
    if purpose:
        requests = requests.filter(purpose__code=purpose)
    statuses = {value: statuses for value, statuses, _zh, _en in OUTCOMES}
    if outcome in statuses:
        requests = requests.filter(status__in=statuses[outcome])
    return (
        requests.select_related("purpose", "project", "requester", "decided_by", "extract")
        .prefetch_related("records__catalog_item", "approved_records", "proofs__kind")
        .order_by("-created_at", "-pk")
    )


def review_timeliness(request: AccessRequest, now=None) -> str:
    """``on_time`` or ``late`` once decided; ``overdue`` while under review past its due time;
    "" otherwise (not reviewed yet, within the limit)."""
    if request.review_due_at is None:
        return ""
    if request.decided_at is not None:
        return "on_time" if request.decided_at <= request.review_due_at else "late"
    if request.status == Status.UNDER_REVIEW and request.review_due_at < (now or timezone.now()):
        return "overdue"
    return ""


@dataclass(frozen=True)
class UseFigures:
    """What one purpose (or all of them) counts in a period."""

    received: int = 0
    served_online: int = 0  # visits saved: the extract delivered online
    served_at_window: int = 0  # a visit booked because the rule requires one
    refused: int = 0
    in_progress: int = 0
    files_used: int = 0  # 利用件次
    volumes_used: int = 0  # 利用卷次

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class AccessStatistics:
    start: date
    end: date
    total: UseFigures
    purposes: list[tuple[Purpose, UseFigures]]
    decided: int  # reviews decided (approved, in part or refused)
    decided_on_time: int
    overdue: int  # still under review past the due time
    average_working_days: float | None  # submission to online delivery
    average_calendar_days: float | None

    @property
    def decided_late(self) -> int:
        return self.decided - self.decided_on_time

    @property
    def on_time_rate(self) -> float | None:
        """Reviews decided by their due time per review decided; None with none decided."""
        return self.decided_on_time / self.decided if self.decided else None

    @property
    def online_rate(self) -> float | None:
        """Served online per request served (online or at the window)."""
        served = self.total.served_online + self.total.served_at_window
        return self.total.served_online / served if served else None

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            **self.total.as_dict(),
            "online_rate": self.online_rate,
            "decided": self.decided,
            "decided_on_time": self.decided_on_time,
            "decided_late": self.decided_late,
            "overdue": self.overdue,
            "on_time_rate": self.on_time_rate,
            "average_working_days": self.average_working_days,
            "average_calendar_days": self.average_calendar_days,
            "purposes": [
                {"purpose": p.code, "name_zh": p.name_zh, "name_en": p.name_en, **f.as_dict()}
                for p, f in self.purposes
            ],
        }


# The figures in the order the page, the workbook and the API give them: (field, Chinese, English).
USE_FIGURES = (
    ("received", "收到查档申请", "requests received"),
    ("served_online", "在线出证（少跑一次）", "served online (visits saved)"),
    ("served_at_window", "预约到馆查阅", "visits at the window"),
    ("refused", "不予利用", "refused"),
    ("in_progress", "办理中", "in progress"),
    ("files_used", "利用件次", "files used"),
    ("volumes_used", "利用卷次", "volumes used"),
)
REVIEW_FIGURES = (
    ("decided", "已审核", "reviews decided"),
    ("decided_on_time", "按期审核", "decided on time"),
    ("decided_late", "超期审核", "decided late"),
    ("overdue", "超期未审核", "overdue, not decided"),
)


def figure_rows(stats: AccessStatistics) -> list[tuple[str, str, str, object]]:
    """(field, Chinese, English, value) of the period's figures, rates and averages last."""
    values = stats.as_dict()
    rows = [(f, zh, en, values[f]) for f, zh, en in (*USE_FIGURES, *REVIEW_FIGURES)]
    return [
        *rows,
        (
            "online_rate",
            "在线出证占办结利用比例",
            "share served online",
            percent(stats.online_rate),
        ),
        ("on_time_rate", "审核按期率", "on-time rate of reviews", percent(stats.on_time_rate)),
        (
            "average_working_days",
            "平均办结用时（工作日，提交至在线出证）",
            "average working days, submission to online delivery",
            days(stats.average_working_days),
        ),
        (
            "average_calendar_days",
            "平均办结用时（日历日，提交至在线出证）",
            "average calendar days, submission to online delivery",
            days(stats.average_calendar_days),
        ),
    ]


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _uses(requests) -> tuple[dict[int, int], dict[int, int]]:
    """Files and volumes used, by purpose id, of ``requests`` served (two queries)."""
    approved = list(
        AccessRequest.approved_records.through.objects.filter(
            accessrequest__in=requests.filter(status__in=SERVED)
        ).values_list("accessrequest_id", "accessrequest__purpose_id", "material_id")
    )
    volumes_of: dict[int, set[int]] = defaultdict(set)
    for material, volume in VolumeEntry.objects.filter(
        material__in={material for _r, _p, material in approved}
    ).values_list("material_id", "volume_id"):
        volumes_of[material].add(volume)
    files: dict[int, int] = defaultdict(int)
    volume_uses: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for request, purpose, material in approved:
        files[purpose] += 1
        volume_uses[purpose] |= {(request, volume) for volume in volumes_of[material]}
    return files, {purpose: len(uses) for purpose, uses in volume_uses.items()}


def _average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def access_statistics(*, start: date, end: date) -> AccessStatistics:
    """The figures of the requests received from ``start`` to ``end`` (Shanghai, inclusive)."""
    requests = requests_received(start, end)
    counts = {
        row["purpose"]: row
        for row in requests.values("purpose").annotate(
            received=Count("pk"),
            served_online=Count("pk", filter=Q(status=Status.DELIVERED)),
            served_at_window=Count("pk", filter=Q(status=Status.APPOINTMENT)),
            refused=Count("pk", filter=Q(status=Status.REFUSED)),
            in_progress=Count("pk", filter=Q(status__in=IN_PROGRESS)),
        )
    }
    files, volumes = _uses(requests)
    purposes = [
        (
            purpose,
            UseFigures(
                **{k: v for k, v in counts[purpose.pk].items() if k != "purpose"},
                files_used=files.get(purpose.pk, 0),
                volumes_used=volumes.get(purpose.pk, 0),
            ),
        )
        for purpose in Purpose.objects.filter(pk__in=list(counts))
    ]
    total = UseFigures(
        **{
            field: sum(getattr(figures, field) for _p, figures in purposes)
            for field in UseFigures.__dataclass_fields__
        }
    )
    reviews = requests.filter(decided_at__isnull=False, review_due_at__isnull=False).aggregate(
        decided=Count("pk"),
        decided_on_time=Count("pk", filter=Q(decided_at__lte=F("review_due_at"))),
    )
    overdue = requests.filter(status=Status.UNDER_REVIEW, review_due_at__lt=timezone.now()).count()
    delivered = list(
        requests.filter(status=Status.DELIVERED).values_list("created_at", "closed_at")
    )
    working = working_days_spans(
        [
            (timezone.localdate(submitted, SHANGHAI), timezone.localdate(closed, SHANGHAI))
            for submitted, closed in delivered
        ]
    )
    calendar = [(closed - submitted).total_seconds() / 86400 for submitted, closed in delivered]
    return AccessStatistics(
        start=start,
        end=end,
        total=total,
        purposes=purposes,
        decided=reviews["decided"],
        decided_on_time=reviews["decided_on_time"],
        overdue=overdue,
        average_working_days=_average(working),
        average_calendar_days=_average(calendar),
    )
