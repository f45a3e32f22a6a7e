"""A fixed-window limit on verification requests per client address, kept in Django's cache.

With the default local-memory cache each server process counts for itself; set ``CACHE_URL`` to
a Redis URL (see config/settings.py) so that all processes share the count.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

from .conf import setting


def client_address(request) -> str:
    # REMOTE_ADDR: a client cannot choose it, unlike X-Forwarded-For. Behind a reverse proxy,
    # have the proxy set REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR") or "unknown"


def verification_allowed(request) -> bool:
    """Count one verification for the client; False once it is over the limit in this window."""
    limit = int(setting("CERTIFICATES_VERIFY_RATE_LIMIT"))
    if limit <= 0:
        return True
    window = max(1, int(setting("CERTIFICATES_VERIFY_RATE_WINDOW")))
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"certificates:verify:{address}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count <= limit
