"""How long something has waited, in the buckets the incident console and the metrics share."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

# Youngest first: (key, upper bound); the last has none. Pages label them (``incident_age``).
AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("hour", timedelta(hours=1)),
    ("day", timedelta(days=1)),
    ("week", timedelta(days=7)),
    ("older", None),
)


def age_range(bucket: str, now: datetime, field: str = "created_at") -> Q:
    """Rows whose ``field`` puts them in ``bucket`` at ``now`` (empty Q for an unknown one)."""
    lower = timedelta(0)
    for key, upper in AGE_BUCKETS:
        if key == bucket:
            newest = Q(**{f"{field}__lte": now - lower})
            return newest & Q(**{f"{field}__gt": now - upper}) if upper else newest
        lower = upper
    return Q()


def age_bucket(moment: datetime, now: datetime) -> str:
    """The bucket of something that started at ``moment``."""
    age = now - moment
    for key, upper in AGE_BUCKETS:
        if upper is None or age < upper:
            return key
    return AGE_BUCKETS[-1][0]
