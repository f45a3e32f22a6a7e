"""The limit on anonymous public endpoints: the certificates' per-address counter, in DRF's terms."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from certificates.throttling import request_allowed


class PublicRateThrottle(BaseThrottle):
    """``API_PUBLIC_RATE_LIMIT`` requests per client address and ``API_PUBLIC_RATE_WINDOW`` s."""

    def allow_request(self, request, view) -> bool:
        return request_allowed(
            request, "api:public", settings.API_PUBLIC_RATE_LIMIT, settings.API_PUBLIC_RATE_WINDOW
        )

    def wait(self) -> float:
        return float(settings.API_PUBLIC_RATE_WINDOW)
