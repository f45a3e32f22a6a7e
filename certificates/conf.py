"""Settings the certificates app reads, with the defaults used when the host site sets none."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from signing.conf import DEFAULTS as SIGNING_DEFAULTS

DEFAULTS = {
    "CERTIFICATES_NUMBER_PATTERN": "{prefix}{year}-{sequence:05d}",
    "CERTIFICATES_NUMBER_PREFIX": "JGYS",
    # The archive's name: printed on certificates and put in their signatures.
    "CERTIFICATES_ISSUER_NAME": SIGNING_DEFAULTS["CERTIFICATES_ISSUER_NAME"],
    # The public verification page; a certificate prints (and its QR code holds) <this>/<number>/.
    "CERTIFICATES_VERIFY_BASE_URL": "http://localhost:8000/verify/",
    # Lookups and PDF checks per client address and window (seconds) before answering 429.
    "CERTIFICATES_VERIFY_RATE_LIMIT": 20,
    "CERTIFICATES_VERIFY_RATE_WINDOW": 60,
    "CERTIFICATES_VERIFY_MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    # The formats a certificate is issued in: the signed PDF, and the sealed OFD (GB/T 33190).
    "CERTIFICATES_FORMATS": ("pdf", "ofd"),
}


def setting(name: str):
    value = getattr(settings, name, DEFAULTS[name])
    return value() if callable(value) else value


FORMATS = ("pdf", "ofd")


def certificate_formats() -> tuple[str, ...]:
    """The configured formats, checked: at least one, each of ``FORMATS``."""
    configured = setting("CERTIFICATES_FORMATS")
    if isinstance(configured, str):
        configured = [part.strip() for part in configured.split(",") if part.strip()]
    formats = tuple(name.lower() for name in configured)
    unknown = sorted(set(formats) - set(FORMATS))
    # The signed PDF is the registered record (its SHA-256 is journaled and looked up), so it is
    # always issued; the setting chooses whether the sealed OFD comes with it.
    if unknown or "pdf" not in formats:
        raise ImproperlyConfigured(
            f"CERTIFICATES_FORMATS is 'pdf' or 'pdf,ofd' (the default); got {configured!r}"
        )
    return formats
