"""Settings the signing service reads, with the defaults used when the host site sets none.

The names keep their ``CERTIFICATES_`` prefix: they are the deployment's environment variables
from before the service signed anything but certificates (an X.509 certificate and its key, too).
The SM2 electronic seal's settings are new and named ``SIGNING_``.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

# The development signing keys' password: printed here on purpose, it protects nothing real.
DEV_PKCS12_PASSWORD = "development-only-not-for-production"
DEV_CA_FILE = "dev-ca.pem"
DEV_SIGNER_FILE = "dev-signer.p12"
DEV_SM2_PASSWORD = DEV_PKCS12_PASSWORD
DEV_SM2_CA_FILE = "dev-sm2-ca.pem"
DEV_SM2_SIGNER_FILE = "dev-sm2-signer.pem"
DEV_SM2_KEY_FILE = "dev-sm2-signer.key"
DEV_SEAL_FILE = "dev-seal.esl"


def dev_signing_dir() -> Path:
    """Where ``create_dev_signing_ca`` writes: ``<DATA_DIR>/signing`` (``var/signing``)."""
    configured = getattr(settings, "CERTIFICATES_DEV_SIGNING_DIR", None)
    if configured:
        return Path(configured)
    return Path(getattr(settings, "DATA_DIR", "var")) / "signing"


DEFAULTS = {
    # The archive's SM2 key (encrypted PKCS#8 PEM) and its password, its SM2 certificate, its
    # seal (GB/T 38540 SES_Seal, DER) and the SM2 CA certificates the seal's certificates chain to.
    "SIGNING_SM2_KEY_PATH": lambda: dev_signing_dir() / DEV_SM2_KEY_FILE,
    "SIGNING_SM2_KEY_PASSWORD": DEV_SM2_PASSWORD,
    "SIGNING_SM2_CERTIFICATE_PATH": lambda: dev_signing_dir() / DEV_SM2_SIGNER_FILE,
    "SIGNING_SEAL_PATH": lambda: dev_signing_dir() / DEV_SEAL_FILE,
    "SIGNING_SM2_TRUST_ROOTS": lambda: [dev_signing_dir() / DEV_SM2_CA_FILE],
    # The signer's name, put in each PAdES signature as its location.
    "CERTIFICATES_ISSUER_NAME": "城市建设档案馆",
    # A dotted path to a signing.signers.Signer subclass.
    "CERTIFICATES_SIGNER": "signing.signers.Pkcs12FileSigner",
    "CERTIFICATES_PKCS12_PATH": lambda: dev_signing_dir() / DEV_SIGNER_FILE,
    "CERTIFICATES_PKCS12_PASSWORD": DEV_PKCS12_PASSWORD,
    # PEM or DER files of the CA certificates a signature must chain to.
    "CERTIFICATES_TRUST_ROOTS": lambda: [dev_signing_dir() / DEV_CA_FILE],
}


def setting(name: str):
    value = getattr(settings, name, DEFAULTS[name])
    return value() if callable(value) else value
