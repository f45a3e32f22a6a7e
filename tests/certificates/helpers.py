"""Helpers shared by the certificate tests."""

from __future__ import annotations

import io
import subprocess
import zipfile
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


def easyofd_pages(data: bytes) -> list[str]:
    """Each page's text as an independent reader (easyofd) returns it, in the order it lists
    the runs."""
    from easyofd.ofd import OFD

    reader = OFD()
    reader.read(data, fmt="binary")
    pages = reader.data[0]["page_content_info"]
    return ["".join(run["text"] for run in pages[n]["text_list"]) for n in sorted(pages)]


def easyofd_images(data: bytes) -> list:
    """Every page as the independent reader (easyofd) renders it, PIL images.

    easyofd draws every text run in a font it names 宋体 (SimSun, found on Windows); where
    none is registered, reportlab searches the disk for it once per character, which takes
    minutes a page. The reader is given the shipped CJK font under that name, as a Debian
    machine with a 宋体 installed would give it one; the OFD's own embedded font is untouched.
    """
    from easyofd.ofd import OFD
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from workflows.fonts import CJK_FONT_PATH

    if "宋体" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("宋体", str(CJK_FONT_PATH)))
    reader = OFD()
    reader.read(data, fmt="binary")
    return reader.to_jpg()


def easyofd_image(data: bytes):
    """Page 1 as the independent reader (easyofd) renders it, a PIL image."""
    return easyofd_images(data)[0]


def ink_agreement(first, second) -> float:
    """How far two renderings of one A4 page put ink in the same places: the share of the
    inked cells of either (a grid of 2 mm cells, each widened by a cell so that strokes placed
    a millimetre apart still meet) that both ink. 1.0 is the same image; a page laid out
    differently, or missing its text, frame or QR code, scores lower."""
    from PIL import Image, ImageFilter

    def cells(image):
        gray = image.convert("L").resize((105, 148), Image.Resampling.BOX)
        return {
            i
            for i, value in enumerate(gray.filter(ImageFilter.MinFilter(3)).getdata())
            if value < 200
        }

    inked_first, inked_second = cells(first), cells(second)
    return len(inked_first & inked_second) / max(1, len(inked_first | inked_second))


def openssl_seal_check(ofd: bytes, folder: Path) -> subprocess.CompletedProcess:
    """The `openssl` command line's check of an OFD's SM2 seal signature (GB/T 38540): the
    signed structure, the signer's certificate and the signature read generically from
    ``SignedValue.dat`` (asn1crypto's untyped Sequence), verified with SM3 and the SM2 id."""
    from asn1crypto import core

    with zipfile.ZipFile(io.BytesIO(ofd)) as package:
        signature = core.Sequence.load(package.read("Doc_0/Signs/Sign_0/SignedValue.dat"))
    bits = core.BitString.load(signature[3].dump()).native
    (folder / "signed").write_bytes(signature[0].dump())
    (folder / "signature").write_bytes(int("".join(map(str, bits)), 2).to_bytes(len(bits) // 8))
    (folder / "cert.der").write_bytes(core.OctetString.load(signature[1].dump()).native)
    public = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-in", str(folder / "cert.der"), "-pubkey",
         "-noout", "-out", str(folder / "public.pem")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if public.returncode != 0:
        return public
    return subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(folder / "public.pem"),
         "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678",
         "-in", str(folder / "signed"), "-sigfile", str(folder / "signature")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
