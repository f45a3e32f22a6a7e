"""Tell a file's real format from its content (magic bytes), never from its name."""

from __future__ import annotations

import codecs
import os
import re

HEAD_BYTES = 8192
"""How many leading bytes :func:`sniff_format` reads."""

BINARY_DXF_SENTINEL = b"AutoCAD Binary DXF\r\n\x1a\x00"

_DWG_MAGIC = re.compile(rb"AC10\d\d")

# (prefix, format) pairs tested in order against the start of the file.
_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (BINARY_DXF_SENTINEL, "dxf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\x1a\x45\xdf\xa3", "ebml"),  # Matroska or WebM, told apart below
    (b"fLaC", "flac"),
    (b"OggS", "ogg"),  # Vorbis, Opus or Theora, told apart below
    (b"#!AMR", "amr"),  # before "#!" (scripts)
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "asf"),  # WMV, WMA
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jp2"),
    (b"\xff\x4f\xff\x51", "jp2"),  # a bare JPEG 2000 codestream
    (b"8BPS", "psd"),
    (b"FLV\x01", "flv"),
    (b"ID3", "mp3"),
    (b"\x00\x00\x01\xba", "mpeg"),
    (b"\x00\x00\x01\xb3", "mpeg"),
    (b"\x06\x0e\x2b\x34\x02\x05\x01\x01", "mxf"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"PK\x07\x08", "zip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
    (b"\xfe\xed\xfa\xce", "macho"),
    (b"\xfe\xed\xfa\xcf", "macho"),
    (b"\xce\xfa\xed\xfe", "macho"),
    (b"\xcf\xfa\xed\xfe", "macho"),
    (b"\xca\xfe\xba\xbe", "macho"),  # also Java class files: executable either way
    (b"#!", "script"),
)

_RIFF_TYPES = {b"WEBP": "webp", b"AVI ": "avi", b"WAVE": "wav"}

_FTYP_BRANDS = {
    b"3gp4": "3gp",
    b"3gp5": "3gp",
    b"3gp6": "3gp",
    b"3gp7": "3gp",
    b"3gs7": "3gp",
    b"3g2a": "3g2",
    b"3g2b": "3g2",
    b"3g2c": "3g2",
    b"qt  ": "mov",
    b"heic": "heic",
    b"heix": "heic",
    b"mif1": "heic",
    b"msf1": "heic",
    b"avif": "avif",
    b"avis": "avif",
    b"M4A ": "m4a",
    b"M4B ": "m4a",
}

# Old QuickTime files may start with one of these atoms instead of "ftyp".
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})

_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})

_HTML_STARTS = (
    "<!doctype html",
    "<html",
    "<head",
    "<body",
    "<script",
    "<iframe",
    "<meta",
    "<title",
    "<style",
    "<div",
    "<table",
    "<a ",
    "<p>",
    "<br",
)


def sniff_format(path: str | os.PathLike[str]) -> str:
    """Return the format of the file at ``path`` judged from its first bytes.

    The extension is never consulted. Returns a short name such as ``"pdf"``, ``"dxf"``,
    ``"dwg"``, ``"jpeg"``, ``"png"``, ``"tiff"``, ``"webp"``, ``"mp4"``, ``"html"``, ``"zip"``,
    ``"exe"``, ``"text"``, ``"empty"`` or ``"unknown"``. Raises ``OSError`` if the file cannot
    be read.
    """
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    return sniff_bytes(head)


def sniff_bytes(head: bytes) -> str:
    """Return the format of content starting with ``head`` (see :func:`sniff_format`)."""
    if not head:
        return "empty"
    fmt = _sniff_binary(head)
    if fmt is not None:
        return fmt
    text = _decode_text(head)
    if text is None:
        return "unknown"
    return _sniff_text(text)


def dwg_version(head: bytes) -> str | None:
    """Return the DWG version string (e.g. ``"AC1032"``) if ``head`` starts a DWG file."""
    match = _DWG_MAGIC.match(head)
    return match.group().decode("ascii") if match else None


