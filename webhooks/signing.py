"""The signature of a delivery: HMAC-SHA256 over the exact body, with the subscriber's secret.

Sent as ``X-Signature: sha256=<hex>``. A receiver recomputes it over the raw bytes it received
(before any JSON parsing) and compares in constant time, as ``signature_valid`` does.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Signature"
PREFIX = "sha256="


def signature(secret: str, body: bytes) -> str:
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(secret, body), header)
