"""A development certificate authority and signing certificate, so the embedded default signs.

NOT FOR PRODUCTION. Its names say so (仅供开发测试), its PKCS#12 password is a published constant
and the CA's private key is thrown away once the signing certificate is made. A real archive sets
``CERTIFICATES_PKCS12_PATH`` / ``CERTIFICATES_PKCS12_PASSWORD`` to its own key and
``CERTIFICATES_TRUST_ROOTS`` to its own CA.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from signing.dev_seal import DevSealFiles, dev_seal_create

from .conf import DEV_CA_FILE, DEV_PKCS12_PASSWORD, DEV_SIGNER_FILE, dev_signing_dir

DEVELOPMENT_ONLY = "DEVELOPMENT ONLY — NOT FOR PRODUCTION / 仅供开发测试"
ORGANISATION = "城市建设档案馆 City Construction Archive"
CA_COMMON_NAME = "仅供开发测试 Development CA (NOT FOR PRODUCTION)"
SIGNER_COMMON_NAME = "仅供开发测试 Development signing (NOT FOR PRODUCTION)"
# Backdated a little: a test that moves the clock back a few months still signs within validity.
BACKDATE = timedelta(days=400)
CA_VALIDITY = timedelta(days=10 * 365)
SIGNER_VALIDITY = timedelta(days=5 * 365)
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning, RFC 9336


@dataclass(frozen=True)
class DevSigningFiles:
    directory: Path
    ca_certificate: Path  # PEM: the trust root to validate against
    signer_pkcs12: Path  # the signing key, its certificate and the CA certificate
    password: str
    created: bool
    seal: DevSealFiles  # the SM2 CA, signer and electronic seal for OFD documents


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEVELOPMENT_ONLY),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer,
        content_commitment=signer,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


def _make(now: datetime) -> tuple[x509.Certificate, bytes]:
    """The CA certificate and the signer's PKCS#12 (key, certificate and CA certificate)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(CA_COMMON_NAME)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name(SIGNER_COMMON_NAME))
        .issuer_name(ca_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + SIGNER_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signer=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    bundle = pkcs12.serialize_key_and_certificates(
        name=b"archive-dev-signing",
        key=signer_key,
        cert=signer,
        cas=[ca],
        encryption_algorithm=serialization.BestAvailableEncryption(DEV_PKCS12_PASSWORD.encode()),
    )
    return ca, bundle


def _write(path: Path, data: bytes, mode: int) -> None:
    # Write then rename: a crash never leaves half a key file that looks configured.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def dev_signing_ca_create(*, directory: Path | None = None) -> DevSigningFiles:
    """Make the development CA and signer under ``directory`` unless both are already there."""
    directory = Path(directory) if directory is not None else dev_signing_dir()
    ca_path, signer_path = directory / DEV_CA_FILE, directory / DEV_SIGNER_FILE
    seal = dev_seal_create(directory)
    files = DevSigningFiles(directory, ca_path, signer_path, DEV_PKCS12_PASSWORD, False, seal)
    if ca_path.is_file() and signer_path.is_file():
        return files
    ca, bundle = _make(datetime.now(UTC))
    _write(signer_path, bundle, 0o600)
    _write(ca_path, ca.public_bytes(serialization.Encoding.PEM), 0o644)
    return DevSigningFiles(directory, ca_path, signer_path, DEV_PKCS12_PASSWORD, True, seal)
