"""Reads about commitments: what a page shows of one, and the reform's figures for a period."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q

from ..deadlines import SHANGHAI
from ..models import Commitment, Decision

Status = Commitment.Status


@dataclass(frozen=True)
class CommitmentStatistics:
    """容缺受理统计, in the shape of the reform's report (278 accepted / 53 / 36, 68%)."""

    start: date
    end: date
    accepted: int  # cases accepted, fully or conditionally, in the period
    under_commitment: int  # signed commitments of those decisions
    fulfilled_on_time: int
    fulfilled_late: int
    within_period: int  # pending, the deadline still ahead
    overdue: int  # overdue or escalated, not delivered yet
    escalated: int
    withdrawn: int
    awaiting_signature: int

    @property
    def fulfilled(self) -> int:
        return self.fulfilled_on_time + self.fulfilled_late

    @property
    def fulfilment_rate(self) -> float | None:
        """Fulfilled (on time or late) per commitment signed; None without commitments."""
        return self.fulfilled / self.under_commitment if self.under_commitment else None

    @property
    def on_time_rate(self) -> float | None:
        return self.fulfilled_on_time / self.under_commitment if self.under_commitment else None

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "fulfilled": self.fulfilled,
            "fulfilment_rate": self.fulfilment_rate,
            "on_time_rate": self.on_time_rate,
        }


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The first instant of ``start`` and of the day after ``end``, in Shanghai: a period's
    statistics count what falls from the one up to (not including) the other."""
    return (
        datetime.combine(start, time.min, tzinfo=SHANGHAI),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI),
    )


def cases_accepted_between(start: date, end: date):
    """The ids (``case``) of cases accepted, fully or conditionally, from ``start`` to ``end``
    (Shanghai dates, inclusive): the cases a period's statistics count."""
    since, until = period_bounds(start, end)
    return (
        Decision.objects.filter(
            decided_at__gte=since,
            decided_at__lt=until,
            outcome__in=(Decision.Outcome.ACCEPT, Decision.Outcome.CONDITIONAL),
        )
        .values("case")
        .distinct()
    )


def commitment_statistics(*, start: date, end: date) -> CommitmentStatistics:
    """The figures for decisions taken from ``start`` to ``end`` (Shanghai dates, inclusive);
    each commitment counted in its state now."""
    since, until = period_bounds(start, end)
    accepted = cases_accepted_between(start, end).count()
    counts = Commitment.objects.filter(
        decision__decided_at__gte=since, decision__decided_at__lt=until
    ).aggregate(
        under_commitment=Count("pk", filter=Q(signed_at__isnull=False)),
        fulfilled_on_time=Count("pk", filter=Q(status=Status.FULFILLED)),
        fulfilled_late=Count("pk", filter=Q(status=Status.FULFILLED_LATE)),
        within_period=Count("pk", filter=Q(status=Status.PENDING)),
        overdue=Count("pk", filter=Q(status__in=(Status.OVERDUE, Status.ESCALATED))),
        escalated=Count("pk", filter=Q(status=Status.ESCALATED)),
        withdrawn=Count("pk", filter=Q(status=Status.WITHDRAWN)),
        awaiting_signature=Count("pk", filter=Q(status=Status.DRAFT)),
    )
    return CommitmentStatistics(start=start, end=end, accepted=accepted, **counts)


def case_commitment(case) -> Commitment | None:
    """The case's latest commitment, if it ever had one."""
    return case.commitments.select_related("decision").order_by("-pk").first()
