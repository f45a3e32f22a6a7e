"""The acceptance domain's metrics (``workflows.metrics``): cases and commitments by state."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from workflows.metrics import counted, register_collector

from .models import Case, Commitment


class AcceptanceCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield counted(
            "acceptance_cases",
            "Acceptance cases by state.",
            ("state",),
            _by_state(Case, Case.Status),
        )
        yield counted(
            "acceptance_commitments",
            "Time-limited commitments by state.",
            ("state",),
            _by_state(Commitment, Commitment.Status),
        )
        # A pending commitment past its deadline that the sweep has not turned overdue yet.
        late = Commitment.objects.filter(
            status=Commitment.Status.PENDING, deadline__lt=timezone.now()
        ).count()
        yield GaugeMetricFamily(
            "acceptance_commitments_past_deadline_unswept",
            "Pending commitments past their deadline the sweep has not yet marked overdue.",
            value=late,
        )


def _by_state(model, states) -> list[tuple[str, int]]:
    """Every state, with zero for the empty ones, so a state's series never disappears."""
    counts = dict(model.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return [(state.value, counts.get(state.value, 0)) for state in states]


register_collector("acceptance", AcceptanceCollector())
