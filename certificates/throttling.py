"""A fixed-window limit on public requests (verification, the public API) per client address,
kept in Django's cache.

With the default local-memory cache each server process counts for itself; set ``CACHE_URL`` to
a Redis URL (see config/settings.py) so that all processes share the count. When that cache cannot
be reached, each process counts for itself again until it can: verification keeps answering,
its limit only loosens.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

from .conf import setting

logger = logging.getLogger(__name__)

# This process's own count, used while the shared cache is unreachable.
PROCESS_COUNTS = LocMemCache("certificates-verify-rate", {})


def client_address(request) -> str:
    # REMOTE_ADDR: a client cannot choose it, unlike X-Forwarded-For. Behind a reverse proxy,
    # have the proxy set REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR") or "unknown"


def verification_allowed(request) -> bool:
    """Count one verification for the client; False once it is over the limit in this window."""
    return request_allowed(
        request,
        "certificates:verify",
        int(setting("CERTIFICATES_VERIFY_RATE_LIMIT")),
        int(setting("CERTIFICATES_VERIFY_RATE_WINDOW")),
    )


def request_allowed(request, scope: str, limit: int, window: int) -> bool:
    """Count one request of ``scope`` for the client; False once over ``limit`` in the window."""
    if limit <= 0:
        return True
    window = max(1, window)
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"{scope}:{address}:{int(time.time() // window)}"
    try:
        count = _count(cache, key, window)
    except Exception as exc:  # the cache's own errors: Redis down, refused, timed out
        logger.warning("verification rate limit counted per process: the cache failed (%r)", exc)
        count = _count(PROCESS_COUNTS, key, window)
    return count <= limit


def _count(counts, key: str, window: int) -> int:
    counts.add(key, 0, timeout=window + 5)
    try:
        return counts.incr(key)
    except ValueError:  # expired between add and incr
        counts.set(key, 1, timeout=window + 5)
        return 1
