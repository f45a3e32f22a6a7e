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
    return signature_matches(signature(secret, body), header)


def signature_matches(computed: str, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(computed, header)


class SigningReader:
    """A body stream read through once, its signature computed on the bytes as they pass: a
    body streamed to disk (files of tens of MB) is verified without ever being held whole."""

    def __init__(self, stream, secret: str) -> None:
        self._stream = stream
        self._mac = hmac.new(secret.encode(), digestmod=hashlib.sha256)

    def read(self, *args) -> bytes:
        return self._seen(self._stream.read(*args))

    def readline(self, *args) -> bytes:
        return self._seen(self._stream.readline(*args))

    def _seen(self, data: bytes) -> bytes:
        self._mac.update(data)
        return data

    def signature(self) -> str:
        """The signature of what was read so far (the whole body once it is read to its end)."""
        return PREFIX + self._mac.hexdigest()
