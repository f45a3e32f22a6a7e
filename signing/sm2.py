"""SM2 keys, signatures and X.509 certificates (GB/T 32918 SM2 over GB/T 32905 SM3).

The national algorithms behind the OFD electronic seal (:mod:`signing.ofd_seal`). pyca/cryptography
has no SM2, so keys and signatures go through ``tongsuopy`` (Tongsuo, the OpenSSL-derived
national-cryptography fork, as a wheel), chosen by measurement (see the README). Signatures are SM2
with SM3 over the signer's Z value with the default identifier ``1234567812345678`` (GB/T 35276),
DER-encoded (r, s), as the ``openssl`` command line makes and checks them with
``-digest sm3 -pkeyopt distid:1234567812345678``. Certificates are built and read with asn1crypto,
since no X.509 builder signs with SM2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asn1crypto import algos, core, keys, pem, x509
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InvalidSignature

__all__ = [
    "SM2_WITH_SM3",
    "Sm2Name",
    "sm2_certificate_build",
    "sm2_certificate_load",
    "sm2_certificate_signed_by",
    "sm2_key_generate",
    "sm2_private_key_load",
    "sm2_private_key_pem",
    "sm2_public_key",
    "sm2_sign",
    "sm2_verify",
]

SM2_CURVE = "1.2.156.10197.1.301"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM3 = "1.2.156.10197.1.401"


def sm2_key_generate() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SM2())


def sm2_private_key_pem(key: ec.EllipticCurvePrivateKey, password: str) -> bytes:
    """The key as encrypted PKCS#8 PEM, as ``openssl pkey -passin`` reads it."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )


def sm2_private_key_load(data: bytes, password: str | None) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(data, password.encode() if password else None)
    if not isinstance(key.curve, ec.SM2):
        raise ValueError(f"not an SM2 key: {key.curve.name}")
    return key


def _public_key_info(key: ec.EllipticCurvePublicKey) -> keys.PublicKeyInfo:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return keys.PublicKeyInfo.load(der)


def sm2_public_key(certificate: x509.Certificate) -> ec.EllipticCurvePublicKey | None:
    """The SM2 public key a certificate holds; None when it holds another kind of key."""
    info = certificate["tbs_certificate"]["subject_public_key_info"]
    if info["algorithm"]["parameters"].chosen.dotted != SM2_CURVE:
        return None
    return serialization.load_der_public_key(info.dump())


def sm2_sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """The DER-encoded SM2 signature of ``data`` (SM3 over Z ‖ data)."""
    return key.sign(data, ec.ECDSA(hashes.SM3()))


def sm2_verify(key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SM3()))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Sm2Name:
    common_name: str
    organization: str
    organizational_unit: str = ""

    def asn1(self) -> x509.Name:
        fields = {"country_name": "CN", "organization_name": self.organization}
        if self.organizational_unit:
            fields["organizational_unit_name"] = self.organizational_unit
        fields["common_name"] = self.common_name
        return x509.Name.build(fields, use_printable=False)


def _sm2_with_sm3() -> algos.SignedDigestAlgorithm:
    return algos.SignedDigestAlgorithm({"algorithm": SM2_WITH_SM3})


def sm2_certificate_build(
    *,
    subject: Sm2Name,
    public_key: ec.EllipticCurvePublicKey,
    issuer: Sm2Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    authority: bool,
) -> x509.Certificate:
    """An X.509 v3 certificate signed with SM2/SM3: a CA's (``authority``) or a signer's."""
    key_usage = (
        {"key_cert_sign", "crl_sign"} if authority else {"digital_signature", "non_repudiation"}
    )
    public_info = _public_key_info(public_key)
    extensions = [
        {
            "extn_id": "basic_constraints",
            "critical": True,
            "extn_value": {"ca": authority, "path_len_constraint": 0 if authority else None},
        },
        {"extn_id": "key_usage", "critical": True, "extn_value": key_usage},
        {"extn_id": "key_identifier", "critical": False, "extn_value": public_info.sha1},
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": _public_key_info(issuer_key.public_key()).sha1},
        },
    ]
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": _sm2_with_sm3(),
            "issuer": issuer.asn1(),
            "validity": {
                "not_before": x509.Time({"utc_time": not_before}),
                "not_after": x509.Time({"utc_time": not_after}),
            },
            "subject": subject.asn1(),
            "subject_public_key_info": public_info,
            "extensions": extensions,
        }
    )
    signature = sm2_sign(issuer_key, tbs.dump())
    return x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": _sm2_with_sm3(),
            "signature_value": core.OctetBitString(signature),
        }
    )


def sm2_certificate_load(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes."""
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)


def sm2_certificate_signed_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` named and signed ``certificate`` with SM2/SM3."""
    issuer_key = sm2_public_key(issuer)
    if issuer_key is None or certificate.issuer != issuer.subject:
        return False
    if certificate["signature_algorithm"]["algorithm"].dotted != SM2_WITH_SM3:
        return False
    return sm2_verify(
        issuer_key, certificate["tbs_certificate"].dump(), certificate["signature_value"].native
    )
