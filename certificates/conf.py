"""Settings the certificates app reads, with the defaults used when the host site sets none."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The development signing key's password: printed here on purpose, it protects nothing real.
DEV_PKCS12_PASSWORD = "development-only-not-for-production"
DEV_CA_FILE = "dev-ca.pem"
DEV_SIGNER_FILE = "dev-signer.p12"


def dev_signing_dir() -> Path:
    """Where ``create_dev_signing_ca`` writes: ``<DATA_DIR>/signing`` (``var/signing``)."""
    configured = getattr(settings, "CERTIFICATES_DEV_SIGNING_DIR", None)
    if configured:
        return Path(configured)
    return Path(getattr(settings, "DATA_DIR", "var")) / "signing"


DEFAULTS = {
    "CERTIFICATES_NUMBER_PATTERN": "{prefix}{year}-{sequence:05d}",
    "CERTIFICATES_NUMBER_PREFIX": "JGYS",
    "CERTIFICATES_ISSUER_NAME": "城市建设档案馆",
    # Signing: a dotted path to a certificates.signing.Signer subclass.
    "CERTIFICATES_SIGNER": "certificates.signing.Pkcs12FileSigner",
    "CERTIFICATES_PKCS12_PATH": lambda: dev_signing_dir() / DEV_SIGNER_FILE,
    "CERTIFICATES_PKCS12_PASSWORD": DEV_PKCS12_PASSWORD,
    # PEM or DER files of the CA certificates a certificate's signature must chain to.
    "CERTIFICATES_TRUST_ROOTS": lambda: [dev_signing_dir() / DEV_CA_FILE],
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
