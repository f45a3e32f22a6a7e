"""Digests that say which algorithm made them: SHA-256 or SM3 (GB/T 32905), chosen by a setting.

``WORKFLOWS_DIGEST_ALGORITHM`` (``"sha256"``, the default, or ``"sm3"``) chooses the algorithm of
every digest written from then on: journal entries, anchors, file digests taken at intake and
bundle manifests. A digest is written as the bare hex for SHA-256, as every record made before
the choice existed is, and as ``"sm3:<hex>"`` for SM3; so a record made before a switch and one
made after it both verify, each under its own algorithm.

SM3 comes from OpenSSL 3's libcrypto through ``hashlib`` (the library the ``openssl dgst -sm3``
command uses): about a third of SHA-256's speed here, far above any pure-Python SM3.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SHA256 = "sha256"
SM3 = "sm3"
ALGORITHMS = (SHA256, SM3)
LABELS = {SHA256: "SHA-256", SM3: "SM3"}
# "sm3:" + 64 hex digits; the columns holding a digest are this wide.
MAX_LENGTH = 72
CHUNK_BYTES = 1024 * 1024


def configured_algorithm() -> str:
    """The algorithm new records are digested with (``WORKFLOWS_DIGEST_ALGORITHM``)."""
    algorithm = getattr(settings, "WORKFLOWS_DIGEST_ALGORITHM", SHA256) or SHA256
    if algorithm not in ALGORITHMS:
        raise ImproperlyConfigured(
            f"WORKFLOWS_DIGEST_ALGORITHM must be one of {', '.join(ALGORITHMS)}, not {algorithm!r}"
        )
    return algorithm


def hasher(algorithm: str):
    """A fresh hashlib object for ``algorithm``."""
    if algorithm == SHA256:
        return hashlib.sha256()
    if algorithm == SM3:
        return hashlib.new("sm3")
    raise ValueError(f"unknown digest algorithm {algorithm!r}")


def labelled(algorithm: str, hexdigest: str) -> str:
    """``hexdigest`` as stored: bare for SHA-256, ``"<algorithm>:<hex>"`` for any other."""
    return hexdigest if algorithm == SHA256 else f"{algorithm}:{hexdigest}"


def algorithm_of(digest: str) -> str:
    """The algorithm a stored digest was made with (no prefix: SHA-256)."""
    prefix, separator, _ = digest.partition(":")
    return prefix if separator else SHA256


def hex_of(digest: str) -> str:
    return digest.rpartition(":")[2]


def digest_bytes(data: bytes, algorithm: str | None = None) -> str:
    """The labelled digest of ``data`` (by default under the configured algorithm)."""
    algorithm = algorithm or configured_algorithm()
    digest = hasher(algorithm)
    digest.update(data)
    return labelled(algorithm, digest.hexdigest())


def digest_file(path: Path, algorithm: str) -> str:
    """The labelled digest of a file, streamed."""
    digest = hasher(algorithm)
    with Path(path).open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return labelled(algorithm, digest.hexdigest())


def digest_matches(digest: str, data: bytes) -> bool:
    """``data`` has ``digest`` under the algorithm ``digest`` names (an unknown one: no)."""
    algorithm = algorithm_of(digest)
    return algorithm in ALGORITHMS and digest_bytes(data, algorithm) == digest


def file_matches(digest: str, path: Path) -> bool:
    """The file at ``path`` has ``digest`` under the algorithm ``digest`` names (an unknown
    one: no)."""
    algorithm = algorithm_of(digest)
    return algorithm in ALGORITHMS and digest_file(path, algorithm) == digest
