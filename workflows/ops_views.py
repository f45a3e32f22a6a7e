"""Endpoints for machines: ``/metrics`` for Prometheus, ``/health/live`` and ``/health/ready``.

``/metrics`` answers the callers in ``METRICS_ALLOWED_IPS`` (addresses, networks or host names;
the loopback by default) and any caller presenting ``Authorization: Bearer <METRICS_BEARER_TOKEN>``
when a token is set; anyone else gets 403. The health endpoints answer everyone: load balancers
and orchestrators call them without credentials.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from .health import readiness
from .metrics import metrics_text

DEFAULT_ALLOWED_IPS = ("127.0.0.1", "::1")


def _networks(entry: str) -> list:
    """The networks an allowed entry stands for: an address, a network, or a host name (resolved
    at each scrape, so a container's changing address keeps working)."""
    try:
        return [ipaddress.ip_network(entry, strict=False)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(entry, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    return [ipaddress.ip_network(info[4][0]) for info in infos]


def _address_allowed(address: str) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    allowed = getattr(settings, "METRICS_ALLOWED_IPS", DEFAULT_ALLOWED_IPS)
    return any(client in network for entry in allowed for network in _networks(entry))


def _token_presented(request) -> bool:
    token = getattr(settings, "METRICS_BEARER_TOKEN", "")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(presented, token)


def metrics_allowed(request) -> bool:
    return _token_presented(request) or _address_allowed(request.META.get("REMOTE_ADDR", ""))


@never_cache
@require_GET
def metrics(request):
    if not metrics_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)


@never_cache
@require_GET
def live(request):
    """The process answers; nothing else is touched."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    """Every readiness check with its status; 503 when one fails."""
    ok, checks = readiness()
    # The details are bilingual sentences: kept readable rather than \u-escaped.
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks},
        status=200 if ok else 503,
        json_dumps_params={"ensure_ascii": False},
    )
