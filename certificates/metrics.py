"""Certificate issuance for ``workflows.metrics``: certificates by kind and status."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Max
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from workflows.metrics import counted, register_collector

from .models import Certificate


class CertificatesCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        rows = Certificate.objects.values_list("kind", "status").annotate(n=Count("pk")).order_by()
        counts = {(kind, status): n for kind, status, n in rows}
        yield counted(
            "certificates",
            "Certificates by kind and status.",
            ("kind", "status"),
            [
                (kind.value, status.value, counts.get((kind.value, status.value), 0))
                for kind in Certificate.Kind
                for status in Certificate.Status
            ],
        )
        # Every certificate ever issued is a row that is never deleted: the count only grows.
        issued = CounterMetricFamily(
            "certificates_issued", "Certificates issued since the start, by kind.", labels=["kind"]
        )
        for kind in Certificate.Kind:
            issued.add_metric(
                [kind.value], sum(n for (k, _s), n in counts.items() if k == kind.value)
            )
        yield issued
        last = Certificate.objects.aggregate(at=Max("issued_at"))["at"]
        yield GaugeMetricFamily(
            "certificates_last_issued_timestamp_seconds",
            "When the latest certificate was issued (Unix time; 0 before the first).",
            value=last.timestamp() if last else 0,
        )


register_collector("certificates", CertificatesCollector())