def _sniff_binary(head: bytes) -> str | None:
    if dwg_version(head):
        return "dwg"
    for prefix, fmt in _PREFIXES:
        if head.startswith(prefix):
            return _REFINE[fmt](head) if fmt in _REFINE else fmt
    if head[:4] == b"RIFF" and head[8:12] in _RIFF_TYPES:
        return _RIFF_TYPES[head[8:12]]
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:3] == b"\x1f\x07\x00" and len(head) > 3 and head[3] & 0x7F == 0x3F:
        return "dv"  # a DV DIF header block (FFmpeg's dv probe tests the same bits)
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], "mp4")
    if head[4:8] in _QUICKTIME_ATOMS:
        return "mov"
    if _is_mpeg_audio_frame(head):
        # Layer bits 00 mean an AAC ADTS header; any other layer is MPEG audio (MP3).
        return "aac" if (head[1] >> 1) & 0b11 == 0 else "mp3"
    if len(head) > 376 and head[0] == head[188] == head[376] == 0x47:
        return "mpegts"
    if len(head) > 388 and head[4] == head[196] == head[388] == 0x47:
        return "mpegts"  # M2TS (AVCHD, Blu-ray): a 4-byte time code before each packet
    if (
        head[:2] == b"BM"
        and len(head) >= 18
        and head[6:10] == b"\x00\x00\x00\x00"
        and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES
    ):
        return "bmp"
    return None


def _refine_ebml(head: bytes) -> str:
    return "webm" if b"webm" in head[:64] else "mkv"


def _refine_ogg(head: bytes) -> str:
    # The first page's packet names the codec: Opus and Theora; Vorbis (and others) are "ogg".
    first = head[28:40]
    if first.startswith(b"OpusHead"):
        return "opus"
    if first.startswith(b"\x80theora"):
        return "ogv"
    return "ogg"


_REFINE = {"ebml": _refine_ebml, "ogg": _refine_ogg}


def _is_mpeg_audio_frame(head: bytes) -> bool:
    return len(head) >= 4 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


def _decode_text(head: bytes) -> str | None:
    """Decode ``head`` as text, or return None when it looks binary."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        if b"\x00" in head:
            return None
        encoding = "utf-8-sig"
    # An incremental decoder tolerates a multi-byte character cut off at the end of the head.
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(head, final=False)
    except UnicodeDecodeError:
        pass
    if encoding == "utf-8-sig" and _is_mostly_printable(head):
        # Legacy 8-bit text (GBK DXF files, for example): decode losslessly for pattern tests.
        return head.decode("latin-1")
    return None


def _is_mostly_printable(head: bytes) -> bool:
    controls = sum(1 for b in head if b < 0x20 and b not in b"\t\n\r\f")
    return controls <= len(head) // 100


def _sniff_text(text: str) -> str:
    stripped = text.lstrip()
    lower = stripped[:2048].lower()
    if _looks_like_ascii_dxf(stripped):
        return "dxf"
    if lower.startswith("<?xml"):
        if "<svg" in lower:
            return "svg"
        if "<html" in lower:
            return "html"
        return "xml"
    if lower.startswith("<svg"):
        return "svg"
    if lower.startswith(_HTML_STARTS):
        return "html"
    if lower.startswith("<!--") and ("<html" in lower or "<!doctype html" in lower):
        return "html"
    if lower.startswith("{\\rtf"):
        return "rtf"
    if lower.startswith("%!ps"):
        return "postscript"
    return "text"


def _looks_like_ascii_dxf(text: str) -> bool:
    """True for DXF tag pairs: a group code line (0 or 999) and a SECTION within a few pairs."""
    lines = [line.strip() for line in text.splitlines()[:40]]
    if not lines or lines[0] not in ("0", "999"):
        return False
    return any(lines[i] == "0" and lines[i + 1].upper() == "SECTION" for i in range(len(lines) - 1))
