"""Helpers shared by the certificate tests."""

from __future__ import annotations

import io
from pathlib import Path

import certificates

# The repository root (test-artifacts/ is ignored by git).
REPO_ROOT = Path(certificates.__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "certificates"


def tampered(data: bytes, offset: int | None = None) -> bytes:
    """``data`` with one byte changed, by default a third of the way into the signed content."""
    offset = len(data) // 3 if offset is None else offset
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


def pdf_bytes(certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
