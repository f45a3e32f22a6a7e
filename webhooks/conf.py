"""Settings of the webhooks app, with their defaults."""

from django.conf import settings

DEFAULTS = {
    # Attempts in all, the first included; then the delivery is FAILED.
    "WEBHOOKS_MAX_ATTEMPTS": 8,
    # Wait before retry n (n = 1, 2, …): base × 2^(n-1), at most the cap.
    "WEBHOOKS_BACKOFF_SECONDS": 30,
    "WEBHOOKS_BACKOFF_MAX_SECONDS": 3600,
    "WEBHOOKS_TIMEOUT_SECONDS": 10,
    "WEBHOOKS_USER_AGENT": "archive-acceptance-webhooks/1",
    # Receivers on loopback or private networks (tests, an intranet platform): off by default.
    "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": False,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def backoff_seconds(attempt: int) -> int:
    """The wait after the ``attempt``-th failed attempt (1-based)."""
    base = setting("WEBHOOKS_BACKOFF_SECONDS")
    return min(base * 2 ** (attempt - 1), setting("WEBHOOKS_BACKOFF_MAX_SECONDS"))
